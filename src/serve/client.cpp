#include "serve/client.h"

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "serve/claim.h"
#include "serve/rlimits.h"
#include "serve/socket_path.h"
#include "serve/wire.h"
#include "serve/worker.h"
#include "util/fs.h"

extern char** environ;

namespace hookwarden::serve {

namespace {

using Clock = std::chrono::steady_clock;

HandOff not_served(std::string why) { return {Served::no, 0, std::move(why)}; }

// How long the worker's "taken" may still take once the client found the claim taken
// (the worker took it just as the handshake bound ran out).
constexpr std::chrono::milliseconds kTakenBound{2000};

std::chrono::milliseconds handshake_bound() {
    const char* text = std::getenv("HOOKWARDEN_SERVE_HANDSHAKE_MS");
    if (!text || !*text) return std::chrono::milliseconds(50);
    char* end = nullptr;
    long value = std::strtol(text, &end, 10);
    return std::chrono::milliseconds(*end == '\0' && value > 0 && value <= 10000 ? value : 50);
}

constexpr Clock::time_point kUnbounded = Clock::time_point::max();

// Waits for one message until `deadline` (kUnbounded: no bound) or a signal on `signal_fd`.
enum class Waited { message, timeout, signal };
Waited wait_for(int sock, int signal_fd, Clock::time_point deadline) {
    for (;;) {
        int timeout = -1;
        if (deadline != kUnbounded) {
            auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
            if (left <= 0) return Waited::timeout;
            timeout = static_cast<int>(std::min<long long>(left, INT_MAX));
        }
        pollfd fds[2] = {{sock, POLLIN, 0}, {signal_fd, POLLIN, 0}};
        int n = ::poll(fds, signal_fd >= 0 ? 2 : 1, timeout);
        if (n < 0 && errno == EINTR) continue;
        if (n > 0 && signal_fd >= 0 && (fds[1].revents & POLLIN)) return Waited::signal;
        if (n > 0) return Waited::message;
    }
}

wire::Hello make_hello(const std::vector<std::string>& argv, Clock::time_point process_start) {
    wire::Hello hello;
    hello.version = HOOKWARDEN_VERSION;
    hello.process_start_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(process_start.time_since_epoch()).count();
    const mode_t mask = ::umask(0);
    ::umask(mask);
    hello.umask = mask;
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof cwd)) hello.cwd = cwd;
    hello.argv = argv;
    for (char** e = environ; e && *e; ++e) hello.env.emplace_back(*e);
    hello.rlimits = current_rlimits();
    return hello;
}

// What the daemon's first answer was: a worker took the run (its pid), or not and why.
struct Offered {
    enum class How { taken, refused, no_answer } how = How::no_answer;
    pid_t worker = -1;
    std::string why;
};

// Sends the request with stdin and the claim, and waits within the handshake bound for
// the worker's "taken" (or a refusal, or the connection's end).
Offered offer(int sock, const Claim& claim, const std::vector<std::string>& argv, Clock::time_point process_start,
              Clock::time_point deadline) {
    const wire::Hello hello = make_hello(argv, process_start);
    if (hello.cwd.empty()) return {Offered::How::refused, -1, "working directory unknown"};
    const std::string bytes = wire::encode(hello);
    if (bytes.size() > wire::kMaxMessage)
        return {Offered::How::refused, -1,
                "argv and environment (" + std::to_string(bytes.size()) + " bytes) larger than a request may be"};
    if (int error = wire::send(sock, bytes, {0, claim.theirs.get()}); error != 0)
        return {Offered::How::refused, -1, std::string("sending the request: ") + std::strerror(error)};
    wire::Received got;
    for (;;) {
        if (wait_for(sock, -1, deadline) != Waited::message)
            return {Offered::How::no_answer, -1, "no worker took the run in time"};
        got = wire::receive(sock);
        if (got.error == EAGAIN) continue;
        // The daemon checked the request and forks its worker (a burst beyond the pool):
        // a live daemon, so the worker's "taken" may take as long as a fork takes.
        if (wire::Reader(got.bytes).kind() != wire::Kind::queued) break;
        deadline = std::max(deadline, Clock::now() + kTakenBound);
    }
    wire::Reader r(got.bytes);
    if (r.kind() == wire::Kind::refused) return {Offered::How::refused, -1, "refused: " + r.str()};
    const auto worker = static_cast<pid_t>(r.u32());
    const std::uint32_t protocol = r.u32();
    const std::string version = r.str();
    if (r.kind() != wire::Kind::taken || !r.ok())
        return {Offered::How::refused, -1, got.eof ? "the daemon closed the connection" : "malformed answer from the daemon"};
    if (protocol != wire::kProtocol || version != HOOKWARDEN_VERSION)
        spdlog::warn("serve: a worker of hookwarden {} (protocol {}) took the run", version, protocol);
    return {Offered::How::taken, worker, ""};
}

