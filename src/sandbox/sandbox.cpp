#include "sandbox/sandbox.h"

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/backends.h"
#include "sandbox/cgroupfs.h"

namespace hookwarden::sandbox {

Sandbox::~Sandbox() { release_placed(); }

void Sandbox::release_placed() {
    if (placed_.socket >= 0) ::close(placed_.socket);
    if (placed_.pid > 0) {
        ::kill(placed_.pid, SIGKILL);
        ::waitpid(placed_.pid, nullptr, 0);
    }
    placed_ = {};
}

const char* to_string(Kind kind) {
    switch (kind) {
        case Kind::cgroup_v2:
            return "cgroup-v2";
        case Kind::cgroup_v1:
            return "cgroup-v1";
        case Kind::none:
            return "none";
    }
    return "none";
}

Detection detect() {
    Detection d;
    std::string why;
    if (!cgroup_v2_parent(why).empty()) {
        d.v2_usable = true;
        d.v2_why = "cgroup2 mounted at /sys/fs/cgroup with memory and pids controllers";
    } else {
        d.v2_why = why;
    }
    // Probe v1 by creating (and removing) a run cgroup: writability is what matters.
    Limits probe;
    std::string error;
    if (auto box = create_cgroup_v1(probe, error)) {
        d.v1_usable = true;
        d.v1_why = cgroupfs::is_cgroup2(std::string(cgroupfs::kRoot) + "/unified")
                       ? "v1 memory, pids and cpu hierarchies writable; unified cgroup2 companion for cgroup.kill"
                       : "v1 memory, pids and cpu hierarchies writable";
    } else {
        d.v1_why = error;
    }
    d.best = d.v2_usable ? Kind::cgroup_v2 : d.v1_usable ? Kind::cgroup_v1 : Kind::none;
    d.none_why = "always available: rlimits, own process group, child subreaper";
    return d;
}

std::unique_ptr<Sandbox> create(const std::string& kind_name, const Limits& limits, std::string& error,
                                std::vector<std::string>& notes) {
    if (kind_name == "none") return create_none(limits);
    if (kind_name == "cgroup-v2") return create_cgroup_v2(limits, error);
    if (kind_name == "cgroup-v1") return create_cgroup_v1(limits, error);
    if (kind_name != "auto") {
        error = "unknown backend '" + kind_name + "' (expected auto, cgroup-v2, cgroup-v1 or none)";
        return nullptr;
    }
    // auto: try the strongest first. A v2 mount at /sys/fs/cgroup excludes v1 there.
    std::string why;
    if (cgroupfs::is_cgroup2(cgroupfs::kRoot)) {
        if (auto box = create_cgroup_v2(limits, why)) return box;
        notes.push_back("cgroup-v2 unavailable: " + why);
    } else {
        if (auto box = create_cgroup_v1(limits, why)) return box;
        notes.push_back("cgroup-v1 unavailable: " + why);
    }
    notes.push_back("falling back to backend 'none' (weaker: " + create_none(limits)->guarantees() + ")");
    return create_none(limits);
}

}  // namespace hookwarden::sandbox
