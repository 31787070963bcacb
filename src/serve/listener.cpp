#include "serve/listener.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "serve/socket_path.h"

namespace hookwarden::serve {

namespace {

std::string octal(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

// Only the last component is created: a missing $XDG_RUNTIME_DIR is not ours to make.
std::string check_directory(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return "cannot create " + dir + ": " + std::strerror(errno);
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0) return dir + ": " + std::strerror(errno);
    if (!S_ISDIR(st.st_mode)) return dir + ": not a directory (a symlink is not accepted)";
    if (st.st_uid != ::geteuid())
        return dir + ": owned by uid " + std::to_string(st.st_uid) + ", expected " + std::to_string(::geteuid());
    if ((st.st_mode & 077) != 0)
        return dir + ": mode " + octal(st.st_mode) + ", expected 0700 (others must not reach the socket)";
    return {};
}

// systemd's socket activation (sd_listen_fds(3)): fd 3 when LISTEN_PID is us.
std::optional<Listener> inherited() {
    const char* pid = std::getenv("LISTEN_PID");
    const char* fds = std::getenv("LISTEN_FDS");
    if (!pid || !fds || std::atol(pid) != ::getpid() || std::atoi(fds) < 1) return std::nullopt;
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_FDNAMES");
    int type = 0;
    socklen_t size = sizeof type;
    if (::getsockopt(3, SOL_SOCKET, SO_TYPE, &type, &size) != 0 || type != SOCK_SEQPACKET) return std::nullopt;
    ::fcntl(3, F_SETFD, FD_CLOEXEC);
    ::fcntl(3, F_SETFL, ::fcntl(3, F_GETFL) | O_NONBLOCK);
    Listener l;
    l.socket.reset(3);
    sockaddr_un address{};
    socklen_t length = sizeof address;
    if (::getsockname(3, reinterpret_cast<sockaddr*>(&address), &length) == 0) l.path = address.sun_path;
    return l;
}

std::string bind_socket(Listener& l) {
    l.socket.reset(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!l.socket) return std::string("socket: ") + std::strerror(errno);
    if (::unlink(l.path.c_str()) != 0 && errno != ENOENT) return l.path + ": " + std::strerror(errno);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, l.path.c_str(), l.path.size() + 1);
    const mode_t old = ::umask(077);
    const int bound = ::bind(l.socket.get(), reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::umask(old);
    if (bound != 0) return "bind " + l.path + ": " + std::strerror(errno);
    l.bound = true;
    if (::listen(l.socket.get(), 128) != 0) return "listen " + l.path + ": " + std::strerror(errno);
    return {};
}

}  // namespace

void Listener::close() {
    if (bound && socket) ::unlink(path.c_str());
    socket.reset();
    lock.reset();
}

std::optional<Listener> listen_on(const std::string& path, std::string& error) {
    if (auto l = inherited()) return l;
    if (!fits_socket_address(path)) {
        error = "socket path '" + path + "' is empty or longer than " + std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) +
                " bytes";
        return std::nullopt;
    }
    const std::string dir = path.substr(0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/'));
    if (error = check_directory(dir.empty() ? "." : dir); !error.empty()) return std::nullopt;
    Listener l;
    l.path = path;
    const std::string lock = path + ".lock";
    l.lock.reset(::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!l.lock || ::flock(l.lock.get(), LOCK_EX | LOCK_NB) != 0) {
        error = errno == EWOULDBLOCK ? "another hookwarden serve is listening on " + path + " (it holds " + lock + ")"
                                     : lock + ": " + std::strerror(errno);
        return std::nullopt;
    }
    if (error = bind_socket(l); !error.empty()) return std::nullopt;
    return l;
}

}  // namespace hookwarden::serve
