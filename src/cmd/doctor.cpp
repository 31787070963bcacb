// `hookwarden doctor`: which enforcement works here, why, and how to get more. Exit 0 when
// a cgroup backend works, 1 (the finding) when only `none` does.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <sys/utsname.h>
#include <unistd.h>

#include <libcgroup.h>

#include <CLI/CLI.hpp>

#include "cmd/command.h"
#include "install/survey.h"
#include "sandbox/cgroupfs.h"
#include "sandbox/confine.h"
#include "sandbox/sandbox.h"
#include "serve/probe.h"
#include "util/fs.h"
#include "util/paths.h"

namespace hookwarden::cmd {

namespace {

// libcgroup's view of the mount table: what `doctor` shows as "mounted controllers".
// Only here, off the hot path: cgroup_init() parses /proc/mounts each time.
void print_mounts(std::ostream& out) {
    if (cgroup_init() != 0) {
        out << "  libcgroup: cgroup_init failed (no cgroup filesystem mounted?)\n";
        return;
    }
    void* handle = nullptr;
    cgroup_mount_point info{};
    int rc = cgroup_get_controller_begin(&handle, &info);
    while (rc == 0) {
        out << "  " << info.name << " -> " << info.path << "\n";
        rc = cgroup_get_controller_next(&handle, &info);
    }
    cgroup_get_controller_end(&handle);
}

// Whether any cgroup root is mounted with favordynmods: then the kernel keeps the lock
// that guards cgroup migrations in its slow-reader mode, and writing cgroup.procs does
// not wait for an RCU grace period (docs/performance.md).
bool favors_dynmods() {
    auto mounts = fs::read_file("/proc/self/mounts");
    if (!mounts) return false;
    std::istringstream lines(*mounts);
    for (std::string line; std::getline(lines, line);)
        if (line.find(" cgroup") != std::string::npos && line.find("favordynmods") != std::string::npos) return true;
    return false;
}

void print_layout(std::ostream& out) {
    utsname uts{};
    ::uname(&uts);
    out << "hookwarden doctor\n";
    out << "kernel: " << uts.release << ", euid " << ::geteuid() << "\n";
    const std::string root = sandbox::cgroupfs::kRoot;
    const char* layout = sandbox::cgroupfs::is_cgroup2(root)            ? "unified (cgroup v2 only)"
                         : sandbox::cgroupfs::is_cgroup2(root + "/unified") ? "hybrid (v1 controllers + v2 unified)"
                         : sandbox::cgroupfs::is_cgroup1(root + "/memory")  ? "legacy (cgroup v1 only)"
                                                                            : "no cgroup filesystem found";
    out << "cgroup layout: " << layout << "\n";
    out << "mounted controllers (libcgroup):\n";
    print_mounts(out);
}

// How to get stronger enforcement than the backend `auto` picks.
void print_advice(const sandbox::Detection& d, std::ostream& out) {
    const std::string root = sandbox::cgroupfs::kRoot;
    if (d.best == sandbox::Kind::none) {
        out << "\nWith backend 'none' the guarantees are weaker: memory is limited per process, not per tree;\n"
               "no OOM detection; pids are limited only for non-root users; no CPU share limit.\n"
               "To get cgroup enforcement:\n";
        if (sandbox::cgroupfs::is_cgroup2(root) && ::geteuid() != 0)
            out << "  run the agent in a delegated scope:\n"
                   "    systemd-run --user --scope -p Delegate=yes -- claude\n"
                   "  (hookwarden then creates its run cgroups inside that scope)\n";
        else
            out << "  run hookwarden as root, or on a cgroup v2 host inside a delegated systemd scope:\n"
                   "    systemd-run --user --scope -p Delegate=yes -- claude\n";
    } else if (d.best == sandbox::Kind::cgroup_v1) {
        out << "\ncgroup-v1 enforces memory, pids and CPU per hook tree. A cgroup v2 host gives in addition\n"
               "memory.peak without page-cache resets and group OOM kills (systemd.unified_cgroup_hierarchy=1).\n";
        // v1 cgroups cannot be joined at clone time: every run migrates its hook.
        if (favors_dynmods())
            out << "cgroup migrations: fast (a cgroup root is mounted with favordynmods).\n";
        else
            out << "cgroup migrations: each run's first one waits for an RCU grace period (about 3 ms measured\n"
                   "  on 2-core VMs when hooks are seconds apart). As root, once: hookwarden setup\n"
                   "  (now and at every boot), or once per boot by hand:\n"
                   "    mount -o remount,favordynmods " << root << "/unified\n"
                   "  makes them fast, at a small cost to fork and exit (kernel 6.0+; docs/performance.md).\n";
    }
}

// The per-hook "sandbox" of the policy (docs/sandbox.md).
void print_sandbox(std::ostream& out) {
    std::string landlock_why;
    int abi = sandbox::landlock_abi(&landlock_why);
    auto ns = sandbox::probe_namespaces();
    out << "\nsandbox (policy \"sandbox\" key):\n";
    out << "  filesystem (Landlock): "
        << (abi > 0 ? "available, ABI " + std::to_string(abi) +
                          (abi >= 3 ? " (writes, renames across directories, truncation)"
                                    : abi == 2 ? " (writes and renames; truncate not restricted)"
                                               : " (writes; renames and truncate not restricted)")
                    : "unavailable - " + landlock_why)
        << "\n";
    out << "  network none (network namespace): " << (ns.netns ? "available" : "unavailable") << " - "
        << ns.netns_why << "\n";
    out << "  user namespaces: " << (ns.userns ? "available" : "unavailable") << " - " << ns.userns_why << "\n";
    out << "  env allow/scrub, no_new_privs: available\n";
    if (abi <= 0 || !ns.netns)
        out << "  A hook whose sandbox asks for what is unavailable here is refused (outcome spawn_error),\n"
               "  or runs unconfined with \"unavailable\": \"run\"; its record says which.\n";
}

// The daemon's own cgroup (v2) and whether run cgroups can be made under it.
std::string daemon_cgroup(int pid, bool& delegated) {
    delegated = false;
    auto text = fs::read_file("/proc/" + std::to_string(pid) + "/cgroup");
    if (!text) return "unknown (its /proc entry is not readable)";
    const auto path = sandbox::cgroupfs::path_in(*text, "");
    if (!path) return "not in a cgroup2 hierarchy";
    std::string dir = std::string(sandbox::cgroupfs::kRoot) + *path;
    if (dir.size() > 12 && dir.compare(dir.size() - 12, 12, "/supervisors") == 0) dir.resize(dir.size() - 12);
    auto controllers = fs::read_file(dir + "/cgroup.controllers").value_or("");
    delegated = ::access((dir + "/cgroup.procs").c_str(), W_OK) == 0 && controllers.find("memory") != std::string::npos &&
                controllers.find("pids") != std::string::npos;
    return dir;
}

// `hookwarden serve` (docs/serve.md): running, its cgroups delegated, or how to start it.
void print_daemon(std::ostream& out) {
    auto probe = serve::probe_daemon();
    out << "\ndaemon (hookwarden serve, docs/serve.md):\n";
    if (!probe.running) {
        out << "  not running on " << probe.socket << " (" << probe.why << "); hooks run in-process.\n"
            << "  To enable it: systemctl --user enable --now hookwarden.socket   (units shipped by the .deb)\n"
            << "  (for Claude Code http hooks: systemctl --user enable --now hookwarden-http.service)\n"
            << "  or start it yourself: hookwarden serve --idle-exit 30m &\n";
        return;
    }
    bool delegated = false;
    const std::string cgroup = daemon_cgroup(probe.pid, delegated);
    out << "  running on " << probe.socket << ", pid " << probe.pid << ", uid " << probe.uid << "\n";
    if (probe.keeper_pid > 0)
        out << "  breaker keeper: pid " << probe.keeper_pid << " on " << probe.socket << ".breakers (keeps the store open)\n";
    else
        out << "  breaker keeper: not answering (" << probe.keeper_why << "); workers open the store themselves\n";
    out << "  its cgroup: " << cgroup
        << (delegated ? " - delegated (memory, pids): served runs get cgroup-v2\n" : " - not delegated to this user\n");
    if (!delegated && ::geteuid() != 0 && sandbox::cgroupfs::is_cgroup2(sandbox::cgroupfs::kRoot))
        out << "  start it from the shipped unit (Delegate=yes): systemctl --user restart hookwarden.socket hookwarden\n";
}

ExitCode doctor(std::ostream& out) {
    print_layout(out);
    auto d = sandbox::detect();
    out << "\nbackends:\n";
    out << "  cgroup-v2: " << (d.v2_usable ? "available" : "unavailable") << " - " << d.v2_why << "\n";
    out << "  cgroup-v1: " << (d.v1_usable ? "available" : "unavailable") << " - " << d.v1_why << "\n";
    out << "  none:      available - " << d.none_why << "\n";
    out << "\nauto picks: " << sandbox::to_string(d.best) << "\n";
    print_advice(d, out);
    print_sandbox(out);
    std::error_code ec;
    auto cwd = std::filesystem::current_path(ec);
    install::print_survey(out, install::survey(ec ? "." : cwd.string(), paths::home_dir()));
    print_daemon(out);
    // Only `none` here is the finding: weaker guarantees than a cgroup backend gives.
    return d.best == sandbox::Kind::none ? ExitCode::violation : ExitCode::ok;
}

class DoctorCommand final : public ToolCommand {
public:
    void declare(CLI::App& app) override {
        sub_ = app.add_subcommand("doctor", "which enforcement is available here, why, and how to get more");
    }

protected:
    ExitCode run(const Invocation&) override { return doctor(std::cout); }
};

}  // namespace

std::unique_ptr<Command> make_doctor() { return std::make_unique<DoctorCommand>(); }

}  // namespace hookwarden::cmd
