#include "store/alert_notice.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/handoff.h"
#include "util/fs.h"

namespace hookwarden::store {

std::string notice_path(const std::string& state_dir, const std::string& hook) {
    return state_dir + "/" + kAlertsDir + "/" + hook_key(hook) + ".notice";
}

std::string post_notice(const std::string& state_dir, const std::string& hook, const std::string& line) {
    const std::string path = notice_path(state_dir, hook);
    const int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW;
    int fd = ::open(path.c_str(), flags, 0600);
    if (fd < 0 && errno == ENOENT) {
        std::string dir = state_dir + "/" + kAlertsDir;
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
            return "cannot create '" + dir + "': " + std::strerror(errno);
        fd = ::open(path.c_str(), flags, 0600);
    }
    if (fd < 0) return "cannot write '" + path + "': " + std::strerror(errno);
    int error = fs::write_all(fd, line + "\n");
    ::close(fd);
    return error == 0 ? "" : "cannot write '" + path + "': " + std::strerror(error);
}

std::optional<std::string> take_notice(const std::string& state_dir, const std::string& hook) {
    const std::string path = notice_path(state_dir, hook);
    if (::access(path.c_str(), F_OK) != 0) return std::nullopt;
    const std::string taken = path + ".taken-" + std::to_string(::getpid());
    if (::rename(path.c_str(), taken.c_str()) != 0) return std::nullopt;  // another answer took it
    auto text = fs::read_file(taken);
    ::unlink(taken.c_str());
    if (!text || text->empty()) return std::nullopt;
    return text;
}

}  // namespace hookwarden::store
