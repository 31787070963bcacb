#include "sandbox/cgroupfs.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <thread>
#include <unistd.h>

#include <linux/magic.h>

#include "util/fs.h"

namespace hookwarden::sandbox::cgroupfs {

std::vector<Membership> memberships(std::string_view table) {
    std::vector<Membership> out;
    while (!table.empty()) {
        const auto end = table.find('\n');
        const std::string_view line = table.substr(0, end);
        table = end == std::string_view::npos ? std::string_view() : table.substr(end + 1);
        const auto first = line.find(':');
        const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
        if (second == std::string_view::npos) continue;
        out.push_back({line.substr(first + 1, second - first - 1), line.substr(second + 1)});
    }
    return out;
}

namespace {

// Whether a comma-separated controller list ("cpu,cpuacct") names `controller`.
bool lists(std::string_view controllers, std::string_view controller) {
    for (std::string_view rest = controllers; !rest.empty();) {
        const auto comma = rest.find(',');
        if (rest.substr(0, comma) == controller) return true;
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    return false;
}

}  // namespace

std::optional<std::string> path_in(std::string_view table, std::string_view controller) {
    for (const Membership& m : memberships(table))
        if (controller.empty() ? m.controllers.empty() : lists(m.controllers, controller)) return std::string(m.path);
    return std::nullopt;
}

std::optional<std::string> own_path(const std::string& controller) {
    static const std::optional<std::string> table = fs::read_file("/proc/self/cgroup");
    if (!table) return std::nullopt;
    return path_in(*table, controller);
}

static bool has_magic(const std::string& path, long magic) {
    struct statfs info {};
    return ::statfs(path.c_str(), &info) == 0 && static_cast<long>(info.f_type) == magic;
}

bool is_cgroup2(const std::string& path) { return has_magic(path, CGROUP2_SUPER_MAGIC); }
bool is_cgroup1(const std::string& path) { return has_magic(path, CGROUP_SUPER_MAGIC); }

std::string new_run_name() {
    // Per process: a forked child (a ready worker is a fork of the daemon) starts again.
    static pid_t owner = 0;
    static int made = 0;
    const pid_t self = ::getpid();
    if (owner != self) owner = self, made = 0;
    const std::string name = "hw-" + std::to_string(self);
    return ++made == 1 ? name : name + "-" + std::to_string(made);
}

bool is_run_name(std::string_view name) {
    if (!name.starts_with("hw-")) return false;
    name.remove_prefix(3);
    const auto digits = [](std::string_view part) {
        return !part.empty() && part.find_first_not_of("0123456789") == std::string_view::npos;
    };
    const auto dash = name.find('-');
    return digits(name.substr(0, dash)) && (dash == std::string_view::npos || digits(name.substr(dash + 1)));
}

int make_dirs(const std::string& path) {
    if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return 0;
    if (errno != ENOENT) return errno;
    size_t slash = path.rfind('/');
    if (slash == std::string::npos || slash == 0) return ENOENT;
    if (int error = make_dirs(path.substr(0, slash)); error != 0) return error;
    return (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) ? 0 : errno;
}

bool make_run_cgroup(const std::string& dir, std::string& error) {
    if (::mkdir(dir.c_str(), 0755) == 0) return true;
    if (errno != EEXIST) {
        error = "cannot create " + dir + ": " + std::strerror(errno);
        return false;
    }
    kill_cgroup(dir);  // left by a dead supervisor that had our pid
    return true;
}

bool write_control(const std::string& file, const std::string& value, std::string& error) {
    if (int e = fs::write_small(file, value); e != 0) {
        error = "cannot write '" + value + "' to " + file + ": " + std::strerror(e);
        return false;
    }
    return true;
}

bool write_control_once(const std::string& file, std::int64_t value, const std::string& text, std::int64_t& written,
                        std::string& error) {
    if (written == value) return true;
    written = write_control(file, text, error) ? value : -1;
    return written == value;
}

std::vector<int> read_pids(const std::string& dir) {
    std::vector<int> pids;
    auto text = fs::read_file(dir + "/cgroup.procs");
    if (!text) return pids;
    const char* p = text->c_str();
    while (*p) {
        char* end = nullptr;
        long pid = std::strtol(p, &end, 10);
        if (end == p) break;
        if (pid > 0) pids.push_back(static_cast<int>(pid));
        p = end;
        while (*p == '\n') ++p;
    }
    return pids;
}

std::vector<std::string> children(const std::string& dir) {
    std::vector<std::string> subdirs;
    DIR* handle = ::opendir(dir.c_str());
    if (!handle) return subdirs;
    while (dirent* entry = ::readdir(handle)) {
        if (entry->d_type != DT_DIR || std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0)
            continue;
        subdirs.push_back(dir + "/" + entry->d_name);
    }
    ::closedir(handle);
    return subdirs;
}

std::vector<int> read_tree_pids(const std::string& dir) {
    std::vector<int> pids = read_pids(dir);
    for (const auto& sub : children(dir)) {
        auto below = read_tree_pids(sub);
        pids.insert(pids.end(), below.begin(), below.end());
    }
    return pids;
}

bool any_oom_kill(const std::string& dir, const std::string& file) {
    if (read_key(dir + "/" + file, "oom_kill").value_or(0) > 0) return true;
    for (const auto& sub : children(dir))
        if (any_oom_kill(sub, file)) return true;
    return false;
}

namespace {

std::optional<std::int64_t> key_in(const std::string& text, const std::string& key) {
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        if (text.compare(pos, key.size(), key) == 0 && pos + key.size() < end && text[pos + key.size()] == ' ')
            return std::strtoll(text.c_str() + pos + key.size() + 1, nullptr, 10);
        pos = end + 1;
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> read_key(const std::string& file, const std::string& key) {
    auto text = fs::read_file(file);
    if (!text) return std::nullopt;
    return key_in(*text, key);
}

std::pair<double, double> read_cpu_stat_ms(const std::string& file) {
    const auto text = fs::read_file(file);
    if (!text) return {0, 0};
    return {static_cast<double>(key_in(*text, "user_usec").value_or(0)) / 1000.0,
            static_cast<double>(key_in(*text, "system_usec").value_or(0)) / 1000.0};
}

std::optional<std::int64_t> read_number(const std::string& file) {
    auto text = fs::read_file(file);
    if (!text || text->empty()) return std::nullopt;
    return std::strtoll(text->c_str(), nullptr, 10);
}

bool populated(int events_fd, const std::string& dir) {
    char text[256];
    ssize_t n = events_fd >= 0 ? ::pread(events_fd, text, sizeof text - 1, 0) : -1;
    if (n <= 0) return read_key(dir + "/cgroup.events", "populated").value_or(0) != 0;
    text[n] = '\0';
    const char* line = std::strstr(text, "populated ");
    return line != nullptr && line[10] != '0';
}

long signal_pids(const std::string& dir, int sig) {
    auto pids = read_tree_pids(dir);
    for (int pid : pids) ::kill(pid, sig);
    return static_cast<long>(pids.size());
}

namespace {

// The v1 freezer cgroup of `pid` ("" when it is in the root or there is no freezer).
std::string freezer_of(int pid) {
    auto table = fs::read_file("/proc/" + std::to_string(pid) + "/cgroup");
    const auto path = table ? path_in(*table, "freezer") : std::nullopt;
    return !path || *path == "/" ? "" : std::string(kRoot) + "/freezer" + *path;
}

}  // namespace

void thaw_v1_freezers(const std::vector<int>& pids) {
    if (pids.empty() || !is_cgroup1(std::string(kRoot) + "/freezer")) return;
    std::vector<std::string> done;
    for (int pid : pids) {
        std::string freezer = freezer_of(pid);
        if (freezer.empty() || std::find(done.begin(), done.end(), freezer) != done.end()) continue;
        done.push_back(freezer);
        auto state = fs::read_file(freezer + "/freezer.state");
        if (!state || state->rfind("THAWED", 0) == 0) continue;
        bool only_ours = true;
        for (int member : read_pids(freezer))
            only_ours = only_ours && std::find(pids.begin(), pids.end(), member) != pids.end();
        if (only_ours) fs::write_small(freezer + "/freezer.state", "THAWED");
    }
}

long kill_cgroup(const std::string& dir) {
    auto pids = read_tree_pids(dir);
    long found = static_cast<long>(pids.size());
    if (found == 0) return 0;
    thaw_v1_freezers(pids);
    if (fs::write_small(dir + "/cgroup.kill", "1") == 0) return found;
    // No cgroup.kill (v1 without a unified companion, or a kernel before 5.14): signal
    // until empty. A fork between reading the list and the kill is caught by the next
    // round; pids.max bounds how many rounds a fork bomb can force.
    for (int round = 0; round < 1000; ++round) {
        if (signal_pids(dir, SIGKILL) == 0) break;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return found;
}

int remove_cgroup(const std::string& dir) {
    for (int attempt = 0; attempt < 200; ++attempt) {
        if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return 0;
        if (errno != EBUSY) return errno;
        // Killed tasks leave the cgroup asynchronously; give them a moment.
        std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    return EBUSY;
}

int remove_tree(const std::string& dir) {
    for (const auto& sub : children(dir)) remove_tree(sub);
    return remove_cgroup(dir);
}

// A run cgroup is stale only once its supervisor's pid is gone. A live pid is trusted
// even if it might be a reused one: sweeping a live supervisor's cgroup would kill its
// hook mid-run, while a stale cgroup kept a little longer costs nothing.
static bool supervisor_alive(int pid) {
    if (pid == ::getpid()) return false;  // our own name, left over by a dead namesake
    return !(::kill(pid, 0) != 0 && errno == ESRCH);
}

void remove_stale(const std::string& parent) {
    DIR* dir = ::opendir(parent.c_str());
    if (!dir) return;
    std::vector<std::string> stale;
    while (dirent* entry = ::readdir(dir)) {
        if (!is_run_name(entry->d_name)) continue;  // only ours: what is in it gets killed
        int pid = std::atoi(entry->d_name + 3);
        if (pid > 0 && !supervisor_alive(pid)) stale.push_back(parent + "/" + entry->d_name);
    }
    ::closedir(dir);
    for (const auto& path : stale) {
        kill_cgroup(path);
        remove_tree(path);
    }
}

}  // namespace hookwarden::sandbox::cgroupfs