// The agent's signals, read from a signalfd while we wait and passed on to the worker.
UniqueFd block_agent_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) sigaddset(&set, sig);
    ::sigprocmask(SIG_BLOCK, &set, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    return UniqueFd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
}

void forward_signal(int sock, int signal_fd) {
    signalfd_siginfo info{};
    while (::read(signal_fd, &info, sizeof info) == sizeof info)
        wire::send(sock, wire::Writer(wire::Kind::signal).u32(info.ssi_signo).bytes());
}

// The armed answer, given because the worker died or stopped answering in time.
HandOff answer_armed(const wire::Armed& armed, int worker_pidfd) {
    if (worker_pidfd >= 0) ::syscall(SYS_pidfd_send_signal, worker_pidfd, SIGKILL, nullptr, 0);
    fs::write_all(1, armed.stdout_data);
    fs::write_all(2, armed.stderr_data);
    HandOff handed{Served::answered, armed.exit_code, "the daemon's worker ended before its verdict"};
    handed.unrecorded = armed.record;
    return handed;
}

// After "taken": the worker's messages until its verdict, or what to do without one.
HandOff await_verdict(int sock, UniqueFd signals, UniqueFd worker) {
    std::optional<wire::Armed> armed;
    // Until "armed" the worker reads the event and resolves the policy, which it bounds itself.
    Clock::time_point deadline = kUnbounded;
    for (;;) {
        Waited waited = wait_for(sock, signals.get(), deadline);
        if (waited == Waited::signal) {
            forward_signal(sock, signals.get());
            continue;
        }
        if (waited == Waited::timeout) return answer_armed(*armed, worker.get());
        wire::Received got = wire::receive(sock);
        if (got.error == EAGAIN) continue;
        wire::Reader r(got.bytes);
        if (got.eof || got.error || got.truncated || r.kind() == wire::Kind::refused) {
            if (armed) return answer_armed(*armed, -1);
            return {Served::lost_before_start, 0, "the daemon's worker ended before the hook started"};
        }
        if (r.kind() == wire::Kind::armed) {
            armed = wire::decode_armed(got.bytes);
            if (armed) deadline = Clock::now() + std::chrono::milliseconds(armed->wait_ms);
        } else if (r.kind() == wire::Kind::verdict) {
            return {Served::answered, static_cast<int>(r.u32()), ""};
        }
    }
}

// The worker holds the claim: it gets fds 1 and 2, and from here on this process never
// runs the hook itself.
HandOff after_taken(int sock, const Claim& claim, pid_t worker_pid, UniqueFd signals) {
    UniqueFd worker(static_cast<int>(::syscall(SYS_pidfd_open, worker_pid, 0)));
    if (int error = wire::send(claim.ours.get(), wire::Writer(wire::Kind::go).bytes(), {1, 2}, true); error != 0)
        spdlog::warn("serve: sending go: {}", std::strerror(error));  // the worker then ends: lost or armed below
    return await_verdict(sock, std::move(signals), std::move(worker));
}

// No "taken" in time, or a refusal, or the connection's end: the client withdraws the
// claim and runs the hook itself, unless a worker holds it already. Then its "taken" is
// on the way (a daemon that stopped right after taking it never sends one: the run is
// answered by policy, never run here, since the worker may still start it).
HandOff without_taken(int sock, const Claim& claim, const Offered& offered, UniqueFd signals) {
    if (withdraw(claim)) return not_served(offered.why);
    if (offered.how == Offered::How::no_answer && wait_for(sock, -1, Clock::now() + kTakenBound) == Waited::message) {
        wire::Received got = wire::receive(sock);
        wire::Reader r(got.bytes);
        const auto worker = static_cast<pid_t>(r.u32());
        if (r.kind() == wire::Kind::taken) return after_taken(sock, claim, worker, std::move(signals));
    }
    return {Served::lost_before_start, 0, "a worker took the run but did not start it (" + offered.why + ")"};
}

}  // namespace

HandOff hand_off(const std::vector<std::string>& argv, Clock::time_point process_start) {
    if (in_worker()) return not_served("in the daemon's worker");
    if (const char* off = std::getenv("HOOKWARDEN_NO_SERVE"); off && *off && std::string_view(off) != "0")
        return not_served("HOOKWARDEN_NO_SERVE is set");
    const auto deadline = Clock::now() + handshake_bound();
    std::string why;
    UniqueFd sock = connect_daemon(default_socket_path(), why);
    if (!sock) return not_served(why);
    auto claim = make_claim(why);
    if (!claim) return not_served(why);
    UniqueFd signals = block_agent_signals();
    const Offered offered = offer(sock.get(), *claim, argv, process_start, deadline);
    if (offered.how != Offered::How::taken) {
        HandOff handed = without_taken(sock.get(), *claim, offered, std::move(signals));
        handed.daemon_reached = true;
        return handed;
    }
    claim->theirs.reset();  // the worker's end is the worker's alone now
    return after_taken(sock.get(), *claim, offered.worker, std::move(signals));
}

}  // namespace hookwarden::serve
