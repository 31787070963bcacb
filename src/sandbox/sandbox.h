// Enforcement backends behind one small interface. A Sandbox is the confinement of ONE
// run: created before the hook starts, joined by the child before exec, emptied and
// destroyed after. Three backends:
//   cgroup-v2  limits in a fresh cgroup; cgroup.kill, memory.peak, memory.events
//   cgroup-v1  hybrid hosts: limits in v1 memory/pids/cpu/cpuacct cgroups, plus a
//              companion cgroup in the v2 "unified" mount (when there) for cgroup.kill,
//              cgroup.events and precise cpu.stat
//   none       rlimits + own process group + child-subreaper: a weaker guarantee
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hookwarden/policy_types.h"

namespace hookwarden::sandbox {

enum class Kind { cgroup_v2, cgroup_v1, none };
const char* to_string(Kind kind);

struct Usage {
    double cpu_user_ms = 0;
    double cpu_sys_ms = 0;
    std::int64_t peak_memory_bytes = 0;
    std::string peak_memory_source;
    bool oom_killed = false;
};

// What the forked child must do before exec. Plain data so the child touches no heap.
struct ChildSetup {
    std::vector<int> procs_fds;  // cgroup.procs files to write "0" into (join the cgroups)
    int clone_into_fd = -1;      // v2 cgroup dir for clone3(CLONE_INTO_CGROUP), or -1
    int clone_into_procs_fd = -1;  // its cgroup.procs, written instead when clone3 is refused
    bool set_rlimits = false;    // the `none` backend's limits
    std::int64_t rlimit_data_bytes = 0;
    std::int64_t rlimit_nproc = 0;
    std::int64_t rlimit_cpu_seconds = 0;
};

// A child of ours, placed in a sandbox's cgroups ahead of time, waiting on `socket` for
// what to become; -1 when there is none.
struct PlacedChild {
    int pid = -1;
    int socket = -1;
};

class Sandbox {
public:
    // A placed child still waiting (the run never started it) is killed.
    virtual ~Sandbox();
    Sandbox(const Sandbox&) = delete;
    Sandbox& operator=(const Sandbox&) = delete;

    virtual Kind kind() const = 0;
    // What the child does to enter the sandbox before exec.
    virtual const ChildSetup& child_setup() const = 0;
    // Called right after spawn with the child's pid (its process group id too).
    virtual void started(int pid) { hook_pid_ = pid; }
    int hook_pid() const { return hook_pid_; }
    // Directories a guardian must kill and remove if the supervisor dies, and the
    // parents in which it sweeps run cgroups of other dead supervisors.
    virtual std::vector<std::string> cgroup_dirs() const { return {}; }
    virtual std::vector<std::string> stale_parents() const { return {}; }
    // Sends `sig` to every process of the tree (best effort; SIGKILL follows).
    virtual void signal_all(int sig) = 0;
    // SIGKILLs every process of the tree, including ones that setsid or double-fork.
    // Returns how many processes were found alive (0 when already empty).
    virtual long kill_all() = 0;
    // True when no process of the tree is left.
    virtual bool empty() = 0;
    // An fd that polls POLLPRI when the tree may have become empty, or -1 (then poll).
    virtual int empty_notify_fd() const { return -1; }
    // Measurements after the tree is gone. `rusage_children` is the supervisor's
    // RUSAGE_CHILDREN delta, which backends without tree accounting fall back to.
    virtual Usage usage(double rusage_user_ms, double rusage_sys_ms, std::int64_t rusage_maxrss_bytes) = 0;
    // Removes the cgroups. Safe to call twice.
    virtual void destroy() = 0;
    // Leaves the (empty) cgroups to the guardian, which removes them after we answered:
    // destroy() and the destructor then remove nothing.
    virtual void disown() {}
    // Human-readable weakness of this backend, for records and doctor ("" when none).
    virtual std::string guarantees() const = 0;
    // Writes `limits` into a sandbox made earlier with other ones (serve's ready pool):
    // memory, pids and CPU, and the peak measurement starts over. A value the sandbox
    // holds already is not written again. False (with `error`) when this backend cannot,
    // or a write failed: the sandbox must not be used then.
    virtual bool set_limits(const Limits& limits, std::string& error) {
        (void)limits;
        error = std::string("backend ") + to_string(kind()) + " takes no new limits";
        return false;
    }

    // Restarts the peak measurement now, and the next set_limits leaves it be: for a ready
    // sandbox once its placed child waits (process/ready.cpp). That child charges nothing
    // more until it is woken, so the peak measured from here is the one measured from the
    // run's set_limits, without that write on the run's path. Best effort: when it fails,
    // set_limits restarts the peak as ever. Backends whose peak needs no restart: nothing.
    virtual void restart_peak() {}

    // A process already in this sandbox's cgroups, blocked until it is told what to
    // exec (process/spawn.h: place_child): the hook then starts without a fork or a
    // cgroup migration. Owned here until spawn takes it.
    void place(PlacedChild child) { placed_ = child; }
    PlacedChild take_placed() {
        PlacedChild child = placed_;
        placed_ = {};
        return child;
    }

protected:
    Sandbox() = default;
    // Kills and reaps a placed child still waiting: before its cgroups can go.
    void release_placed();
    int hook_pid_ = -1;
    PlacedChild placed_;
};

// Which backend `auto` picks here, with the reason; also what each would need.
struct Detection {
    Kind best = Kind::none;
    bool v2_usable = false;
    bool v1_usable = false;
    std::string v2_why;  // why v2 is (not) usable
    std::string v1_why;
    std::string none_why;
};
Detection detect();

// Creates a backend for one run. `kind_name`: auto, cgroup-v2, cgroup-v1, none.
// An explicitly requested backend that does not work here is an error (nullptr +
// `error`); `auto` falls back to the next strongest and says why in `notes`.
std::unique_ptr<Sandbox> create(const std::string& kind_name, const Limits& limits, std::string& error,
                                std::vector<std::string>& notes);

}  // namespace hookwarden::sandbox
