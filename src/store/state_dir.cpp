#include "store/state_dir.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

namespace hookwarden::store {

namespace {

// A verified directory's fd and which directory it was. The identity is checked on every
// use: a process that closes fds it did not open (the guardian closes all but its own
// after the fork) must not go on with a number that is now another file, or nothing.
struct Kept {
    int fd = -1;
    dev_t dev = 0;
    ino_t ino = 0;
    bool still_ours() const {
        struct stat now {};
        return fd >= 0 && ::fstat(fd, &now) == 0 && now.st_dev == dev && now.st_ino == ino;
    }
};

std::mutex cache_mutex;
std::map<std::string, Kept>& verified() {
    static std::map<std::string, Kept> fds;  // one per state directory path, for the process's life
    return fds;
}

bool others_may_write(const struct stat& st) {
    return (st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0;
}

std::string check_state_dir(const std::string& dir, const struct stat& st) {
    if (st.st_uid != ::geteuid())
        return "state directory '" + dir + "' belongs to uid " + std::to_string(st.st_uid) + ", not to you (uid " +
               std::to_string(::geteuid()) + "): its owner could replace the records, breakers and files hookwarden "
               "writes there; refused (set HOOKWARDEN_STATE_DIR to a directory of your own)";
    if (others_may_write(st))
        return "state directory '" + dir + "' is writable by group or others: they could plant links and markers "
               "in it; refused (chmod go-w '" + dir + "')";
    return "";
}

// The directory above `path` as text (for messages): "/a/b" -> "/a", "/a" -> "/".
std::string parent_text(const std::string& path) {
    const std::size_t slash = path.find_last_of('/');
    return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

// Every directory above the opened one, reached through "..", so that what is checked is
// what holds the directory now, whatever the names say: owned by the user or root, and
// writable by no one else unless sticky (where others cannot rename what is not theirs).
std::string check_parents(int fd, const std::string& dir) {
    char real[PATH_MAX];
    std::string name = ::realpath(dir.c_str(), real) ? std::string(real) : dir;
    struct stat below {};
    if (::fstat(fd, &below) != 0) return "cannot use state directory '" + dir + "': " + std::strerror(errno);
    UniqueFd current(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
    for (int depth = 0; depth < 256; ++depth) {
        UniqueFd up(::openat(current.get(), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        struct stat st {};
        if (!up || ::fstat(up.get(), &st) != 0) return "cannot check the directories above '" + dir + "': " + std::strerror(errno);
        if (st.st_dev == below.st_dev && st.st_ino == below.st_ino) return "";  // "/" is its own parent
        name = parent_text(name);
        if (st.st_uid != 0 && st.st_uid != ::geteuid())
            return "directory '" + name + "' above the state directory '" + dir + "' belongs to uid " +
                   std::to_string(st.st_uid) + ": its owner could swap the state directory; refused (set "
                   "HOOKWARDEN_STATE_DIR to a directory whose parents only you or root can change)";
        if (others_may_write(st))
            return "directory '" + name + "' above the state directory '" + dir + "' is writable by group or "
                   "others without the sticky bit: they could swap the state directory; refused (chmod go-w '" + name + "')";
        below = st;
        current = std::move(up);
    }
    return "";
}

}  // namespace

std::string verify_state_dir(const std::string& dir) {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        const int error = errno;
        struct stat st {};
        if (error == ENOENT) return "";
        if (::lstat(dir.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
            return "state directory '" + dir + "' is a symbolic link: whoever can change it decides where hookwarden "
                   "writes; refused (set HOOKWARDEN_STATE_DIR to the directory itself)";
        if (error == ENOTDIR) return "state directory '" + dir + "' is not a directory";
        return "cannot use state directory '" + dir + "': " + std::strerror(error);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return "cannot use state directory '" + dir + "': " + std::strerror(errno);
    if (std::string refused = check_state_dir(dir, st); !refused.empty()) return refused;
    if (std::string refused = check_parents(fd.get(), dir); !refused.empty()) return refused;
    // Checked again on every call (each command starts with one); the fd kept is the one
    // of the last check, replaced only when the name now leads to another directory.
    std::lock_guard lock(cache_mutex);
    auto [it, fresh] = verified().emplace(dir, Kept{});
    if (!fresh && it->second.still_ours() && it->second.dev == st.st_dev && it->second.ino == st.st_ino) return "";
    if (!fresh && it->second.still_ours()) ::close(it->second.fd);  // not ours any more: not ours to close
    it->second = Kept{fd.release(), st.st_dev, st.st_ino};
    return "";
}

int state_dir_fd(const std::string& dir, std::string* error) {
    {
        std::lock_guard lock(cache_mutex);
        if (auto it = verified().find(dir); it != verified().end() && it->second.still_ours()) return it->second.fd;
    }
    std::string refused = verify_state_dir(dir);
    std::lock_guard lock(cache_mutex);
    if (auto it = verified().find(dir); it != verified().end() && it->second.still_ours()) return it->second.fd;
    if (error) *error = refused.empty() ? "state directory '" + dir + "' does not exist" : refused;
    errno = refused.empty() ? ENOENT : EPERM;
    return -1;
}

UniqueFd open_state_subdir(const std::string& dir, const char* sub, bool create) {
    const int base = state_dir_fd(dir);
    if (base < 0) return UniqueFd();
    const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    UniqueFd fd(::openat(base, sub, flags));
    if (!fd && errno == ENOENT && create) {
        if (::mkdirat(base, sub, 0700) != 0 && errno != EEXIST) return UniqueFd();
        fd.reset(::openat(base, sub, flags));
    }
    return fd;
}

}  // namespace hookwarden::store
