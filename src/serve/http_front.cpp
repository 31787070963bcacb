#include "serve/http_front.h"

#include <arpa/inet.h>
#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <fcntl.h>
#include <cstring>
#include <list>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "agents/claude/protocol.h"
#include "serve/http_request.h"
#include "serve/http_run.h"
#include "store/store.h"
#include "util/fs.h"

namespace hookwarden::serve {

namespace {

using Clock = std::chrono::steady_clock;

// Connections beyond this are answered 503 at once: each one holds an fd.
constexpr std::size_t kMaxConnections = 512;
// How long a finished answer may take to leave (a client that does not read it).
constexpr std::chrono::milliseconds kWriteTime{5000};

// One HTTP connection: one request, its run, one response (Connection: close).
struct Exchange {
    UniqueFd client;
    std::string peer;
    std::string in;             // what arrived of the request
    Clock::time_point deadline;  // reading: the whole request; running: the answer; writing: the send
    http::Request request;
    std::string hook_name, event, event_cwd;
    HttpHook hook;
    std::optional<HttpRun> run;
    Clock::time_point answer_by;  // before the agent's own timeout for the hook
    bool answered = false;        // the response is built (or the client is gone)
    bool stopped = false;         // the worker was told to stop (SIGTERM)
    bool killed = false;          // ... and then SIGKILLed, past its own bound
    std::string response;
    std::size_t sent = 0;
    bool done() const { return !client && (!run || run->finished()); }
};

struct Front {
    HttpListener listener;
    const HttpOptions& options;
    std::string token;
    UniqueFd signals;
    std::list<Exchange> exchanges;
    bool stopping = false;
};

// ---- answers ------------------------------------------------------------------------

// The record of a request that no worker records (it never reached a run, or its worker
// was lost), committed by a child of its own:
// the loop never waits on the store, and no SQLite connection is ever open in this
// process, whose every fork (a worker, its guardian) would inherit it.
void record_refusal(const std::string& state_dir, RunRecord record) {
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid != 0) {
        if (pid < 0) spdlog::error("serve: http: fork for the record of {}: {}", record.hook, std::strerror(errno));
        return;
    }
    ::syscall(SYS_close_range, 3U, ~0U, 0U);  // no client connection held open by us
    std::string error;
    auto store = store::Store::open(state_dir, error);
    // These records never trip a breaker: the hook did not run, or its run was lost.
    BreakerConfig never;
    never.consecutive_failures = never.min_calls = never.window = LLONG_MAX / 4;
    if (store) error += store->complete(record, never, store::Admission{}, record.time_unix_ms);
    if (!error.empty()) spdlog::error("serve: http: the record of the refused request of {}: {}", record.hook, error);
    ::_exit(error.empty() ? 0 : 1);
}

void respond(Exchange& x, int status, const std::string& body) {
    x.answered = true;
    if (!x.client) return;
    x.response = http::response(status, body);
    x.sent = 0;
    x.deadline = Clock::now() + kWriteTime;
}

// A request that is refused: the status, a JSON error, a log line; and when it names a
// hook we run, a record where its run was meant to be (outcome internal_error).
// `recorded_by_worker`: a worker has the event and records the run itself once stopped.
void refuse(Front& f, Exchange& x, int status, const std::string& why, bool recorded_by_worker = false) {
    spdlog::warn("serve: http: {} {} from {}: {} {}", x.request.method.empty() ? "?" : x.request.method,
                 x.request.target.empty() ? "?" : x.request.target, x.peer, status, why);
    respond(x, status, http::error_body(why));
    if (x.hook_name.empty() || recorded_by_worker) return;
    RunRecord record;
    record.time_unix_ms = fs::now_unix_ms();
    record.hook = x.hook_name;
    record.event = x.event;
    record.command = x.hook.argv;
    record.outcome = Outcome::internal_error;
    record.errors.push_back("http: answered " + std::to_string(status) + ": " + why);
    record.served_by = "serve";
    record_refusal(f.options.state_dir, record);
}

// The worker is gone without its verdict (it died, or we killed it past its bound): the
// record it armed is one no one else makes.
void record_armed(Front& f, const Exchange& x, const std::string& why) {
    if (!x.run || !x.run->armed || !x.run->armed->record) return;
    RunRecord record = *x.run->armed->record;
    record.time_unix_ms = fs::now_unix_ms();
    record.errors.push_back("http: " + why);
    record_refusal(f.options.state_dir, record);
}

void answer_verdict(Exchange& x, int code) {
    drain_output(*x.run);
    agents::Answer answer(code, x.run->out_data, x.run->err_data);
    respond(x, 200, agents::claude::http_body(x.event, answer));
}

// The worker's armed answer (the policy's degraded answer), or without one a 503.
void answer_by_policy(Front& f, Exchange& x, const std::string& why) {
    if (x.run && x.run->armed) {
        spdlog::warn("serve: http: hook {}: {}; answered by its policy", x.hook_name, why);
        const auto& a = *x.run->armed;
        respond(x, 200, agents::claude::http_body(x.event, agents::Answer(a.exit_code, a.stdout_data, a.stderr_data)));
        return;
    }
    refuse(f, x, 503, why, x.run && x.run->taken && x.run->worker_alive());
}

// ---- requests -----------------------------------------------------------------------

bool token_matches(const std::string* header, const std::string& token) {
    const std::string prefix = "Bearer ";
    if (!header || header->size() != prefix.size() + token.size() || header->compare(0, prefix.size(), prefix) != 0)
        return false;
    unsigned char diff = 0;  // constant time: the comparison does not leak the token
    for (std::size_t i = 0; i < token.size(); ++i)
        diff |= static_cast<unsigned char>((*header)[prefix.size() + i] ^ token[i]);
    return diff == 0;
}

// Which registered hook the target names ("/hook/NAME"); "" when none.
std::string hook_of_target(const std::string& target) {
    const std::string prefix = "/hook/";
    if (target.compare(0, prefix.size(), prefix) != 0) return {};
    std::string name = target.substr(prefix.size());
    return valid_http_hook_name(name) ? name : std::string();
}

// Finds the hook the request names, after the token; false after refusing.
bool find_hook(Front& f, Exchange& x) {
    if (!token_matches(x.request.header("authorization"), f.token)) {
        refuse(f, x, 401, "missing or wrong token (Authorization: Bearer, see docs/serve.md)");
        return false;
    }
    const std::string name = hook_of_target(x.request.target);
    std::string error;
    auto hooks = load_http_hooks(http_hooks_path(f.options.state_dir), error);
    if (!hooks) {
        refuse(f, x, 500, error);
        return false;
    }
    auto it = hooks->find(name);
    if (name.empty() || it == hooks->end()) {
        refuse(f, x, 404, "no hook " + (name.empty() ? x.request.target : name) + " (expected /hook/NAME of a hook "
                           "that `install --serve` registered in " + http_hooks_path(f.options.state_dir) + ")");
        return false;
    }
    x.hook_name = name;
    x.hook = it->second;
    return true;
}

// The event: one JSON object; its name and cwd are kept for the answer and the worker.
bool read_event(Front& f, Exchange& x) {
    if (x.request.body.empty()) {
        refuse(f, x, 400, "no event in the body");
        return false;
    }
    auto doc = nlohmann::json::parse(x.request.body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        refuse(f, x, 400, "the body is not one JSON object");
        return false;
    }
    if (auto it = doc.find("hook_event_name"); it != doc.end() && it->is_string()) x.event = it->get<std::string>();
    if (auto it = doc.find("cwd"); it != doc.end() && it->is_string()) x.event_cwd = it->get<std::string>();
    return true;
}

std::size_t runs_in_flight(const Front& f) {
    return static_cast<std::size_t>(std::count_if(f.exchanges.begin(), f.exchanges.end(),
                                                  [](const Exchange& e) { return e.run && !e.run->finished(); }));
}

// The agent gives up at its timeout: answer a little before it.
std::chrono::milliseconds answer_margin(std::int64_t timeout_ms) {
    return std::chrono::milliseconds(std::clamp<std::int64_t>(timeout_ms / 10, 250, 2000));
}

void on_request(Front& f, Exchange& x) {
    const auto arrived = Clock::now();
    if (!find_hook(f, x)) return;
    if (x.request.method != "POST") {
        refuse(f, x, 405, "only POST (the event as the body)");
        return;
    }
    if (!read_event(f, x)) return;
    if (runs_in_flight(f) >= static_cast<std::size_t>(f.options.max_runs)) {
        refuse(f, x, 503, "busy: " + std::to_string(f.options.max_runs) + " runs in flight");
        return;
    }
    x.run.emplace();
    if (auto e = start_run(*x.run, x.hook, x.request.body, x.event_cwd, arrived, f.options.socket_path,
                           f.options.body); !e.empty()) {
        x.run.reset();
        refuse(f, x, 500, "could not start the run: " + e);
        return;
    }
    x.answer_by = arrived + std::chrono::milliseconds(x.hook.timeout_ms) - answer_margin(x.hook.timeout_ms);
    x.deadline = x.answer_by;
}

void on_client_readable(Front& f, Exchange& x) {
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::recv(x.client.get(), buffer, sizeof buffer, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) break;
        if (n <= 0) {
            if (x.run) spdlog::warn("serve: http: hook {}: the client left mid-run; the run goes on and is recorded",
                                    x.hook_name);
            else if (!x.answered) spdlog::warn("serve: http: {} left before a whole request", x.peer);
            x.client.reset();
            x.answered = true;
            return;
        }
        if (x.answered) continue;  // after the request: nothing more is read as a request
        x.in.append(buffer, static_cast<std::size_t>(n));
    }
    if (x.answered || x.run) return;
    http::Parsed p = http::parse(x.in, x.request);
    if (p.state == http::Parsed::State::bad) {
        // An oversized event for a hook we run is recorded as that hook's (the token
        // right: find_hook refuses otherwise, with 401).
        if (p.status == 413 && !find_hook(f, x)) return;
        refuse(f, x, p.status, p.error);
    } else if (p.state == http::Parsed::State::complete) {
        on_request(f, x);
    }
}

