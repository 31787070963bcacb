#include "store/handoff.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "store/state_dir.h"
#include "util/fd.h"
#include "util/fs.h"

namespace hookwarden::store {

namespace {

constexpr const char* kGateHeader = "hookwarden breaker gate 1";

// One line per hook, JSON-quoted so that no name can break the format.
std::string gate_line(const std::string& hook) {
    return nlohmann::json(hook).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

struct Marker {
    std::string name;  // in the pending directory
    pid_t guardian = 0;
};

// How long a genuine marker can live: the guardian writes it once the hook's tree is
// gone and removes it after one commit, which waits at most the store's busy timeout.
constexpr std::chrono::seconds kMarkerMaxAge{30};
constexpr const char* kMarkerTag = "hookwarden-guardian ";

// The start time of `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat): a
// reused pid does not share it. 0 when the process is gone or unreadable.
unsigned long long start_ticks(pid_t pid) {
    auto stat = fs::read_file("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return 0;
    const std::size_t close = stat->rfind(')');  // the command name may hold spaces and ')'
    if (close == std::string::npos) return 0;
    const char* at = stat->c_str() + close + 1;
    for (int field = 3; field < 22 && *at; ++field) {
        while (*at == ' ') ++at;
        while (*at && *at != ' ') ++at;
    }
    return std::strtoull(at, nullptr, 10);
}

// Whether `pid` runs the same program as we do: a guardian is a hookwarden process.
bool runs_our_program(pid_t pid) {
    struct stat theirs {}, ours {};
    if (::stat(("/proc/" + std::to_string(pid) + "/exe").c_str(), &theirs) != 0) return false;
    if (::stat("/proc/self/exe", &ours) != 0) return false;
    return theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino;
}

// The guardian pid at the end of a marker's name.
pid_t guardian_of(const std::string& marker) {
    const std::size_t dot = marker.rfind('.');
    return dot == std::string::npos ? 0 : static_cast<pid_t>(std::atol(marker.c_str() + dot + 1));
}

// A marker counts only if a live guardian wrote it: a regular file, young, naming a
// process that runs hookwarden and started when the marker says. A hook can write into
// the state directory it inherits; a marker it plants for another hook (or for pid 1)
// made every run of that hook wait 2 s, for ever.
bool is_genuine(int pending, const Marker& marker) {
    UniqueFd fd(::openat(pending, marker.name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > 64) return false;
    const auto age = std::chrono::system_clock::now() - std::chrono::system_clock::from_time_t(st.st_mtime);
    if (age > kMarkerMaxAge || age < -std::chrono::seconds(5)) return false;
    char text[65] = {};
    const ssize_t n = ::read(fd.get(), text, 64);
    const std::string_view tag = kMarkerTag;
    if (n <= static_cast<ssize_t>(tag.size()) || std::string_view(text, tag.size()) != tag) return false;
    const unsigned long long ticks = std::strtoull(text + tag.size(), nullptr, 10);
    return marker.guardian > 0 && ticks != 0 && start_ticks(marker.guardian) == ticks &&
           runs_our_program(marker.guardian);
}

// The markers present now in the `pending` directory fd (all, or those with `prefix`);
// forged ones are removed.
std::vector<Marker> genuine_markers(int pending, const std::string& prefix) {
    std::vector<Marker> markers;
    DIR* d = ::fdopendir(::fcntl(pending, F_DUPFD_CLOEXEC, 0));
    if (!d) return markers;
    while (const dirent* entry = ::readdir(d)) {
        std::string name = entry->d_name;
        if (name[0] == '.' || name.compare(0, prefix.size(), prefix) != 0) continue;
        Marker marker{name, guardian_of(name)};
        if (is_genuine(pending, marker))
            markers.push_back(std::move(marker));
        else
            ::unlinkat(pending, name.c_str(), 0);  // forged, or its guardian is gone
    }
    ::closedir(d);
    return markers;
}

// Creates `tmp` in the pending directory exclusively, never through a symlink, with
// `text`, and renames it to `name`, so that a reader sees a marker whole or not at all.
std::string write_marker(int pending, const std::string& tmp, const std::string& name, const std::string& text) {
    ::unlinkat(pending, tmp.c_str(), 0);  // a leftover of a supervisor that died here
    UniqueFd fd(::openat(pending, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) return "cannot create pending marker '" + tmp + "': " + std::strerror(errno);
    if (fs::write_all(fd.get(), text) != 0 || ::renameat(pending, tmp.c_str(), pending, name.c_str()) != 0) {
        const std::string error = "cannot write pending marker '" + name + "': " + std::strerror(errno);
        ::unlinkat(pending, tmp.c_str(), 0);
        return error;
    }
    return "";
}

// A marker path as pending_marker makes it: the state directory and the marker's name.
std::pair<std::string, std::string> split_marker(const std::string& marker) {
    const std::string middle = std::string("/") + kPendingDir + "/";
    const std::size_t at = marker.rfind(middle);
    if (at == std::string::npos) return {"", ""};
    return {marker.substr(0, at), marker.substr(at + middle.size())};
}

}  // namespace

std::string hook_key(const std::string& hook) {
    std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
    for (unsigned char c : hook) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
    return text;
}

std::string pending_marker(const std::string& state_dir, const std::string& hook, int guardian_pid) {
    return state_dir + "/" + kPendingDir + "/" + hook_key(hook) + "." + std::to_string(guardian_pid);
}

std::string mark_pending(const std::string& marker) {
    const pid_t guardian = guardian_of(marker);
    const unsigned long long ticks = guardian > 0 ? start_ticks(guardian) : 0;
    if (ticks == 0) return "cannot mark '" + marker + "': its guardian is not running";
    const std::string text = kMarkerTag + std::to_string(ticks) + "\n";
    const auto [state_dir, name] = split_marker(marker);
    // Relative to the verified state directory, the pending directory never a link: a
    // link swapped in for it cannot send the marker elsewhere. Made when missing.
    UniqueFd pending = open_state_subdir(state_dir, kPendingDir, true);
    if (!pending) return "cannot open '" + state_dir + "/" + kPendingDir + "': " + std::strerror(errno);
    return write_marker(pending.get(), "." + name, name, text);
}

void unmark_pending(const std::string& marker) {
    const auto [state_dir, name] = split_marker(marker);
    UniqueFd pending = open_state_subdir(state_dir, kPendingDir, false);
    if (pending) ::unlinkat(pending.get(), name.c_str(), 0);
}

bool wait_pending(const std::string& state_dir, const std::string& hook, std::chrono::milliseconds limit) {
    const std::string prefix = hook.empty() ? std::string() : hook_key(hook) + ".";
    UniqueFd pending = open_state_subdir(state_dir, kPendingDir, false);
    if (!pending) return true;  // never used, or unusable: then nothing is pending either
    std::vector<Marker> markers = genuine_markers(pending.get(), prefix);
    auto deadline = std::chrono::steady_clock::now() + limit;
    auto pause = std::chrono::microseconds(100);
    while (!markers.empty()) {
        std::erase_if(markers, [&](const Marker& m) {
            if (::faccessat(pending.get(), m.name.c_str(), F_OK, AT_SYMLINK_NOFOLLOW) != 0) return true;
            if (::kill(m.guardian, 0) != 0 && errno == ESRCH) {
                ::unlinkat(pending.get(), m.name.c_str(), 0);  // its guardian died before committing
                return true;
            }
            return false;
        });
        if (markers.empty()) break;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(pause);
        pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(2));
    }
    return true;
}

bool gate_admits(const std::string& state_dir, const std::string& hook) {
    const int dir = state_dir_fd(state_dir);
    UniqueFd fd(dir < 0 ? -1 : ::openat(dir, kGateName, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    auto text = fd ? fs::read_all(fd.get()) : std::nullopt;
    if (!text) return false;
    const std::string header = std::string(kGateHeader) + "\n";
    if (text->compare(0, header.size(), header) != 0) return false;
    const std::string line = "\n" + gate_line(hook) + "\n";
    return text->find(line, header.size() - 1) == std::string::npos;
}

std::string write_gate(const std::string& state_dir, const std::vector<std::string>& listed) {
    std::string text = std::string(kGateHeader) + "\n";
    for (const auto& hook : listed) text += gate_line(hook) + "\n";
    return fs::write_file_atomic(state_dir + "/" + kGateName, text);
}

void remove_gate(const std::string& state_dir) { ::unlink((state_dir + "/" + kGateName).c_str()); }

}  // namespace hookwarden::store
