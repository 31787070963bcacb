// `none` backend: no cgroup. What it can still do, and what it cannot:
//   - the hook runs in its own process group, and the supervisor is a child subreaper,
//     so descendants that setsid or double-fork are re-parented to us and can be found
//     and killed by walking /proc;
//   - memory: RLIMIT_DATA per process (not the tree; an allocation fails instead of an
//     OOM kill, so `oom` is never reported);
//   - pids: RLIMIT_NPROC, per user, and ignored for root;
//   - CPU: RLIMIT_CPU caps CPU seconds near the timeout; no CPU share limit;
//   - measurements: CPU from RUSAGE_CHILDREN, peak memory is the largest single
//     process (ru_maxrss), not the tree.
#include "sandbox/backends.h"

#include <cerrno>
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include "util/proc_tree.h"

namespace hookwarden::sandbox {

namespace {

class NoneSandbox final : public Sandbox {
public:
    explicit NoneSandbox(const Limits& limits) {
        setup_.set_rlimits = true;
        setup_.rlimit_data_bytes = limits.memory_mb * 1024 * 1024;
        setup_.rlimit_nproc = ::geteuid() == 0 ? 0 : limits.pids;
        setup_.rlimit_cpu_seconds = (limits.timeout_ms + limits.kill_grace_ms) / 1000 + 1;
    }

    Kind kind() const override { return Kind::none; }
    const ChildSetup& child_setup() const override { return setup_; }

    void signal_all(int sig) override {
        if (hook_pid_ > 0) ::kill(-hook_pid_, sig);
        proc_tree::signal_descendants(::getpid(), sig);
    }

    long kill_all() override {
        long found = 0;
        if (hook_pid_ > 0 && ::kill(-hook_pid_, SIGKILL) == 0) ++found;
        // Repeat: a process forking while we walk /proc is caught by the next round.
        for (int round = 0; round < 100; ++round) {
            long killed = proc_tree::signal_descendants(::getpid(), SIGKILL);
            found += killed;
            if (killed == 0) break;
        }
        return found;
    }

    bool empty() override {
        // Everything left of the tree is re-parented to us (we are the subreaper); the
        // supervisor reaps zombies, so "no child at all" means the tree is gone.
        siginfo_t info{};
        return ::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 && errno == ECHILD;
    }

    Usage usage(double user_ms, double sys_ms, std::int64_t maxrss_bytes) override {
        Usage usage;
        usage.cpu_user_ms = user_ms;
        usage.cpu_sys_ms = sys_ms;
        usage.peak_memory_bytes = maxrss_bytes;
        usage.peak_memory_source = "rusage:ru_maxrss-largest-process";
        return usage;
    }

    void destroy() override {}

    std::string guarantees() const override {
        return "no cgroup: memory limited per process (RLIMIT_DATA), no tree memory or CPU-share limit, "
               "pids limit only for non-root, no OOM detection, peak memory of the largest process only";
    }

private:
    ChildSetup setup_;
};

}  // namespace

std::unique_ptr<Sandbox> create_none(const Limits& limits) { return std::make_unique<NoneSandbox>(limits); }

}  // namespace hookwarden::sandbox