// ---- runs ---------------------------------------------------------------------------

void after_run_io(Front& f, Exchange& x) {
    HttpRun& run = *x.run;
    if (x.answered) return;
    if (run.verdict) {
        answer_verdict(x, *run.verdict);
    } else if (!run.control) {
        // The worker ended without a verdict: it died, or refused before taking the event.
        if (!run.refused.empty()) refuse(f, x, 500, "the worker refused the run: " + run.refused);
        else if (run.armed) {
            answer_by_policy(f, x, "the worker ended before the hook's answer");
            record_armed(f, x, "the worker ended before the hook's answer");
        }
        else refuse(f, x, 500, "the worker ended before the hook started");
    }
}

void stop_worker(Exchange& x, int sig) {
    if (x.run) signal_worker(*x.run, sig);
    x.stopped = true;
}

// A deadline passed: the request never came whole, the answer is due, or it never left.
void on_deadline(Front& f, Exchange& x) {
    if (!x.answered && !x.run) {
        refuse(f, x, 408, "no whole request within " + std::to_string(f.options.request_time.count()) + " ms");
        return;
    }
    if (!x.answered && x.run) {
        answer_by_policy(f, x, "no answer before the agent's timeout of " + std::to_string(x.hook.timeout_ms) + " ms");
        if (!x.stopped) stop_worker(x, SIGTERM);  // it ends as a run told to stop: killed and recorded
        return;
    }
    if (x.client) {
        spdlog::warn("serve: http: {} did not take its answer within {} ms", x.peer, kWriteTime.count());
        x.client.reset();
    }
}

