#include "serve/daemon.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <list>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "serve/breakers.h"
#include "serve/listener.h"
#include "serve/peer.h"
#include "serve/socket_path.h"

namespace hookwarden::serve {

namespace {

using Clock = std::chrono::steady_clock;

// How long after a run's worker ended the pool is refilled: past the client's exit and
// the agent's reaction to the verdict (measured: docs/performance.md).
constexpr std::chrono::milliseconds kRefillDelay{5};
// How long the pool waits for the breaker keeper's first open of the store (Daemon).
constexpr std::chrono::milliseconds kKeeperOpenBound{1000};

// One client connection, from accept to the worker's exit.
struct Connection {
    enum class State { hello, running } state = State::hello;
    UniqueFd socket;
    Clock::time_point deadline;   // for the hello
    wire::Hello hello;
    pid_t worker = -1;
    bool client_gone = false;     // EOF seen while running: stop polling it
};

// A worker forked ahead of any client. It accepts a client on the listener itself (and
// then tells us on `control`), or gets one from us on `control`.
struct ReadyWorker {
    pid_t pid = -1;
    UniqueFd control;
    bool waiting = false;  // prepared, and accepting clients on the listener
    bool ended = false;    // end of file on `control` seen: it exited, reap() removes it
};

struct Daemon {
    const DaemonOptions& options;
    Listener listener;
    UniqueFd signals;
    std::list<Connection> connections;
    std::list<ReadyWorker> ready;
    Clock::time_point refill_after{};  // a run just ended, or a ready worker died idle: not yet
    // The breaker keeper's first open of the store (its end of file: done) and how long
    // the pool waits for it. A new store's open writes its schema and gate inside a
    // transaction; ready workers forked after it never find that write lock held, nor
    // do the in-process runs of clients that saw them (docs/serve.md). Clients are
    // served meanwhile, by workers forked for them.
    UniqueFd keeper_opening{};
    Clock::time_point keeper_deadline{};
    bool stopping = false;
    Clock::time_point last_activity = Clock::now();
    std::uint64_t refused = 0;
};

// fds 0-2 must be taken, or received fds would land there and be mistaken for ours.
void fill_standard_fds() {
    for (int fd = 0; fd < 3; ++fd)
        if (::fcntl(fd, F_GETFD) < 0) ::open("/dev/null", O_RDWR);
}

UniqueFd daemon_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, sig);
    ::sigprocmask(SIG_BLOCK, &set, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    return UniqueFd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
}

// A malformed, foreign or unwanted request: the client gets the reason and runs the
// hook itself; the log keeps it.
void refuse(Daemon& d, Connection& c, const std::string& why) {
    ++d.refused;
    spdlog::warn("serve: refused a request: {}", why);
    wire::send(c.socket.get(), wire::Writer(wire::Kind::refused).str(why).bytes());
    c.socket.reset();
}

void on_readable(Daemon& d, Connection& c);

void accept_one(Daemon& d, int fd) {
    Connection c;
    c.socket.reset(fd);
    c.deadline = Clock::now() + d.options.request_time;
    if (auto refused = refusal_of_peer(fd)) {
        refuse(d, c, refused->why);
        return;
    }
    const auto busy = std::count_if(d.connections.begin(), d.connections.end(),
                                    [](const Connection& k) { return k.state != Connection::State::hello; });
    if (busy >= d.options.max_runs) {
        refuse(d, c, "busy: " + std::to_string(busy) + " runs in flight");
        return;
    }
    d.connections.push_back(std::move(c));
    // The client sends its hello right after connecting: it is usually there already.
    on_readable(d, d.connections.back());
}

void accept_all(Daemon& d) {
    for (;;) {
        int fd = ::accept4(d.listener.socket.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) return;
        d.last_activity = Clock::now();
        accept_one(d, fd);
    }
}

void start_worker(Daemon& d, Connection& c, std::vector<UniqueFd> fds);

// The request: checked, then handed to a worker at once (the worker answers "taken").
void on_hello(Daemon& d, Connection& c, wire::Received& got) {
    std::string error;
    auto hello = wire::check_request(got, error);
    if (!hello) {
        refuse(d, c, error);
        return;
    }
    c.hello = std::move(*hello);
    start_worker(d, c, std::move(got.fds));
}

// The ready pool: workers forked while nothing runs, so that a run finds one waiting
// (its sandbox, guardian and placed child made) and costs the daemon no fork.
void fork_ready(Daemon& d) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) return;
    // A job is a hello, up to wire::kMaxMessage: it must fit the socket's buffer whole.
    const int buffer = 4 * static_cast<int>(wire::kMaxMessage);
    ::setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
    const pid_t daemon = ::getpid();
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) become_ready_worker(pair[1], d.listener.socket.get(), daemon, d.options.ready, d.options.body);
    ::close(pair[1]);
    if (pid < 0) {
        spdlog::error("serve: fork of a ready worker: {}", std::strerror(errno));
        ::close(pair[0]);
        d.refill_after = Clock::now() + std::chrono::seconds(1);
        return;
    }
    d.ready.push_back({pid, UniqueFd(pair[0])});
}

