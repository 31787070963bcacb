#include "util/fs.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fd.h"

namespace hookwarden::fs {

std::optional<std::string> read_all(int fd) {
    std::string out;
    char buffer[8192];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) {
            out.append(buffer, static_cast<size_t>(n));
        } else if (n == 0) {
            return out;
        } else if (errno != EINTR) {
            return std::nullopt;
        }
    }
}

std::optional<std::string> read_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return std::nullopt;
    auto out = read_all(fd.get());
    int saved = errno;
    fd.reset();
    errno = saved;
    return out;
}

std::optional<std::string> read_regular_file(const std::string& path, std::size_t max_bytes, std::string& why) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0) {
        why = std::strerror(errno);
        return std::nullopt;
    }
    if (!S_ISREG(st.st_mode)) {
        why = "not a regular file";
        return std::nullopt;
    }
    if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
        why = "larger than " + std::to_string(max_bytes) + " bytes";
        return std::nullopt;
    }
    auto out = read_all(fd.get());
    if (!out) why = std::strerror(errno);
    else if (out->size() > max_bytes) why = "larger than " + std::to_string(max_bytes) + " bytes";  // it grew
    if (!why.empty()) return std::nullopt;
    return out;
}

namespace {

std::string errno_text(const std::string& what, int error) { return what + ": " + std::strerror(error); }

// What the new file must look like: the replaced file's mode, and its owner when we are
// root (a root-run `install` must not hand a user's settings file to root).
struct Inherited {
    mode_t mode = 0644;
    bool has_owner = false;
    uid_t uid = 0;
    gid_t gid = 0;
};

Inherited inherited_from(const std::string& path, mode_t new_file_mode) {
    Inherited out;
    out.mode = new_file_mode;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return out;
    out.mode = st.st_mode & 07777;
    out.has_owner = ::geteuid() == 0;
    out.uid = st.st_uid;
    out.gid = st.st_gid;
    return out;
}

// A fresh temporary beside `path`. O_EXCL|O_NOFOLLOW: never write through a file or a
// symlink someone else put at that name. It is created with the final mode (the umask
// can only narrow it) and fixed up before any content goes in, so the content is never
// readable by more people than the replaced file allowed.
UniqueFd create_temporary(const std::string& path, const Inherited& like, std::string& tmp, std::string& error) {
    for (unsigned attempt = 0; attempt < 100; ++attempt) {
        tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(attempt);
        UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, like.mode));
        if (!fd && errno == EEXIST) continue;
        if (!fd) {
            error = errno_text("cannot create '" + tmp + "'", errno);
            return fd;
        }
        // chown first: it clears set-id bits, which the chmod then restores.
        bool ok = (!like.has_owner || ::fchown(fd.get(), like.uid, like.gid) == 0) && ::fchmod(fd.get(), like.mode) == 0;
        if (ok) return fd;
        error = errno_text("cannot give '" + tmp + "' the owner and mode of '" + path + "'", errno);
        ::unlink(tmp.c_str());
        return UniqueFd();
    }
    error = "cannot create a temporary file beside '" + path + "': 100 names taken";
    return UniqueFd();
}

}  // namespace

namespace {

// What write_file_atomic does with a path that is not a regular file. A rename over a
// device would replace it: `report -o /dev/null` as root once left /dev/null a regular
// file, which every later `> /dev/null` on the machine appended to.
enum class Target { replace, in_place, refuse };

Target target_kind(const std::string& path, std::string& error) {
    struct stat st{};
    if (::lstat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return Target::replace;
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) return Target::in_place;
    if (S_ISLNK(st.st_mode)) {
        // A link to a regular file (or to nothing) is replaced, not followed; a link to a
        // device or pipe would be destroyed by the rename and is not written through.
        if (::stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return Target::replace;
        error = "'" + path + "' is a symbolic link to a device or pipe: neither replaced nor written through";
        return Target::refuse;
    }
    if (S_ISDIR(st.st_mode)) return Target::replace;  // the rename fails with the reason
    error = "'" + path + "' is not a regular file, character device or pipe";
    return Target::refuse;
}

// A character device or a pipe named by the caller (/dev/null, /dev/tty, a FIFO) gets the
// content written into it; a pipe nobody reads is an error, not a hang.
std::string write_in_place(const std::string& path, const std::string& content) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!fd) return errno_text("cannot open '" + path + "'", errno);
    int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags >= 0) ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
    int e = write_all(fd.get(), content);
    if (e == 0) e = fd.close();
    return e == 0 ? "" : errno_text("cannot write '" + path + "'", e);
}

}  // namespace

std::string write_file_atomic(const std::string& path, const std::string& content, unsigned new_file_mode) {
    std::string tmp, error;
    switch (target_kind(path, error)) {
    case Target::refuse: return error;
    case Target::in_place: return write_in_place(path, content);
    case Target::replace: break;
    }
    UniqueFd fd = create_temporary(path, inherited_from(path, static_cast<mode_t>(new_file_mode)), tmp, error);
    if (!fd) return error;
    int e = write_all(fd.get(), content);
    if (e == 0) e = fd.close();
    if (e != 0) {
        ::unlink(tmp.c_str());
        return errno_text("cannot write '" + tmp + "'", e);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        error = errno_text("cannot rename '" + tmp + "' to '" + path + "'", errno);
        ::unlink(tmp.c_str());
        return error;
    }
    return "";
}

int write_small(const std::string& path, const std::string& content) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return errno;
    ssize_t n = ::write(fd.get(), content.data(), content.size());
    return (n == static_cast<ssize_t>(content.size())) ? 0 : (n < 0 ? errno : EIO);
}

int write_all(int fd, const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        if (n == 0) return EIO;
        done += static_cast<size_t>(n);
    }
    return 0;
}

std::int64_t now_unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace hookwarden::fs