void write_response(Exchange& x) {
    while (x.sent < x.response.size()) {
        const ssize_t n = ::send(x.client.get(), x.response.data() + x.sent, x.response.size() - x.sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        if (n <= 0) {
            spdlog::warn("serve: http: {} left before its answer was sent", x.peer);
            break;
        }
        x.sent += static_cast<std::size_t>(n);
    }
    ::shutdown(x.client.get(), SHUT_WR);
    x.client.reset();
}

// ---- the loop -----------------------------------------------------------------------

UniqueFd front_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, sig);
    ::sigprocmask(SIG_BLOCK, &set, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    return UniqueFd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
}

std::string peer_of(const sockaddr_storage& addr) {
    char text[INET6_ADDRSTRLEN] = "?";
    if (addr.ss_family == AF_INET)
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(addr).sin_addr, text, sizeof text);
    if (addr.ss_family == AF_INET6)
        ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr, text, sizeof text);
    return text;
}

void accept_all(Front& f) {
    for (;;) {
        sockaddr_storage addr{};
        socklen_t size = sizeof addr;
        const int fd = ::accept4(f.listener.socket.get(), reinterpret_cast<sockaddr*>(&addr), &size,
                                 SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) return;
        Exchange x;
        x.client.reset(fd);
        x.peer = peer_of(addr);
        x.deadline = Clock::now() + f.options.request_time;
        f.exchanges.push_back(std::move(x));
        if (f.exchanges.size() > kMaxConnections) refuse(f, f.exchanges.back(), 503, "too many connections");
    }
}

