#include "serve/worker.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <iostream>

#include <spdlog/spdlog.h>

#include "serve/rlimits.h"

extern char** environ;

namespace hookwarden::serve {

namespace {

// The client connection in a worker, always this fd (O_CLOEXEC: the hook never sees it).
constexpr int kWorkerSocket = 3;
bool g_in_worker = false;
bool g_verdict_sent = false;
std::vector<std::string> g_notes;  // what of the client's process the worker could not take

// Char pointers into strings that live as long as the worker (it never returns).
std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

// Moves `fd` to `target` (O_CLOEXEC); `fd` is closed unless it was `target` already.
bool move_fd(int fd, int target) {
    if (fd == target) return ::fcntl(target, F_SETFD, FD_CLOEXEC) == 0;
    if (::dup3(fd, target, O_CLOEXEC) != target) return false;
    ::close(fd);
    return true;
}

// fds 0, 1, 2 become the client's, the connection fd 3; with `close_others`, nothing else
// of the daemon's (a ready worker closed those long ago, and holds its ready run's fds).
bool take_over_fds(int socket, std::vector<UniqueFd>& fds, bool close_others) {
    for (int i = 0; i < 3; ++i)
        if (::dup2(fds[static_cast<std::size_t>(i)].get(), i) != i) return false;
    fds.clear();
    if (!move_fd(socket, kWorkerSocket)) return false;
    return !close_others || ::syscall(SYS_close_range, kWorkerSocket + 1U, ~0U, 0U) == 0;
}

// A ready worker waited with the daemon's signals blocked: what came meanwhile (a
// SIGCHLD of its guardian's middle process, a terminal's SIGINT to the daemon's group)
// is not the run's.
void drop_pending_signals() {
    sigset_t all;
    sigfillset(&all);
    const timespec now{0, 0};
    while (::sigtimedwait(&all, nullptr, &now) > 0) {
    }
}

// The daemon's log file is not the run's: closed before its fd number is reused, and
// quiet until the run's command line sets its own.
void quiet_log() {
    spdlog::drop_all();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("hookwarden-worker"));
}

[[noreturn]] void run_job(int socket, std::vector<UniqueFd> fds, const wire::Hello& hello, const WorkerBody& body,
                          bool close_others);

// The daemon's signal mask and dispositions are not the client's: start from defaults.
void reset_signals() {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE}) ::signal(sig, SIG_DFL);
}

[[noreturn]] void refuse(const std::string& why) {
    wire::send(kWorkerSocket, wire::Writer(wire::Kind::refused).str(why).bytes(), {}, true);
    ::_exit(1);
}

}  // namespace

bool in_worker() { return g_in_worker; }

const std::vector<std::string>& hand_over_notes() { return g_notes; }

void arm(const wire::Armed& armed) {
    if (g_in_worker) wire::send(kWorkerSocket, wire::encode(armed), {}, true);
}

void send_verdict(int exit_code) {
    if (!g_in_worker || g_verdict_sent) return;
    g_verdict_sent = true;
    // Answered: what is left (the record's hand-over to its guardian) must not die with the daemon.
    ::prctl(PR_SET_PDEATHSIG, 0);
    wire::send(kWorkerSocket, wire::Writer(wire::Kind::verdict).u32(static_cast<std::uint32_t>(exit_code)).bytes(), {},
               true);
}

void leave_client() {
    if (!g_in_worker) return;
    ::close(kWorkerSocket);
    g_in_worker = false;  // nothing of this process is for the client any more
}

void become_worker(int socket, std::vector<UniqueFd> fds, const wire::Hello& hello, pid_t daemon,
                   const WorkerBody& body) {
    // Dies with the daemon; if it is already gone, PDEATHSIG came too late.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != daemon) ::_exit(1);
    quiet_log();
    run_job(socket, std::move(fds), hello, body, true);
}

void become_ready_worker(int control, pid_t daemon, const ReadyHooks& hooks, const WorkerBody& body) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != daemon) ::_exit(1);
    quiet_log();
    // Nothing of the daemon's is kept (its listener, other workers' sockets): EOF on a
    // socket must mean what it says.
    if (!move_fd(control, kWorkerSocket) || ::syscall(SYS_close_range, kWorkerSocket + 1U, ~0U, 0U) != 0) ::_exit(1);
    if (hooks.prepare) hooks.prepare();
    for (;;) {
        pollfd wait{kWorkerSocket, POLLIN, 0};
        if (::poll(&wait, 1, -1) < 0) continue;
        wire::Received job = wire::receive(kWorkerSocket);
        if (job.error == EAGAIN) continue;
        std::string error;
        auto hello = job.eof || job.error || job.truncated || job.fds.size() != 4
                         ? std::nullopt
                         : wire::decode_hello(job.bytes, error);
        if (!hello) {
            if (hooks.discard) hooks.discard();
            ::_exit(0);
        }
        ::close(kWorkerSocket);  // the daemon is done with us; fd 3 becomes the client's
        const int socket = job.fds[0].release();
        job.fds.erase(job.fds.begin());
        drop_pending_signals();
        run_job(socket, std::move(job.fds), *hello, body, false);
    }
}

namespace {

void run_job(int socket, std::vector<UniqueFd> fds, const wire::Hello& hello, const WorkerBody& body,
             bool close_others) {
    reset_signals();
    if (!take_over_fds(socket, fds, close_others)) ::_exit(1);
    // Before "taken": a refusal here leaves the client's stdin untouched, so the client
    // runs the hook itself.
    // The client's ulimits, before anything of the run is started (serve/rlimits.h).
    g_notes = take_rlimits(hello.rlimits);
    if (::chdir(hello.cwd.c_str()) != 0) refuse("working directory " + hello.cwd + ": " + std::strerror(errno));
    ::umask(static_cast<mode_t>(hello.umask & 0777));
    static std::vector<std::string> env = hello.env;
    static std::vector<char*> envp = c_strings(env);
    environ = envp.data();
    g_in_worker = true;
    const int pid = ::getpid();
    if (wire::send(kWorkerSocket, wire::Writer(wire::Kind::taken).u32(static_cast<std::uint32_t>(pid)).bytes(), {},
                   true) != 0)
        ::_exit(1);  // the client is gone before anything started
    const auto start = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(hello.process_start_ns));
    int code = 70;
    try {
        code = body(hello.argv, start);
    } catch (...) {
        // Never back into the daemon's loop: this process is a copy of it.
        code = 70;
    }
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    send_verdict(code);  // unless the run sent it already
    ::_exit(code);
}

}  // namespace

}  // namespace hookwarden::serve
