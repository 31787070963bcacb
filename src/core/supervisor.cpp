#include "core/supervisor.h"

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

#include "sandbox/spawn.h"

extern char** environ;

namespace hookwarden::core {

namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

// Owns an fd; closes it once.
struct Fd {
    int fd = -1;
    Fd() = default;
    explicit Fd(int f) : fd(f) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    void reset() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

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
                     sandbox::Sandbox& box, const std::function<void(int pid)>& on_started,
                     sandbox::ChildConfinement* confine) {
    Supervised result;
    const Rusage before = children_rusage();
    const auto start = Clock::now();

    int lookup_error = 0;
    std::string path = sandbox::resolve_executable(argv.at(0), lookup_error);
    if (path.empty()) {
        result.spawn_error = lookup_error;
        result.spawn_stage = "lookup";
        result.wall_ms = ms_between(start, Clock::now());
        return result;
    }

    int in_pipe[2], out_pipe[2], err_pipe[2];
    // O_NONBLOCK goes on our ends only (fcntl below): pipe2 would set it on both, and a
    // hook writing to a non-blocking stdout fails with EAGAIN.
    if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
        result.spawn_error = errno;
        result.spawn_stage = "pipe";
        return result;
    }
    Fd stdin_w(in_pipe[1]), stdout_r(out_pipe[0]), stderr_r(err_pipe[0]);
    {
        Fd stdin_r(in_pipe[0]), stdout_w(out_pipe[1]), stderr_w(err_pipe[1]);
        std::vector<char*> c_argv;
        for (const auto& arg : argv) c_argv.push_back(const_cast<char*>(arg.c_str()));
        c_argv.push_back(nullptr);
        const int stdio[3] = {stdin_r.fd, stdout_w.fd, stderr_w.fd};
        auto spawned = sandbox::spawn(path, c_argv.data(), environ, stdio, box.child_setup(), confine);
        if (spawned.pid < 0 || spawned.error != 0) {
            result.spawn_error = spawned.error;
            result.spawn_stage = spawned.stage;
            if (spawned.pid > 0) ::waitpid(spawned.pid, nullptr, 0);
            result.wall_ms = ms_between(start, Clock::now());
            return result;
        }
        result.started = true;
        box.started(spawned.pid);
        if (on_started) on_started(spawned.pid);
    }  // the child's ends close here, so EOF on our ends means the tree let go
    for (int fd : {stdin_w.fd, stdout_r.fd, stderr_r.fd}) ::fcntl(fd, F_SETFL, O_NONBLOCK);