void reap(Front& f) {
    int status = 0;
    for (pid_t pid; (pid = ::waitpid(-1, &status, WNOHANG)) > 0;) {
        for (auto& x : f.exchanges) {
            if (!x.run || x.run->worker != pid) continue;
            if (WIFSIGNALED(status) && !x.stopped)
                spdlog::warn("serve: http: worker {} of hook {} killed by signal {}", pid, x.hook_name, WTERMSIG(status));
            x.run->worker = -1;
        }
    }
}

void on_signals(Front& f) {
    signalfd_siginfo info{};
    while (::read(f.signals.get(), &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGCHLD) continue;
        if (f.stopping) ::_exit(0);  // a second stop signal: at once (workers die with us)
        spdlog::info("serve: http: signal {}: finishing {} request(s)", info.ssi_signo, f.exchanges.size());
        f.stopping = true;
        f.listener.socket.reset();
    }
    reap(f);
}

// The nearest deadline of an exchange that still waits for one.
Clock::time_point next_deadline(const Exchange& x) {
    auto at = x.answered ? (x.client ? x.deadline : Clock::time_point::max()) : x.deadline;
    if (x.run && x.run->armed && !x.run->verdict && x.run->worker_alive() && !x.killed)
        at = std::min(at, x.run->armed_at + std::chrono::milliseconds(x.run->armed->wait_ms));
    if (x.run && x.run->offer && x.run->offer->to_daemon) at = std::min(at, x.run->offer->by);
    return at;
}

int poll_timeout(const Front& f) {
    auto next = Clock::time_point::max();
    for (const auto& x : f.exchanges) next = std::min(next, next_deadline(x));
    if (next == Clock::time_point::max()) return -1;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(next - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, INT_MAX));
}

void expire(Front& f) {
    const auto now = Clock::now();
    for (auto& x : f.exchanges) {
        if (x.run) offer_expired(*x.run, f.options.body);
        if (x.run && x.run->armed && !x.run->verdict && x.run->worker_alive() && !x.killed &&
            now >= x.run->armed_at + std::chrono::milliseconds(x.run->armed->wait_ms)) {
            stop_worker(x, SIGKILL);  // past the worker's own bound: it is wedged
            x.killed = true;
            if (!x.answered) answer_by_policy(f, x, "no verdict within the worker's bound");
            record_armed(f, x, "the worker was killed: no verdict within its bound");
        }
        if (x.deadline <= now && (!x.answered || x.client)) on_deadline(f, x);
    }
    f.exchanges.remove_if([](const Exchange& x) { return x.done(); });
}

