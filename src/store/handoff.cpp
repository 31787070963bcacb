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

#include "util/fs.h"

namespace hookwarden::store {

namespace {

constexpr const char* kGateHeader = "hookwarden breaker gate 1";

// One line per hook, JSON-quoted so that no name can break the format.
std::string gate_line(const std::string& hook) {
    return nlohmann::json(hook).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

struct Marker {
    std::string path;
    pid_t guardian = 0;
};

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
    // On the answer's path: the directory is made only the first time it is missing.
    int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 && errno == ENOENT) {
        std::string dir = marker.substr(0, marker.rfind('/'));
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
            return "cannot create '" + dir + "': " + std::strerror(errno);
        fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    }
    if (fd < 0) return "cannot create '" + marker + "': " + std::strerror(errno);
    ::close(fd);
    return "";
}

bool wait_pending(const std::string& state_dir, const std::string& hook, std::chrono::milliseconds limit) {
    const std::string dir = state_dir + "/" + kPendingDir;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return true;  // never used, or unusable: then nothing is pending either
    const std::string prefix = hook.empty() ? std::string() : hook_key(hook) + ".";
    std::vector<Marker> markers;
    while (const dirent* entry = ::readdir(d)) {
        std::string name = entry->d_name;
        if (name[0] == '.' || name.compare(0, prefix.size(), prefix) != 0) continue;
        auto dot = name.rfind('.');
        if (dot == std::string::npos) continue;
        markers.push_back({dir + "/" + name, static_cast<pid_t>(std::atol(name.c_str() + dot + 1))});
    }
    ::closedir(d);

    auto deadline = std::chrono::steady_clock::now() + limit;
    auto pause = std::chrono::microseconds(100);
    while (!markers.empty()) {
        std::erase_if(markers, [](const Marker& m) {
            if (::access(m.path.c_str(), F_OK) != 0) return true;
            if (m.guardian > 0 && ::kill(m.guardian, 0) != 0 && errno == ESRCH) {
                ::unlink(m.path.c_str());  // its guardian died before committing
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
    auto text = fs::read_file(state_dir + "/" + kGateName);
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