// Refilled only while no run is in flight, and not at once after one ended: making a
// ready run (cgroups, a guardian, a child's migration) must not compete for the CPU with
// a hook, nor with the client's exit and the agent's next step right after a verdict.
void fill_pool(Daemon& d) {
    if (d.stopping || Clock::now() < d.refill_after) return;
    if (d.keeper_opening) {
        if (Clock::now() < d.keeper_deadline) return;
        spdlog::warn("serve: the breaker keeper has not opened the store yet; filling the pool anyway");
        d.keeper_opening.reset();
    }
    const bool running = std::any_of(d.connections.begin(), d.connections.end(),
                                     [](const Connection& c) { return c.state == Connection::State::running; });
    while (!running && static_cast<int>(d.ready.size()) < d.options.pool && Clock::now() >= d.refill_after)
        fork_ready(d);
}

// The run goes to a ready worker, if one is waiting and takes the job: its pid, or -1.
pid_t hand_to_ready(Daemon& d, Connection& c, const std::vector<UniqueFd>& client_fds) {
    while (!d.ready.empty()) {
        ReadyWorker worker = std::move(d.ready.front());
        d.ready.pop_front();
        std::vector<int> fds{c.socket.get()};
        for (const auto& fd : client_fds) fds.push_back(fd.get());
        if (wire::send(worker.control.get(), wire::encode(c.hello), fds, true) == 0) {
            spdlog::info("serve: run to ready worker {} (handed over by the daemon)", worker.pid);
            return worker.pid;
        }
        ::kill(worker.pid, SIGKILL);  // reaped by reap()
    }
    return -1;
}

// The client's stdin and claim go to the worker, which takes the claim or finds that
// the client withdrew it; ours are closed once it has them.
void start_worker(Daemon& d, Connection& c, std::vector<UniqueFd> fds) {
    // The client's handshake bound is for a daemon that does not answer; this one does.
    wire::send(c.socket.get(), wire::Writer(wire::Kind::queued).bytes());
    if (const pid_t ready = hand_to_ready(d, c, fds); ready > 0) {
        c.worker = ready;
        c.state = Connection::State::running;
        return;
    }
    const pid_t daemon = ::getpid();
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) become_worker(c.socket.get(), std::move(fds), c.hello, daemon, d.options.body);
    if (pid < 0) {
        // No worker holds the claim: the client sees the connection close and runs the hook itself.
        spdlog::error("serve: fork: {}", std::strerror(errno));
        c.socket.reset();
        return;
    }
    spdlog::info("serve: run to new worker {} (none ready)", pid);
    c.worker = pid;
    c.state = Connection::State::running;
}

// The client is waiting for its verdict: a signal it got is passed on; EOF means the
// client (the agent's hook process) is gone, which ends the run as a supervisor's
// SIGTERM does, so that it is still answered by policy and recorded.
void on_running(Connection& c, wire::Received& got) {
    wire::Reader r(got.bytes);
    if (got.eof || got.error) {
        c.client_gone = true;
        ::kill(c.worker, SIGTERM);
        return;
    }
    if (r.kind() != wire::Kind::signal) return;
    const int sig = static_cast<int>(r.u32());
    if (r.ok() && (sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT)) ::kill(c.worker, sig);
}

