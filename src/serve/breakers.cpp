#include "serve/breakers.h"

#include <bit>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <memory>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

#include <spdlog/spdlog.h>

#include "serve/peer.h"
#include "serve/socket_path.h"
#include "serve/wire.h"

namespace hookwarden::serve {

namespace {

// Set in the daemon before any worker is forked; a worker inherits it.
std::string g_keeper_path;

// A worker waits this long for an admission before it admits in-process: longer than
// the keeper's own busy timeout, so that only a wedged keeper is given up on.
constexpr int kAnswerBoundMs = 1000;
// The keeper's SQLite busy timeout: it serves every worker from one thread, so a writer
// holding the lock must not stall them for the in-process 5 s; past it the store's
// admission fails open with an error, as in-process.
constexpr int kKeeperBusyMs = 400;
// Connections the keeper holds at once (each is one question); beyond, a worker admits
// in-process.
constexpr std::size_t kMaxPending = 256;
// Stores held open (state directories of the clients); beyond, all are closed and
// reopened on demand.
constexpr std::size_t kMaxStores = 16;

std::int64_t bits(double value) { return std::bit_cast<std::int64_t>(value); }
double real(std::int64_t value) { return std::bit_cast<double>(value); }

std::string encode_request(const std::string& state_dir, const std::string& hook, const BreakerConfig& c,
                           std::int64_t now_ms, std::int64_t probe_ttl_ms) {
    wire::Writer w(wire::Kind::admit);
    w.str(state_dir).str(hook).i64(c.consecutive_failures).i64(bits(c.failure_rate)).i64(c.window).i64(c.min_calls);
    w.i64(c.slow_call_ms).i64(bits(c.slow_call_rate)).i64(c.open_ms).i64(c.max_open_ms).i64(c.half_open_probes);
    w.i64(now_ms).i64(probe_ttl_ms);
    return w.bytes();
}

std::string encode_admission(const store::Admission& a) {
    wire::Writer w(wire::Kind::admission);
    w.u32(a.run).str(breaker_state_text(a.state_before)).u32(a.probe).i64(a.probe_id).i64(a.retry_after_ms).str(a.error);
    return w.bytes();
}

std::optional<store::Admission> decode_admission(const std::string& bytes) {
    wire::Reader r(bytes);
    store::Admission a;
    a.run = r.u32() != 0;
    a.state_before = breaker_state_from_string(r.str());
    a.probe = r.u32() != 0;
    a.probe_id = r.i64();
    a.retry_after_ms = r.i64();
    a.error = r.str();
    if (r.kind() != wire::Kind::admission || !r.ok()) return std::nullopt;
    return a;
}

// The keeper's state: the open stores and the questions not answered yet.
struct Keeper {
    UniqueFd listener;
    std::map<std::string, std::unique_ptr<store::Store>> stores;
    std::vector<UniqueFd> pending;
};

store::Store* store_for(Keeper& k, const std::string& state_dir) {
    if (auto it = k.stores.find(state_dir); it != k.stores.end()) return it->second.get();
    // A directory someone else controls is not ours to open (the worker refuses it too).
    if (!store::refuse_state_dir(state_dir).empty()) return nullptr;
    if (k.stores.size() >= kMaxStores) k.stores.clear();
    store::OpenOptions options;
    options.busy_timeout_ms = kKeeperBusyMs;
    options.wait_for_pending = false;  // the worker waited for its hook's pending record
    std::string error;
    auto opened = store::Store::open(state_dir, error, options);
    if (!opened) {
        spdlog::warn("serve: breaker keeper: {}", error);
        return nullptr;
    }
    return k.stores.emplace(state_dir, std::move(opened)).first->second.get();
}

// One question, one answer: the store's admission, or "decide it yourself".
std::string answer(Keeper& k, const std::string& request) {
    wire::Reader r(request);
    const std::string state_dir = r.str(), hook = r.str();
    BreakerConfig c;
    c.consecutive_failures = r.i64();
    c.failure_rate = real(r.i64());
    c.window = r.i64();
    c.min_calls = r.i64();
    c.slow_call_ms = r.i64();
    c.slow_call_rate = real(r.i64());
    c.open_ms = r.i64();
    c.max_open_ms = r.i64();
    c.half_open_probes = r.i64();
    const std::int64_t now_ms = r.i64(), probe_ttl_ms = r.i64();
    const std::string no = wire::Writer(wire::Kind::no_admission).bytes();
    if (r.kind() != wire::Kind::admit || !r.ok() || state_dir.empty() || state_dir.front() != '/') return no;
    store::Store* store = store_for(k, state_dir);
    if (!store) return no;
    store::Admission a = store->admit(hook, c, now_ms, probe_ttl_ms);
    if (!a.run || a.probe)
        spdlog::info("serve: breaker keeper: '{}' is {}: {}", hook, breaker_state_text(a.state_before),
                     a.run ? "a probe run" : "refused for " + std::to_string(a.retry_after_ms) + " ms");
    return encode_admission(a);
}

void accept_questions(Keeper& k) {
    for (;;) {
        UniqueFd c(::accept4(k.listener.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
        if (!c) return;
        // Whom the daemon would refuse (another uid, a hook inside a run) asks nothing
        // here either: a hook could otherwise take another hook's half-open probes.
        if (auto refused = refusal_of_peer(c.get())) {
            // A worker that died before we accepted it is no one to warn about.
            if (refused->peer_gone) spdlog::debug("serve: breaker keeper: {}", refused->why);
            else spdlog::warn("serve: breaker keeper: refused a question: {}", refused->why);
            continue;
        }
        if (k.pending.size() < kMaxPending) k.pending.push_back(std::move(c));
    }
}

[[noreturn]] void keep(Keeper& k) {
    for (;;) {
        std::vector<pollfd> fds{{k.listener.get(), POLLIN, 0}};
        for (const auto& c : k.pending) fds.push_back({c.get(), POLLIN, 0});
        if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) ::_exit(1);
        for (std::size_t i = fds.size() - 1; i >= 1; --i) {
            if (!fds[i].revents) continue;
            UniqueFd c = std::move(k.pending[i - 1]);
            k.pending.erase(k.pending.begin() + static_cast<std::ptrdiff_t>(i - 1));
            wire::Received got = wire::receive(c.get());
            if (!got.eof && !got.error && !got.truncated && got.fds.empty())
                wire::send(c.get(), answer(k, got.bytes));
        }
        if (fds[0].revents) accept_questions(k);
    }
}

UniqueFd listen_at(const std::string& path, std::string& error) {
    if (!fits_socket_address(path)) {
        error = "socket path too long: " + path;
        return {};
    }
    UniqueFd sock(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    ::unlink(path.c_str());  // a killed keeper's; the directory is the daemon's own (0700)
    const mode_t mask = ::umask(0177);
    const bool bound = sock && ::bind(sock.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::umask(mask);
    if (!bound || ::listen(sock.get(), 128) != 0) {
        error = "listen on " + path + ": " + std::strerror(errno);
        return {};
    }
    return sock;
}

}  // namespace

pid_t start_breaker_keeper(const std::string& socket_path, const std::string& state_dir,
                           const std::vector<int>& daemon_fds, UniqueFd& opening, std::string& error) {
    const std::string path = socket_path + ".breakers";
    UniqueFd listener = listen_at(path, error);
    if (!listener) return -1;
    int opened[2];
    if (::pipe2(opened, O_CLOEXEC) != 0) {
        error = std::string("pipe: ") + std::strerror(errno);
        return -1;
    }
    UniqueFd opened_read(opened[0]), opened_write(opened[1]);
    const pid_t daemon = ::getpid();
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
        error = std::string("fork: ") + std::strerror(errno);
        return -1;
    }
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != daemon) ::_exit(1);
        // Nothing of the daemon's but its log: not its listener, its lock or its signals.
        for (int fd : daemon_fds) ::close(fd);
        opened_read.reset();
        Keeper k;
        k.listener = std::move(listener);
        store_for(k, state_dir);  // the daemon's own store, open before the first question
        opened_write.reset();     // `opening` reaches end of file
        keep(k);
    }
    opening = std::move(opened_read);
    g_keeper_path = path;
    return pid;
}

std::optional<store::Admission> ask_breaker_keeper(const std::string& state_dir, const std::string& hook,
                                                   const BreakerConfig& config, std::int64_t now_ms,
                                                   std::int64_t probe_ttl_ms) {
    if (g_keeper_path.empty()) return std::nullopt;
    UniqueFd sock(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, g_keeper_path.c_str(), g_keeper_path.size() + 1);
    if (!sock || ::connect(sock.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return std::nullopt;
    ucred peer{};
    socklen_t size = sizeof peer;
    if (::getsockopt(sock.get(), SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0 || peer.uid != ::geteuid())
        return std::nullopt;
    if (wire::send(sock.get(), encode_request(state_dir, hook, config, now_ms, probe_ttl_ms), {}, true) != 0)
        return std::nullopt;
    pollfd p{sock.get(), POLLIN, 0};
    int n = 0;
    do n = ::poll(&p, 1, kAnswerBoundMs);
    while (n < 0 && errno == EINTR);
    if (n <= 0) return std::nullopt;
    wire::Received got = wire::receive(sock.get());
    if (got.eof || got.error || got.truncated) return std::nullopt;
    return decode_admission(got.bytes);
}

}  // namespace hookwarden::serve
