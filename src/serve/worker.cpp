#include "serve/worker.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <iostream>

#include <spdlog/spdlog.h>

#include "serve/peer.h"
#include "serve/rlimits.h"
#include "util/fs.h"

extern char** environ;

namespace hookwarden::serve {

namespace {

// The client connection in a worker, always this fd (O_CLOEXEC: the hook never sees it).
constexpr int kWorkerSocket = 3;
// A ready worker's copy of the daemon's listener: it accepts its client itself.
constexpr int kReadyListener = 4;
// How long a ready worker waits for the hello of a client it accepted (milliseconds).
constexpr int kHelloWaitMs = 5;
bool g_in_worker = false;
std::vector<std::string> g_notes;  // what of the client's process the worker could not take
// The worker's end of the claim socket (wire::kClaimToken), -1 once closed. Its number
// is whatever it came as: a ready worker holds its ready run's fds at fixed numbers.
int g_claim = -1;
bool g_output_taken = false;  // fds 1 and 2 are the client's (its "go" came)
// How long the worker waits for the client's "go" once it holds the claim: the client
// sends it as soon as it reads "taken".
constexpr int kGoBoundMs = 2000;

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

// Until the client's "go" brings its fds 1 and 2, what the worker writes there is kept
// in a memory file and written out when they come, in order.
bool hold_output(int fd) {
    UniqueFd held(::memfd_create(fd == 1 ? "hookwarden-stdout" : "hookwarden-stderr", MFD_CLOEXEC));
    return held && ::dup2(held.get(), fd) == fd;
}

// fd 0 becomes the client's stdin, 1 and 2 held output, the connection fd 3, the claim
// O_CLOEXEC at the number it has; with `close_others`, nothing else of the daemon's (a
// ready worker closed those long ago, and holds its ready run's fds).
bool take_over_fds(int socket, std::vector<UniqueFd>& fds, bool close_others) {
    if (fds.size() != 2 || ::dup2(fds[0].get(), 0) != 0 || !hold_output(1) || !hold_output(2)) return false;
    if (!move_fd(socket, kWorkerSocket)) return false;
    int claim = fds[1].release();
    fds.clear();
    if (close_others) {
        if (claim != kWorkerSocket + 1 && !move_fd(claim, kWorkerSocket + 1)) return false;
        claim = kWorkerSocket + 1;
        if (::syscall(SYS_close_range, kWorkerSocket + 2U, ~0U, 0U) != 0) return false;
    }
    g_claim = claim;
    return ::fcntl(claim, F_SETFD, FD_CLOEXEC) == 0;
}

// The claim's token, if it is still there: then this worker owns the run. Without it the
// client withdrew (it fell back in-process) and nothing of the run may be touched.
bool take_claim() {
    char token = 0;
    ssize_t n;
    do n = ::recv(g_claim, &token, 1, MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    return n == 1 && token == wire::kClaimToken;
}

// What was written to the held fd `fd` goes to `real`, which then becomes `fd`.
bool release_output(int fd, int real) {
    std::string held;
    char buffer[65536];
    if (::lseek(fd, 0, SEEK_SET) != 0) return false;
    for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) held.append(buffer, static_cast<std::size_t>(n));
    if (!held.empty()) fs::write_all(real, held);
    return ::dup2(real, fd) == fd;
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

// The run starts: the daemon is done with this ready worker, and fd 3 becomes the client's.
[[noreturn]] void start_ready_job(int socket, std::vector<UniqueFd> fds, const wire::Hello& hello,
                                  const WorkerBody& body) {
    ::close(kWorkerSocket);
    ::close(kReadyListener);  // clients of a stopping daemon must not queue behind a run
    drop_pending_signals();
    run_job(socket, std::move(fds), hello, body, false);
}

// A job from the daemon (a client it accepted), or end of file: the daemon lets us go.
void take_job_from_daemon(const ReadyHooks& hooks, const WorkerBody& body) {
    wire::Received job = wire::receive(kWorkerSocket);
    if (job.error == EAGAIN) return;
    std::string error;
    auto hello = job.eof || job.error || job.truncated || job.fds.size() != 3 ? std::nullopt
                                                                              : wire::decode_hello(job.bytes, error);
    if (!hello) {
        if (hooks.discard) hooks.discard();
        ::_exit(0);
    }
    const int socket = job.fds[0].release();
    job.fds.erase(job.fds.begin());
    start_ready_job(socket, std::move(job.fds), *hello, body);
}

// The daemon let go of its end of our control socket (we are no longer its ready
// worker): a run it handed us before it did is still queued there, to be taken; then we
// are done.
[[noreturn]] void take_last_job_from_daemon(const ReadyHooks& hooks, const WorkerBody& body) {
    take_job_from_daemon(hooks, body);
    ::_exit(0);
}

// A client accepted here: no hop through the daemon on the answer's path. Only a whole,
// valid request of a client the daemon would serve (serve/peer.h) is taken (the daemon
// is told, and watches the connection as for one it handed over); anything else goes to
// the daemon, which refuses and logs it, or waits for a hello that is not there yet.
void accept_client(const ReadyHooks& hooks, const WorkerBody& body) {
    UniqueFd client(::accept4(kReadyListener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!client) return;  // another ready worker, or the daemon, was first
    // Anyone the daemon would refuse (another uid, a hook inside a run) is the daemon's
    // to refuse and log.
    const bool ours = !refusal_of_peer(client.get());
    // The client connects before it sends its hello: a little wait here saves the hop
    // through the daemon; a client slower than that is the daemon's to wait for.
    pollfd hello_wait{client.get(), POLLIN, 0};
    if (ours) ::poll(&hello_wait, 1, kHelloWaitMs);
    wire::Received got = ours ? wire::receive(client.get()) : wire::Received{};
    std::string error;
    std::optional<wire::Hello> hello;
    wire::Kind word = wire::Kind::hello;  // the daemon's from the start
    if (ours && got.error != EAGAIN && !got.eof) {
        hello = wire::check_request(got, error);
        word = hello ? wire::Kind::taken : wire::Kind::refused;
    }
    const auto message = wire::Writer(word).str(error).bytes();
    if (wire::send(kWorkerSocket, message, {client.get()}, true) != 0) {
        // The daemon let us go: it is stopping, or it handed us a run of a client it
        // accepted itself just now (queued on our control socket, to be taken). This
        // client is then not watched by the daemon: it is told to run the hook itself,
        // whether or not its request had come whole.
        wire::send(client.get(), wire::Writer(wire::Kind::refused).str("the ready worker was let go by the daemon").bytes());
        client.reset();
        take_last_job_from_daemon(hooks, body);
    }
    if (!hello) return;
    std::vector<UniqueFd> fds = std::move(got.fds);
    start_ready_job(client.release(), std::move(fds), *hello, body);
}

}  // namespace

bool in_worker() { return g_in_worker; }

const std::vector<std::string>& hand_over_notes() { return g_notes; }

bool take_client_output() {
    if (!g_in_worker || g_output_taken) return g_output_taken;
    pollfd wait{g_claim, POLLIN, 0};
    int n;
    do n = ::poll(&wait, 1, kGoBoundMs);
    while (n < 0 && errno == EINTR);
    wire::Received go = n > 0 ? wire::receive(g_claim) : wire::Received{};
    if (n <= 0 || go.fds.size() != 2 || wire::Reader(go.bytes).kind() != wire::Kind::go) return false;
    g_output_taken = release_output(1, go.fds[0].get()) && release_output(2, go.fds[1].get());
    return g_output_taken;
}

void arm(const wire::Armed& armed) {
    if (!g_in_worker) return;
    wire::send(kWorkerSocket, wire::encode(armed), {}, true);
    // No hook starts before its answer has somewhere to go: without the client's fds the
    // worker ends here, and the client gives the answer just armed.
    if (!take_client_output()) ::_exit(1);
}

void answered(int exit_code) {
    static bool sent = false;
    if (!g_in_worker || sent) return;
    sent = true;
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    // An answer that cannot reach the client is not a verdict: the client gives its own.
    if (!take_client_output()) return;
    // Answered: what is left (the record's hand-over to its guardian) must not die with
    // the daemon. It keeps its priority: the next run of the hook waits for that record.
    ::prctl(PR_SET_PDEATHSIG, 0);
    wire::send(kWorkerSocket, wire::Writer(wire::Kind::verdict).u32(static_cast<std::uint32_t>(exit_code)).bytes(), {},
               true);
}

void leave_client() {
    if (!g_in_worker) return;
    ::close(kWorkerSocket);
    ::close(g_claim);
    g_claim = -1;
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

void become_ready_worker(int control, int listener, pid_t daemon, const ReadyHooks& hooks, const WorkerBody& body) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != daemon) ::_exit(1);
    quiet_log();
    // Nothing else of the daemon's is kept (other workers' sockets, its clients'): EOF on
    // a socket must mean what it says.
    // Either may be at the other's number (the listener is fd 3 when the log is not a
    // file): both are first copied out of the way.
    const int control_copy = ::fcntl(control, F_DUPFD_CLOEXEC, 16);
    const int listener_copy = ::fcntl(listener, F_DUPFD_CLOEXEC, 16);
    if (control_copy < 0 || listener_copy < 0 || ::dup3(control_copy, kWorkerSocket, O_CLOEXEC) != kWorkerSocket ||
        ::dup3(listener_copy, kReadyListener, O_CLOEXEC) != kReadyListener ||
        ::syscall(SYS_close_range, kReadyListener + 1U, ~0U, 0U) != 0)
        ::_exit(1);
    if (hooks.prepare) hooks.prepare();
    // A daemon that handed us a run before we were ready has let go already.
    if (wire::send(kWorkerSocket, wire::Writer(wire::Kind::waiting).bytes(), {}, true) != 0)
        take_last_job_from_daemon(hooks, body);
    for (;;) {
        pollfd wait[2] = {{kWorkerSocket, POLLIN, 0}, {kReadyListener, POLLIN, 0}};
        if (::poll(wait, 2, -1) < 0) continue;
        if (wait[0].revents) take_job_from_daemon(hooks, body);
        if (wait[1].revents) accept_client(hooks, body);
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
    if (!take_claim()) ::_exit(0);  // the client runs it itself
    g_in_worker = true;
    const int pid = ::getpid();
    const auto taken = wire::Writer(wire::Kind::taken)
                           .u32(static_cast<std::uint32_t>(pid))
                           .u32(wire::kProtocol)
                           .str(HOOKWARDEN_VERSION)
                           .bytes();
    if (wire::send(kWorkerSocket, taken, {}, true) != 0) ::_exit(1);  // the client is gone before anything started
    const auto start = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(hello.process_start_ns));
    int code = 70;
    try {
        code = body(hello.argv, start);
    } catch (...) {
        // Never back into the daemon's loop: this process is a copy of it.
        code = 70;
    }
    answered(code);  // unless the run sent it already
    ::_exit(code);
}

}  // namespace

}  // namespace hookwarden::serve