void on_readable(Daemon& d, Connection& c) {
    wire::Received got = wire::receive(c.socket.get());
    if (got.error == EAGAIN) return;
    d.last_activity = Clock::now();
    switch (c.state) {
        case Connection::State::hello:
            if (got.eof || got.error) c.socket.reset();
            else on_hello(d, c, got);
            break;
        case Connection::State::running:
            on_running(c, got);
            break;
    }
}

// Workers that exited: their connections close (a worker that died without a verdict
// leaves the client at EOF, and the client answers by the armed answer).
void reap(Daemon& d) {
    int status = 0;
    for (pid_t pid; (pid = ::waitpid(-1, &status, WNOHANG)) > 0;) {
        auto idle = std::find_if(d.ready.begin(), d.ready.end(), [pid](const ReadyWorker& w) { return w.pid == pid; });
        if (idle != d.ready.end()) {
            spdlog::warn("serve: ready worker {} ended before a run (status {:#x}); refilling in 1 s", pid, status);
            d.ready.erase(idle);
            d.refill_after = Clock::now() + std::chrono::seconds(1);
        }
        for (auto& c : d.connections) {
            if (c.worker != pid) continue;
            d.refill_after = std::max(d.refill_after, Clock::now() + kRefillDelay);
            if (WIFSIGNALED(status))
                spdlog::warn("serve: worker {} killed by signal {}", pid, WTERMSIG(status));
            c.socket.reset();
            c.worker = -1;
        }
    }
}

void on_signals(Daemon& d) {
    signalfd_siginfo info{};
    while (::read(d.signals.get(), &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGCHLD) continue;
        // The first stop signal stops accepting and lets the runs in flight finish.
        if (d.stopping) std::exit(0);
        spdlog::info("serve: signal {}: finishing {} connection(s)", info.ssi_signo, d.connections.size());
        d.stopping = true;
        d.listener.close();
        d.ready.clear();  // their end of file: they let their ready runs go and exit
    }
    reap(d);
}

// A ready worker's word about a connection it accepted (serve/worker.h): it took the
// run (we watch the connection from now on, as for one we handed over), or the request
// is to be refused with its reason, or it is ours to read from the start.
void on_ready_worker(Daemon& d, pid_t pid) {
    auto worker = std::find_if(d.ready.begin(), d.ready.end(), [pid](const ReadyWorker& w) { return w.pid == pid; });
    if (worker == d.ready.end()) return;  // handed a run meanwhile
    wire::Received got = wire::receive(worker->control.get());
    if (got.error == EAGAIN) return;
    wire::Reader r(got.bytes);
    if (got.eof || got.error) {
        worker->ended = true;
        return;
    }
    if (r.kind() == wire::Kind::waiting) {
        worker->waiting = true;
        spdlog::info("serve: ready worker {} waiting", worker->pid);
    }
    if (got.fds.size() != 1) return;
    d.last_activity = Clock::now();
    const int fd = got.fds[0].release();
    if (r.kind() == wire::Kind::taken) {
        Connection c;
        c.socket.reset(fd);
        c.state = Connection::State::running;
        c.worker = worker->pid;
        d.connections.push_back(std::move(c));
        spdlog::info("serve: run to ready worker {} (accepted by it)", worker->pid);
        d.ready.erase(worker);
    } else if (r.kind() == wire::Kind::refused) {
        Connection c;
        c.socket.reset(fd);
        refuse(d, c, r.str());
    } else {
        accept_one(d, fd);
    }
}

// When poll must return at the latest: the nearest request deadline, or the idle exit.
int poll_timeout(const Daemon& d) {
    std::optional<Clock::time_point> next;
    for (const auto& c : d.connections)
        if (c.state != Connection::State::running && (!next || c.deadline < *next)) next = c.deadline;
    if (d.connections.empty() && d.options.idle_exit.count() > 0) {
        auto idle = d.last_activity + d.options.idle_exit;
        if (!next || idle < *next) next = idle;
    }
    if (static_cast<int>(d.ready.size()) < d.options.pool && d.refill_after > Clock::now() &&
        (!next || d.refill_after < *next))
        next = d.refill_after;
    if (d.keeper_opening && (!next || d.keeper_deadline < *next)) next = d.keeper_deadline;
    if (!next) return -1;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(*next - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, INT_MAX));
}

