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

// How long after "go" the worker's "taken" may take (a fork in a responsive daemon).
constexpr std::chrono::milliseconds kTakenBound{2000};

std::chrono::milliseconds handshake_bound() {
    const char* text = std::getenv("HOOKWARDEN_SERVE_HANDSHAKE_MS");
    if (!text || !*text) return std::chrono::milliseconds(50);
    char* end = nullptr;
    long value = std::strtol(text, &end, 10);
    return std::chrono::milliseconds(*end == '\0' && value > 0 && value <= 10000 ? value : 50);
}

// A connected socket to a daemon of our own uid, or an invalid fd and why not.
UniqueFd connect_daemon(const std::string& path, std::string& why) {
    if (!fits_socket_address(path)) {
        why = "socket path too long: " + path;
        return {};
    }
    UniqueFd sock(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    // Non-blocking: a full backlog answers EAGAIN at once instead of making us wait.
    if (!sock || ::connect(sock.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        why = "connect " + path + ": " + std::strerror(errno);
        return {};
    }
    ucred peer{};
    socklen_t size = sizeof peer;
    if (::getsockopt(sock.get(), SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0 || peer.uid != ::geteuid()) {
        why = "the daemon on " + path + " runs as uid " + std::to_string(peer.uid) + ", not ours";
        return {};
    }
    return sock;
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

// Up to the daemon's "ready": nothing is started yet. An invalid fd: run it here.
UniqueFd offer(const std::vector<std::string>& argv, Clock::time_point process_start, std::string& why) {
    const auto deadline = Clock::now() + handshake_bound();
    UniqueFd sock = connect_daemon(default_socket_path(), why);
    if (!sock) return {};
    const wire::Hello hello = make_hello(argv, process_start);
    if (hello.cwd.empty()) {
        why = "working directory unknown";
        return {};
    }
    const std::string bytes = wire::encode(hello);
    if (bytes.size() > wire::kMaxMessage) {
        why = "argv and environment (" + std::to_string(bytes.size()) + " bytes) larger than a request may be";
        return {};
    }
    if (int error = wire::send(sock.get(), bytes); error != 0) {
        why = std::string("sending the request: ") + std::strerror(error);
        return {};
    }
    if (wait_for(sock.get(), -1, deadline) != Waited::message) {
        why = "the daemon did not answer within " + std::to_string(handshake_bound().count()) + " ms";
        return {};
    }
    wire::Received got = wire::receive(sock.get());
    wire::Reader ready(got.bytes);
    if (ready.kind() == wire::Kind::refused) {
        why = "refused: " + ready.str();
        return {};
    }
    const std::uint32_t protocol = ready.u32();
    const std::string version = ready.str();
    if (ready.kind() != wire::Kind::ready || !ready.ok()) {
        why = got.eof ? "the daemon closed the connection" : "malformed answer from the daemon";
        return {};
    }
    if (protocol != wire::kProtocol || version != HOOKWARDEN_VERSION) {
        why = "the daemon is hookwarden " + version + " (protocol " + std::to_string(protocol) + "), this is " +
              HOOKWARDEN_VERSION + " (protocol " + std::to_string(wire::kProtocol) + ")";
        return {};
    }
    return sock;
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
    return {Served::answered, armed.exit_code, "the daemon's worker ended before its verdict"};
}

// After "go": the worker's messages until its verdict, or what to do without one.
HandOff await_verdict(int sock) {
    UniqueFd signals = block_agent_signals();
    UniqueFd worker;
    std::optional<wire::Armed> armed;
    // A daemon that stopped right after its "ready" never forks the worker: the run is
    // then answered by policy (never run here: the daemon may still start it later).
    Clock::time_point deadline = Clock::now() + std::max(handshake_bound(), kTakenBound);
    for (;;) {
        Waited waited = wait_for(sock, signals.get(), deadline);
        if (waited == Waited::signal) {
            forward_signal(sock, signals.get());
            continue;
        }
        if (waited == Waited::timeout && !armed)
            return {Served::lost_before_start, 0, "the daemon did not start the run within its bound"};
        if (waited == Waited::timeout) return answer_armed(*armed, worker.get());
        wire::Received got = wire::receive(sock);
        if (got.error == EAGAIN) continue;
        wire::Reader r(got.bytes);
        if (got.eof || got.error || got.truncated || r.kind() == wire::Kind::refused) {
            if (armed) return answer_armed(*armed, -1);
            if (worker) return {Served::lost_before_start, 0, "the daemon's worker ended before the hook started"};
            return not_served(r.kind() == wire::Kind::refused ? "worker refused: " + r.str() : "the daemon went away");
        }
        if (r.kind() == wire::Kind::taken) {
            worker.reset(static_cast<int>(::syscall(SYS_pidfd_open, static_cast<pid_t>(r.u32()), 0)));
            deadline = kUnbounded;  // reading the event is bounded by the worker itself
        } else if (r.kind() == wire::Kind::armed) {
            armed = wire::decode_armed(got.bytes);
            if (armed) deadline = Clock::now() + std::chrono::milliseconds(armed->wait_ms);
        } else if (r.kind() == wire::Kind::verdict) {
            return {Served::answered, static_cast<int>(r.u32()), ""};
        }
    }
}

}  // namespace

HandOff hand_off(const std::vector<std::string>& argv, Clock::time_point process_start) {
    if (in_worker()) return not_served("in the daemon's worker");
    if (const char* off = std::getenv("HOOKWARDEN_NO_SERVE"); off && *off && std::string_view(off) != "0")
        return not_served("HOOKWARDEN_NO_SERVE is set");
    std::string why;
    UniqueFd sock = offer(argv, process_start, why);
    if (!sock) return not_served(why);
    // The commitment: from here on this process never runs the hook itself.
    if (int error = wire::send(sock.get(), wire::Writer(wire::Kind::go).bytes(), {0, 1, 2}); error != 0)
        return not_served(std::string("sending go: ") + std::strerror(error));
    return await_verdict(sock.get());
}

}  // namespace hookwarden::serve