// Where each exchange is in the poll set.
struct Polled {
    Exchange* x;
    int what;  // 0 client, 1 control, 2 stdout, 3 stderr
};

void add_exchange_fds(Exchange& x, std::vector<pollfd>& fds, std::vector<Polled>& polled) {
    if (x.client) {
        const bool writing = x.answered && x.sent < x.response.size();
        fds.push_back({x.client.get(), static_cast<short>(writing ? POLLOUT : POLLIN), 0});
        polled.push_back({&x, 0});
    }
    if (!x.run) return;
    int i = 1;
    for (UniqueFd* fd : {&x.run->control, &x.run->out, &x.run->err}) {
        if (*fd) {
            fds.push_back({fd->get(), POLLIN, 0});
            polled.push_back({&x, i});
        }
        ++i;
    }
}

void on_ready(Front& f, const Polled& p) {
    Exchange& x = *p.x;
    if (p.what == 0) {
        if (!x.client) return;
        if (x.answered && x.sent < x.response.size()) write_response(x);
        else on_client_readable(f, x);
        return;
    }
    if (p.what == 1 && x.run->control) read_control(*x.run, f.options.body);
    if (p.what == 2 && x.run->out) read_output(*x.run, false);
    if (p.what == 3 && x.run->err) read_output(*x.run, true);
    after_run_io(f, x);
    if (x.answered && x.client && x.sent == 0 && !x.response.empty()) write_response(x);
}

void poll_once(Front& f) {
    std::vector<pollfd> fds{{f.signals.get(), POLLIN, 0}, {f.listener.socket.get(), POLLIN, 0}};
    std::vector<Polled> polled;
    for (auto& x : f.exchanges) add_exchange_fds(x, fds, polled);
    if (::poll(fds.data(), fds.size(), poll_timeout(f)) > 0) {
        if (fds[0].revents) on_signals(f);
        if (fds[1].revents && f.listener.socket) accept_all(f);
        for (std::size_t i = 0; i < polled.size(); ++i)
            if (fds[i + 2].revents) on_ready(f, polled[i]);
    }
    expire(f);
}

[[noreturn]] void run_front(HttpListener listener, const HttpOptions& options, const std::string& token) {
    Front f{std::move(listener), options, token, front_signals(), {}};
    spdlog::flush_on(spdlog::level::info);  // the log is read while the daemon runs
    spdlog::info("serve: http: listening on {} (pid {})", f.listener.address, ::getpid());
    for (;;) {
        poll_once(f);
        if (f.stopping && f.exchanges.empty()) ::_exit(0);
    }
}

// What ended a front: "exit N" or "signal N".
std::string ending_of(int status) {
    return WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                               : "exit " + std::to_string(WEXITSTATUS(status));
}

// The front's keeper: forks the front and forks it again whenever it dies (a crash, or a
// kill by anything of our uid), on the same listening socket, so that queued and later
// requests are answered rather than refused, which Claude Code reads as an allow. It is
// forked before the daemon opens anything: its fd table, which every front inherits,
// holds the listener and the log, not the daemon's clients. A front that exits 0 was
// told to stop (SIGTERM, as the daemon's stop sends every process of its unit): so is
// the keeper. Fronts that keep dying within a second of their start are forked a second
// apart, the first of them at once.
[[noreturn]] void keep_front(HttpListener listener, const HttpOptions& options, const std::string& token) {
    const pid_t keeper = ::getpid();
    spdlog::flush_on(spdlog::level::info);  // the log is read while the daemon runs
    for (int quick_deaths = 0;;) {
        const auto started = Clock::now();
        std::fflush(nullptr);
        const pid_t front = ::fork();
        if (front == 0) {
            // Ends with its keeper (and so with the daemon), finishing the requests in flight.
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (::getppid() != keeper) ::_exit(0);
            run_front(std::move(listener), options, token);
        }
        int status = 0;
        if (front > 0)
            while (::waitpid(front, &status, 0) < 0 && errno == EINTR) {
            }
        if (front > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) ::_exit(0);
        if (front < 0) spdlog::error("serve: http: cannot fork the front: {}", std::strerror(errno));
        else spdlog::error("serve: http: the front (pid {}) ended ({}); starting it again", front, ending_of(status));
        quick_deaths = Clock::now() - started < std::chrono::seconds(1) ? quick_deaths + 1 : 0;
        if (quick_deaths > 1) ::sleep(1);
    }
}

