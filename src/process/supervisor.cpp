#include "process/supervisor.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "process/spawn.h"
#include "util/fd.h"

extern char** environ;

namespace hookwarden::process {

namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

// Reads what is available; keeps up to `limit` bytes and counts the rest.
// Returns false at end of file.
bool drain(int fd, Capture& capture, std::size_t limit) {
    char buffer[65536];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) {
            capture.bytes += n;
            std::size_t room = limit > capture.data.size() ? limit - capture.data.size() : 0;
            std::size_t keep = std::min(room, static_cast<std::size_t>(n));
            capture.data.append(buffer, keep);
            if (keep < static_cast<std::size_t>(n)) capture.truncated = true;
            continue;
        }
        if (n == 0) return false;
        if (errno == EINTR) continue;
        return errno == EAGAIN;  // EAGAIN: open but empty; anything else: treat as closed
    }
}

struct Rusage {
    double user_ms = 0, sys_ms = 0;
    std::int64_t maxrss_bytes = 0;
};

Rusage children_rusage() {
    struct rusage usage {};
    ::getrusage(RUSAGE_CHILDREN, &usage);
    auto ms = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) * 1000.0 + static_cast<double>(tv.tv_usec) / 1000.0; };
    return {ms(usage.ru_utime), ms(usage.ru_stime), static_cast<std::int64_t>(usage.ru_maxrss) * 1024};
}

// Our ends of the hook's stdio. O_NONBLOCK goes on our ends only: pipe2 would set it on
// both, and a hook writing to a non-blocking stdout fails with EAGAIN.
struct Pipes {
    UniqueFd stdin_w, stdout_r, stderr_r;  // ours
    UniqueFd stdin_r, stdout_w, stderr_w;  // the child's, closed once it exists
};

int open_pipes(Pipes& p) {
    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) != 0) return errno;
    p.stdin_r.reset(in[0]), p.stdin_w.reset(in[1]);
    if (::pipe2(out, O_CLOEXEC) != 0) return errno;
    p.stdout_r.reset(out[0]), p.stdout_w.reset(out[1]);
    if (::pipe2(err, O_CLOEXEC) != 0) return errno;
    p.stderr_r.reset(err[0]), p.stderr_w.reset(err[1]);
    return 0;
}