// Requests that did not arrive in time are dropped (bounded in time as in size).
void expire(Daemon& d) {
    const auto now = Clock::now();
    for (auto& c : d.connections) {
        if (c.state == Connection::State::running || !c.socket || c.deadline > now) continue;
        refuse(d, c, "no request within the time allowed");
    }
    d.connections.remove_if([](const Connection& c) { return !c.socket && c.worker < 0; });
}

// One round: wait for the listener, a connection, a signal or a deadline; handle it.
// While a ready worker waits, the clients are its to accept: the daemon accepts only
// when none does (one still preparing, a burst beyond the pool, --pool 0), so a client
// never waits for it.
void poll_once(Daemon& d) {
    const bool accepting =
        std::none_of(d.ready.begin(), d.ready.end(), [](const ReadyWorker& w) { return w.waiting && !w.ended; });
    std::vector<pollfd> fds{{d.signals.get(), POLLIN, 0},
                            {accepting ? d.listener.socket.get() : -1, POLLIN, 0},
                            {d.keeper_opening.get(), POLLIN, 0}};
    std::vector<pid_t> workers;
    for (const auto& w : d.ready) {
        if (w.ended) continue;
        fds.push_back({w.control.get(), POLLIN, 0});
        workers.push_back(w.pid);
    }
    std::vector<Connection*> polled;
    for (auto& c : d.connections) {
        if (!c.socket || c.client_gone) continue;
        fds.push_back({c.socket.get(), POLLIN, 0});
        polled.push_back(&c);
    }
    if (::poll(fds.data(), fds.size(), poll_timeout(d)) > 0) {
        constexpr std::size_t first_worker = 3;
        const std::size_t first_connection = first_worker + workers.size();
        for (std::size_t i = 0; i < polled.size(); ++i)
            if (fds[first_connection + i].revents && polled[i]->socket) on_readable(d, *polled[i]);
        for (std::size_t i = 0; i < workers.size(); ++i)
            if (fds[first_worker + i].revents) on_ready_worker(d, workers[i]);
        if (fds[2].revents) d.keeper_opening.reset();  // its open is over: the pool may be made
        if (fds[1].revents && d.listener.socket) accept_all(d);
        if (fds[0].revents) on_signals(d);
    }
    expire(d);
}

// The breaker keeper (serve/breakers.h), before the first worker: workers admit through
// it; without it they admit as in-process runs do.
void start_keeper(Daemon& d, const std::string& socket_path) {
    std::string error;
    const pid_t keeper =
        start_breaker_keeper(socket_path, store::default_state_dir(),
                             {d.listener.socket.get(), d.listener.lock.get(), d.signals.get()}, d.keeper_opening, error);
    d.keeper_deadline = Clock::now() + kKeeperOpenBound;
    if (keeper < 0) spdlog::warn("serve: no breaker keeper ({}); workers open the store themselves", error);
    else spdlog::info("serve: breaker keeper pid {}", keeper);
}

}  // namespace

int serve(const DaemonOptions& options, std::string& error) {
    fill_standard_fds();
    spdlog::flush_on(spdlog::level::info);  // the log is read while the daemon runs
    const std::string path = options.socket_path.empty() ? default_socket_path() : options.socket_path;
    auto listener = listen_on(path, error);
    if (!listener) return 1;
    Daemon d{options, std::move(*listener), daemon_signals(), {}, {}};
    spdlog::info("serve: listening on {} (pid {})", d.listener.path, ::getpid());
    start_keeper(d, path);
    for (;;) {
        fill_pool(d);
        poll_once(d);
        if (!d.connections.empty()) continue;
        if (d.stopping) return 0;
        if (options.idle_exit.count() > 0 && Clock::now() - d.last_activity >= options.idle_exit) {
            spdlog::info("serve: idle for {} ms, exiting", options.idle_exit.count());
            d.ready.clear();
            return 0;
        }
    }
}

}  // namespace hookwarden::serve