    sigset_t signals = handled_signals();
    Fd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));

    const std::size_t output_limit = static_cast<std::size_t>(limits.output_kb) * 1024;
    std::size_t stdin_written = 0;
    if (stdin_data.empty()) stdin_w.reset();

    enum class Phase { running, terminating, killing, reaped };
    Phase phase = Phase::running;
    auto deadline = start + std::chrono::milliseconds(limits.timeout_ms);
    bool main_done = false;
    Clock::time_point killed_at{};

    auto reap = [&](pid_t main) {
        for (;;) {
            int status = 0;
            pid_t pid = ::waitpid(-1, &status, WNOHANG);
            if (pid <= 0) break;
            if (pid != main) continue;  // an orphan of the tree, re-parented to us
            main_done = true;
            if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
            if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
        }
    };

    const pid_t main = box.hook_pid();
    for (;;) {
        reap(main);
        if (main_done && phase == Phase::running) {
            // The main process is gone: nothing the tree still runs may outlive it, and
            // we do not wait for pipes that leftovers hold open.
            if (!box.empty()) result.leftovers_killed = box.kill_all();
            phase = Phase::reaped;
            killed_at = Clock::now();
        }
        if (main_done && phase != Phase::running && box.empty()) break;

        auto now = Clock::now();
        if (phase == Phase::running && now >= deadline) {
            result.timed_out = true;
            box.signal_all(SIGTERM);
            phase = Phase::terminating;
            deadline = now + std::chrono::milliseconds(limits.kill_grace_ms);
        } else if (phase == Phase::terminating && now >= deadline) {
            box.kill_all();
            phase = Phase::killing;
            killed_at = now;
        }
        if ((phase == Phase::killing || phase == Phase::reaped) && now - killed_at > std::chrono::seconds(2)) {
            // Processes stuck in uninterruptible sleep (the main process included) do not
            // die on SIGKILL at once. Give up waiting rather than hang the agent; the
            // guardian finishes the job once we exit.
            result.tree_reaped = false;
            spdlog::warn("hook tree still has processes 2 s after SIGKILL; not waiting longer");
            break;
        }

        pollfd fds[5];
        nfds_t count = 0;
        auto add = [&](int fd, short events) {
            if (fd >= 0) fds[count++] = pollfd{fd, events, 0};
        };
        add(signal_fd.fd, POLLIN);
        add(stdout_r.fd, POLLIN);
        add(stderr_r.fd, POLLIN);
        add(stdin_w.fd, POLLOUT);
        bool waiting_for_empty = main_done || phase == Phase::killing;
        if (waiting_for_empty) add(box.empty_notify_fd(), POLLPRI);

        // Sleep until the next deadline; while waiting for the tree to empty without a
        // notification fd, look again every millisecond.
        std::chrono::nanoseconds wait = std::chrono::milliseconds(100);
        if (phase == Phase::running || phase == Phase::terminating) wait = deadline - now;
        if (waiting_for_empty && box.empty_notify_fd() < 0) wait = std::chrono::milliseconds(1);
        if (waiting_for_empty && box.empty_notify_fd() >= 0) wait = std::min<std::chrono::nanoseconds>(wait, std::chrono::milliseconds(10));
        if (wait < std::chrono::nanoseconds(0)) wait = std::chrono::nanoseconds(0);
        timespec ts{static_cast<time_t>(wait.count() / 1000000000), static_cast<long>(wait.count() % 1000000000)};
        int ready = ::ppoll(fds, count, &ts, nullptr);
        if (ready < 0 && errno != EINTR) break;

        for (nfds_t i = 0; i < count && ready > 0; ++i) {
            if (fds[i].revents == 0) continue;
            int fd = fds[i].fd;
            if (fd == signal_fd.fd) {
                signalfd_siginfo info{};
                while (::read(signal_fd.fd, &info, sizeof info) == sizeof info) {
                    if (info.ssi_signo != SIGCHLD && !result.supervisor_signal) {
                        // The agent gave up on us: take the tree down now, then report.
                        result.supervisor_signal = static_cast<int>(info.ssi_signo);
                        box.kill_all();
                        phase = Phase::killing;
                        killed_at = Clock::now();
                    }
                }
            } else if (fd == stdout_r.fd) {
                if (!drain(fd, result.out, output_limit)) stdout_r.reset();
            } else if (fd == stderr_r.fd) {
                if (!drain(fd, result.err, output_limit)) stderr_r.reset();
            } else if (fd == stdin_w.fd) {
                if (fds[i].revents & (POLLERR | POLLHUP)) {
                    stdin_w.reset();  // the hook closed its stdin: it wants no more
                    continue;
                }
                ssize_t n = ::write(fd, stdin_data.data() + stdin_written, stdin_data.size() - stdin_written);
                if (n > 0) stdin_written += static_cast<std::size_t>(n);
                if ((n < 0 && errno != EAGAIN && errno != EINTR) || stdin_written == stdin_data.size()) stdin_w.reset();
            }
        }
    }
    // Whatever the dead tree left in the pipes.
    if (stdout_r.fd >= 0) drain(stdout_r.fd, result.out, output_limit);
    if (stderr_r.fd >= 0) drain(stderr_r.fd, result.err, output_limit);
    reap(main);
    result.wall_ms = ms_between(start, Clock::now());
    const Rusage after = children_rusage();
    result.usage = box.usage(after.user_ms - before.user_ms, after.sys_ms - before.sys_ms, after.maxrss_bytes);
    return result;
}

}  // namespace hookwarden::core