// The ppoll loop of one started hook, until its whole tree is gone: the deadline
// (SIGTERM, then SIGKILL after the grace), leftovers once the main process exits, the
// agent's signals, stdin fed and stdout/stderr drained without ever blocking the hook.
class Watch {
public:
    Watch(Pipes& pipes, const std::string& stdin_data, const Limits& limits, sandbox::Sandbox& box,
          Supervised& result, Clock::time_point start, int guardian_fd)
        : pipes_(pipes), stdin_data_(stdin_data), limits_(limits), box_(box), result_(result), guardian_fd_(guardian_fd),
          output_limit_(static_cast<std::size_t>(limits.output_kb) * 1024),
          deadline_(start + std::chrono::milliseconds(limits.timeout_ms)) {
        sigset_t signals = handled_signals();
        signal_fd_.reset(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
        for (int fd : {pipes_.stdin_w.get(), pipes_.stdout_r.get(), pipes_.stderr_r.get()})
            ::fcntl(fd, F_SETFL, O_NONBLOCK);
        if (stdin_data_.empty()) pipes_.stdin_w.reset();
    }

    void run() {
        for (;;) {
            reap();
            if (main_done_ && phase_ == Phase::running) kill_leftovers();
            if (main_done_ && phase_ != Phase::running && box_.empty()) break;
            const auto now = Clock::now();
            advance_deadline(now);
            if (stuck_after_kill(now)) break;
            if (!poll_once(now)) break;
        }
        // Whatever the dead tree left in the pipes.
        if (pipes_.stdout_r) drain(pipes_.stdout_r.get(), result_.out, output_limit_);
        if (pipes_.stderr_r) drain(pipes_.stderr_r.get(), result_.err, output_limit_);
        reap();
    }

private:
    enum class Phase { running, terminating, killing, reaped };

    void reap() {
        for (;;) {
            int status = 0;
            pid_t pid = ::waitpid(-1, &status, WNOHANG);
            if (pid <= 0) break;
            if (pid != box_.hook_pid()) continue;  // an orphan of the tree, re-parented to us
            main_done_ = true;
            if (WIFEXITED(status)) result_.exit_code = WEXITSTATUS(status);
            if (WIFSIGNALED(status)) result_.signal = WTERMSIG(status);
        }
    }

    // The main process is gone: nothing the tree still runs may outlive it, and we do
    // not wait for pipes that leftovers hold open.
    void kill_leftovers() {
        if (!box_.empty()) result_.leftovers_killed = box_.kill_all();
        phase_ = Phase::reaped;
        killed_at_ = Clock::now();
    }

    void advance_deadline(Clock::time_point now) {
        if (phase_ == Phase::running && now >= deadline_) {
            result_.timed_out = true;
            box_.signal_all(SIGTERM);
            phase_ = Phase::terminating;
            deadline_ = now + std::chrono::milliseconds(limits_.kill_grace_ms);
        } else if (phase_ == Phase::terminating && now >= deadline_) {
            box_.kill_all();
            phase_ = Phase::killing;
            killed_at_ = now;
        }
    }

    // Processes stuck in uninterruptible sleep (the main process included) do not die on
    // SIGKILL at once; a killed tree is otherwise gone within milliseconds (frozen
    // processes are thawed first: cgroupfs::kill_cgroup). Give up waiting rather than hold
    // the agent past timeout + grace; the guardian finishes the job once we exit.
    bool stuck_after_kill(Clock::time_point now) {
        if (phase_ != Phase::killing && phase_ != Phase::reaped) return false;
        if (now - killed_at_ <= kStuckAfterKill) return false;
        result_.tree_reaped = false;
        spdlog::warn("hook tree still has processes {} ms after SIGKILL; not waiting longer", kStuckAfterKill.count());
        return true;
    }
    static constexpr std::chrono::milliseconds kStuckAfterKill{250};

    // Sleeps until the next deadline or event; while waiting for the tree to empty
    // without a notification fd, looks again every millisecond.
    std::chrono::nanoseconds next_wait(Clock::time_point now, bool waiting_for_empty) const {
        std::chrono::nanoseconds wait = std::chrono::milliseconds(100);
        if (phase_ == Phase::running || phase_ == Phase::terminating) wait = deadline_ - now;
        if (waiting_for_empty && box_.empty_notify_fd() < 0) wait = std::chrono::milliseconds(1);
        if (waiting_for_empty && box_.empty_notify_fd() >= 0)
            wait = std::min<std::chrono::nanoseconds>(wait, std::chrono::milliseconds(10));
        return std::max(wait, std::chrono::nanoseconds(0));
    }

    bool poll_once(Clock::time_point now) {
        pollfd fds[6];
        nfds_t count = 0;
        auto add = [&](int fd, short events) {
            if (fd >= 0) fds[count++] = pollfd{fd, events, 0};
        };
        add(signal_fd_.get(), POLLIN);
        add(pipes_.stdout_r.get(), POLLIN);
        add(pipes_.stderr_r.get(), POLLIN);
        add(pipes_.stdin_w.get(), POLLOUT);
        add(guardian_fd_, 0);  // only POLLHUP/POLLERR: the guardian closed its end
        const bool waiting_for_empty = main_done_ || phase_ == Phase::killing;
        if (waiting_for_empty) add(box_.empty_notify_fd(), POLLPRI);
        const auto wait = next_wait(now, waiting_for_empty);
        timespec ts{static_cast<time_t>(wait.count() / 1000000000), static_cast<long>(wait.count() % 1000000000)};
        int ready = ::ppoll(fds, count, &ts, nullptr);
        if (ready < 0) return errno == EINTR;
        for (nfds_t i = 0; i < count && ready > 0; ++i)
            if (fds[i].revents != 0) on_ready(fds[i]);
        return true;
    }

    void on_ready(const pollfd& p) {
        if (p.fd == signal_fd_.get()) {
            on_signals();
        } else if (p.fd == pipes_.stdout_r.get()) {
            if (!drain(p.fd, result_.out, output_limit_)) pipes_.stdout_r.reset();
        } else if (p.fd == pipes_.stderr_r.get()) {
            if (!drain(p.fd, result_.err, output_limit_)) pipes_.stderr_r.reset();
        } else if (p.fd == pipes_.stdin_w.get()) {
            feed_stdin(p.revents);
        } else if (p.fd == guardian_fd_) {
            on_guardian_lost();
        }
    }

    // Something killed the guardian: were we killed next, the tree would outlive us. Kill
    // it now, while we still can.
    void on_guardian_lost() {
        guardian_fd_ = -1;
        result_.guardian_lost = true;
        spdlog::warn("the guardian died during the run; killing the hook's tree");
        if (phase_ == Phase::reaped) return;
        box_.kill_all();
        phase_ = Phase::killing;
        killed_at_ = Clock::now();
    }

    // The agent gave up on us (SIGTERM, SIGINT, …): take the tree down now, then report.
    void on_signals() {
        signalfd_siginfo info{};
        while (::read(signal_fd_.get(), &info, sizeof info) == sizeof info) {
            if (info.ssi_signo == SIGCHLD || result_.supervisor_signal) continue;
            result_.supervisor_signal = static_cast<int>(info.ssi_signo);
            box_.kill_all();
            phase_ = Phase::killing;
            killed_at_ = Clock::now();
        }
    }

    void feed_stdin(short revents) {
        if (revents & (POLLERR | POLLHUP)) {
            pipes_.stdin_w.reset();  // the hook closed its stdin: it wants no more
            return;
        }
        const int fd = pipes_.stdin_w.get();
        ssize_t n = ::write(fd, stdin_data_.data() + stdin_written_, stdin_data_.size() - stdin_written_);
        if (n > 0) stdin_written_ += static_cast<std::size_t>(n);
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || stdin_written_ == stdin_data_.size())
            pipes_.stdin_w.reset();
    }

