#include "store/alert_notice.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/handoff.h"
#include "store/state_dir.h"
#include "util/fd.h"
#include "util/fs.h"

namespace hookwarden::store {

std::string notice_path(const std::string& state_dir, const std::string& hook) {
    return state_dir + "/" + kAlertsDir + "/" + hook_key(hook) + ".notice";
}

// The alerts directory, relative to the verified state directory and never a link
// (store/state_dir.h): a link swapped in for it cannot send a notice elsewhere.
std::string post_notice(const std::string& state_dir, const std::string& hook, const std::string& line) {
    const std::string path = notice_path(state_dir, hook);
    UniqueFd alerts = open_state_subdir(state_dir, kAlertsDir, true);
    if (!alerts) return "cannot open '" + state_dir + "/" + kAlertsDir + "': " + std::strerror(errno);
    const std::string name = hook_key(hook) + ".notice";
    UniqueFd fd(::openat(alerts.get(), name.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) return "cannot write '" + path + "': " + std::strerror(errno);
    int error = fs::write_all(fd.get(), line + "\n");
    return error == 0 ? "" : "cannot write '" + path + "': " + std::strerror(error);
}

std::optional<std::string> take_notice(const std::string& state_dir, const std::string& hook) {
    UniqueFd alerts = open_state_subdir(state_dir, kAlertsDir, false);
    if (!alerts) return std::nullopt;
    const std::string name = hook_key(hook) + ".notice";
    const std::string taken = name + ".taken-" + std::to_string(::getpid());
    if (::renameat(alerts.get(), name.c_str(), alerts.get(), taken.c_str()) != 0) return std::nullopt;  // none, or another answer took it
    UniqueFd fd(::openat(alerts.get(), taken.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    ::unlinkat(alerts.get(), taken.c_str(), 0);
    auto text = fd ? fs::read_all(fd.get()) : std::nullopt;
    if (!text || text->empty()) return std::nullopt;
    return text;
}

}  // namespace hookwarden::store
