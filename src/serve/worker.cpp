#include "serve/worker.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
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
std::vector<std::string> g_notes;  // what of the client's process the worker could not take

// Char pointers into strings that live as long as the worker (it never returns).
std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

// fds 0, 1, 2 become the client's, the connection fd 3; nothing else of the daemon's.
bool take_over_fds(int socket, std::vector<UniqueFd>& fds) {
    for (int i = 0; i < 3; ++i)
        if (::dup2(fds[static_cast<std::size_t>(i)].get(), i) != i) return false;
    if (socket != kWorkerSocket && ::dup3(socket, kWorkerSocket, O_CLOEXEC) != kWorkerSocket) return false;
    if (socket == kWorkerSocket && ::fcntl(kWorkerSocket, F_SETFD, FD_CLOEXEC) != 0) return false;
    for (auto& fd : fds) fd.release();  // closed by close_range below, or now 0-2
    return ::syscall(SYS_close_range, kWorkerSocket + 1U, ~0U, 0U) == 0;
}

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
    // The daemon's log file is not the run's: closed now, before its fd number is reused
    // for the connection, and quiet until the run's command line sets its own.
    spdlog::drop_all();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("hookwarden-worker"));
    reset_signals();
    if (!take_over_fds(socket, fds)) ::_exit(1);
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
    wire::send(kWorkerSocket, wire::Writer(wire::Kind::verdict).u32(static_cast<std::uint32_t>(code)).bytes(), {}, true);
    ::_exit(code);
}

}  // namespace hookwarden::serve
