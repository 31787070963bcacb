#include "util/fs.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

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
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    auto out = read_all(fd);
    int saved = errno;
    ::close(fd);
    errno = saved;
    return out;
}

std::string write_file_atomic(const std::string& path, const std::string& content) {
    std::string tmp = path + ".tmp." + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return "cannot create '" + tmp + "': " + std::strerror(errno);
    if (int e = write_all(fd, content); e != 0) {
        ::close(fd);
        ::unlink(tmp.c_str());
        return "cannot write '" + tmp + "': " + std::strerror(e);
    }
    if (::close(fd) != 0) {
        std::string error = "cannot write '" + tmp + "': " + std::strerror(errno);
        ::unlink(tmp.c_str());
        return error;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        std::string error = "cannot rename '" + tmp + "' to '" + path + "': " + std::strerror(errno);
        ::unlink(tmp.c_str());
        return error;
    }
    return "";
}

int write_small(const std::string& path, const std::string& content) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    ssize_t n = ::write(fd, content.data(), content.size());
    int result = (n == static_cast<ssize_t>(content.size())) ? 0 : (n < 0 ? errno : EIO);
    ::close(fd);
    return result;
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