// "HOST:PORT" with HOST an IPv4 literal or [IPv6]; false when it is not one.
bool parse_address(const std::string& text, sockaddr_storage& addr, socklen_t& size) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon + 1 == text.size()) return false;
    std::string host = text.substr(0, colon);
    const std::string port_text = text.substr(colon + 1);
    if (port_text.find_first_not_of("0123456789") != std::string::npos || port_text.size() > 5) return false;
    const int port = std::stoi(port_text);
    if (port > 65535) return false;
    addr = {};
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        auto& a6 = reinterpret_cast<sockaddr_in6&>(addr);
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons(static_cast<std::uint16_t>(port));
        size = sizeof a6;
        return ::inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &a6.sin6_addr) == 1;
    }
    auto& a4 = reinterpret_cast<sockaddr_in&>(addr);
    a4.sin_family = AF_INET;
    a4.sin_port = htons(static_cast<std::uint16_t>(port));
    size = sizeof a4;
    return ::inet_pton(AF_INET, host.c_str(), &a4.sin_addr) == 1;
}

bool is_loopback(const sockaddr_storage& addr) {
    if (addr.ss_family == AF_INET)
        return (ntohl(reinterpret_cast<const sockaddr_in&>(addr).sin_addr.s_addr) >> 24) == 127;
    return IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr);
}

std::string bound_address(int fd) {
    sockaddr_storage addr{};
    socklen_t size = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size);
    const int port = addr.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in&>(addr).sin_port)
                                               : ntohs(reinterpret_cast<sockaddr_in6&>(addr).sin6_port);
    const std::string host = peer_of(addr);
    return (addr.ss_family == AF_INET6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

std::optional<HttpListener> listen_http(const std::string& address, bool any_address, std::string& error) {
    // fds 0-2 taken first: a listener or a run's pipe there would be mistaken for a
    // worker's stdin, stdout or stderr.
    for (int fd = 0; fd < 3; ++fd)
        if (::fcntl(fd, F_GETFD) < 0) ::open("/dev/null", O_RDWR);
    sockaddr_storage addr{};
    socklen_t size = 0;
    if (!parse_address(address, addr, size)) {
        error = "--http: expected IPV4:PORT or [IPV6]:PORT (for example 127.0.0.1:7393), got '" + address + "'";
        return std::nullopt;
    }
    if (!is_loopback(addr) && !any_address) {
        error = "--http " + address + ": not a loopback address; the hooks' events would be reachable from other "
                "hosts. Use 127.0.0.1, or add --http-any to listen there anyway";
        return std::nullopt;
    }
    HttpListener listener;
    listener.socket.reset(::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    const int on = 1;
    if (listener.socket) ::setsockopt(listener.socket.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (!listener.socket || ::bind(listener.socket.get(), reinterpret_cast<sockaddr*>(&addr), size) != 0 ||
        ::listen(listener.socket.get(), 128) != 0) {
        error = "--http " + address + ": " + std::strerror(errno);
        return std::nullopt;
    }
    listener.address = bound_address(listener.socket.get());
    return listener;
}

pid_t start_http_front(HttpListener listener, const HttpOptions& options, std::string& error) {
    auto token = ensure_http_token(options.state_dir, error);
    if (!token) return -1;
    const pid_t daemon = ::getpid();
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
        error = std::string("fork: ") + std::strerror(errno);
        return -1;
    }
    if (pid > 0) return pid;
    // The keeper goes with the daemon at once; its front then finishes its requests.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != daemon) ::_exit(0);
    keep_front(std::move(listener), options, *token);
}

}  // namespace hookwarden::serve