    Pipes& pipes_;
    const std::string& stdin_data_;
    const Limits& limits_;
    sandbox::Sandbox& box_;
    Supervised& result_;
    int guardian_fd_;
    const std::size_t output_limit_;
    UniqueFd signal_fd_;
    std::size_t stdin_written_ = 0;
    Phase phase_ = Phase::running;
    Clock::time_point deadline_;
    Clock::time_point killed_at_{};
    bool main_done_ = false;
};

// Starts the hook with the child's ends of `pipes` as its stdio; closes them in any case,
// so that end of file on our ends means the tree let go. False (with the reason in
// `result`) when it did not start.
bool start_hook(const std::string& path, const std::vector<std::string>& argv, Pipes& pipes, sandbox::Sandbox& box,
                const std::function<void(int pid, int mount_ns_fd)>& on_started, sandbox::ChildConfinement* confine,
                Supervised& result, Clock::time_point& exec_at) {
    std::vector<char*> c_argv;
    for (const auto& arg : argv) c_argv.push_back(const_cast<char*>(arg.c_str()));
    c_argv.push_back(nullptr);
    const int stdio[3] = {pipes.stdin_r.get(), pipes.stdout_w.get(), pipes.stderr_w.get()};
    auto spawned = spawn(path, c_argv.data(), environ, stdio, box.child_setup(), confine);
    pipes.stdin_r.reset(), pipes.stdout_w.reset(), pipes.stderr_w.reset();
    if (spawned.pid < 0 || spawned.error != 0) {
        if (spawned.mount_ns_fd >= 0) ::close(spawned.mount_ns_fd);
        result.spawn_error = spawned.error;
        result.spawn_stage = spawned.stage;
        if (spawned.pid > 0) ::waitpid(spawned.pid, nullptr, 0);
        return false;
    }
    result.started = true;
    if (spawned.exec_at_ns > 0) exec_at = Clock::time_point(std::chrono::nanoseconds(spawned.exec_at_ns));
    box.started(spawned.pid);
    UniqueFd mount_ns(spawned.mount_ns_fd);
    if (on_started) on_started(spawned.pid, mount_ns.get());
    return true;
}

}  // namespace

sigset_t handled_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT}) sigaddset(&set, sig);
    return set;
}

void prepare_process() {
    sigset_t set = handled_signals();
    ::sigprocmask(SIG_BLOCK, &set, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
}

void become_subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }

Supervised supervise(const std::vector<std::string>& argv, const std::string& stdin_data, const Limits& limits,
                     sandbox::Sandbox& box, const std::function<void(int pid, int mount_ns_fd)>& on_started,
                     sandbox::ChildConfinement* confine, int guardian_fd) {
    Supervised result;
    const Rusage before = children_rusage();
    auto start = Clock::now();
    std::string path = resolve_executable(argv.at(0), result.spawn_error);
    Pipes pipes;
    if (path.empty()) {
        result.spawn_stage = "lookup";
    } else if (int error = open_pipes(pipes); error != 0) {
        result.spawn_error = error;
        result.spawn_stage = "pipe";
    } else if (start_hook(path, argv, pipes, box, on_started, confine, result, start)) {
        // The hook's own time, and its timeout, start at its execve (the child's clock
        // reading just before it). The fork, joining the cgroups (on cgroup v1 a migration
        // that may wait for an RCU grace period) and the namespaces before it are
        // hookwarden's time: overhead_ms, not wall_ms.
        Watch(pipes, stdin_data, limits, box, result, start, guardian_fd).run();
    }
    result.wall_ms = ms_between(start, Clock::now());
    if (!result.started) return result;
    const Rusage after = children_rusage();
    result.usage = box.usage(after.user_ms - before.user_ms, after.sys_ms - before.sys_ms, after.maxrss_bytes);
    return result;
}

Outcome classify(const Supervised& s) {
    if (s.no_backend) return Outcome::internal_error;  // not the hook's failure
    if (!s.started) return Outcome::spawn_error;
    if (s.supervisor_signal || s.guardian_lost) return Outcome::internal_error;
    if (s.timed_out) return Outcome::timeout;
    // A hook that answered on its own (0 or 2) keeps its answer even if one of its
    // children hit the memory limit; the record still says oom_killed.
    bool own_verdict = s.exit_code && (*s.exit_code == 0 || *s.exit_code == 2);
    if (s.usage.oom_killed && !own_verdict) return Outcome::oom;
    if (s.signal) return Outcome::crash;
    if (!s.exit_code) return Outcome::internal_error;
    // Exit 2 is the verdict by itself: a reason cut at the limit still blocks. Any other
    // answer over the limit is incomplete (a deny in JSON cut in half reads as no
    // decision): it is a failure, answered by the policy, never relayed truncated.
    if (*s.exit_code == 2) return Outcome::blocked;
    if (s.out.truncated || s.err.truncated) return Outcome::output_overflow;
    if (*s.exit_code == 0) return Outcome::ok;
    return Outcome::error;
}

}  // namespace hookwarden::process
