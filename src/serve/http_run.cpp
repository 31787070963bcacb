#include "serve/http_run.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "util/fs.h"

extern char** environ;

namespace hookwarden::serve {

namespace {

// Output beyond this is dropped (the run's own output limit is far smaller).
constexpr std::size_t kMaxOutput = 4 * 1024 * 1024;

// The front's environment with CLAUDE_PROJECT_DIR set as Claude Code sets it for a
// command hook: the project the hook was installed for, else the event's cwd.
std::vector<std::string> hook_environment(const HttpHook& hook, const std::string& cwd) {
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e)
        if (std::strncmp(*e, "CLAUDE_PROJECT_DIR=", 19) != 0) env.emplace_back(*e);
    env.push_back("CLAUDE_PROJECT_DIR=" + (hook.project_dir.empty() ? cwd : hook.project_dir));
    return env;
}

bool is_directory(const std::string& path) {
    struct stat st{};
    return !path.empty() && path.front() == '/' && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The event as a file the worker reads to its end.
UniqueFd event_file(const std::string& event) {
    UniqueFd fd(::memfd_create("hookwarden-http-event", MFD_CLOEXEC));
    if (!fd || fs::write_all(fd.get(), event) != 0 || ::lseek(fd.get(), 0, SEEK_SET) != 0) return {};
    return fd;
}

wire::Hello hello_for(const HttpHook& hook, const std::string& cwd, std::chrono::steady_clock::time_point start) {
    wire::Hello hello;
    hello.version = HOOKWARDEN_VERSION;
    hello.process_start_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(start.time_since_epoch()).count();
    const mode_t mask = ::umask(077);
    ::umask(mask);
    hello.umask = mask;
    const std::string dir = is_directory(cwd) ? cwd : is_directory(hook.project_dir) ? hook.project_dir : "/";
    hello.cwd = dir;
    hello.argv = hook.argv;
    hello.env = hook_environment(hook, dir);
    return hello;
}

void append_bounded(std::string& into, const char* data, std::size_t n) {
    if (into.size() < kMaxOutput) into.append(data, std::min(n, kMaxOutput - into.size()));
}

}  // namespace

namespace {

// How long the daemon has to take the run before the front forks its worker (the
// handshake bound of `run`'s client, serve/client.h).
constexpr std::chrono::milliseconds kOfferBound{50};

// The worker forked here: the same worker as the daemon's, on a socket pair.
std::string fork_worker(HttpRun& run, const WorkerBody& body) {
    HttpRun::Offer& offer = *run.offer;
    int control[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control) != 0)
        return std::string("socketpair: ") + std::strerror(errno);
    UniqueFd ours(control[0]), theirs(control[1]);
    std::string error;
    auto claim = make_claim(error);  // a fresh one: the daemon's copy of the old may still come
    if (!claim) return error;
    const pid_t front = ::getpid();
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        std::vector<UniqueFd> fds;
        fds.push_back(std::move(offer.stdin_fd));
        fds.push_back(std::move(claim->theirs));
        become_worker(theirs.get(), std::move(fds), offer.hello, front, body);
    }
    if (pid < 0) return std::string("fork: ") + std::strerror(errno);
    ::fcntl(ours.get(), F_SETFL, O_NONBLOCK);
    claim->theirs.reset();
    offer.claim = std::move(*claim);
    offer.to_daemon = false;
    run.worker = pid;
    run.control = std::move(ours);
    return {};
}

// Sends the request to the daemon; false when there is none to take it.
bool offer_to_daemon(HttpRun& run, const std::string& socket_path) {
    HttpRun::Offer& offer = *run.offer;
    std::string why;
    UniqueFd sock = connect_daemon(socket_path, why);
    auto claim = sock ? make_claim(why) : std::nullopt;
    if (!claim || wire::send(sock.get(), wire::encode(offer.hello), {offer.stdin_fd.get(), claim->theirs.get()}) != 0) {
        spdlog::debug("serve: http: not through the daemon: {}", why);
        return false;
    }
    offer.claim = std::move(*claim);
    offer.to_daemon = true;
    offer.by = std::chrono::steady_clock::now() + kOfferBound;
    run.control = std::move(sock);
    return true;
}

// "taken": the worker gets the output pipes; nothing of the offer is kept.
void on_taken(HttpRun& run, pid_t worker) {
    HttpRun::Offer& offer = *run.offer;
    if (offer.to_daemon) run.served = worker;
    if (int e = wire::send(offer.claim.ours.get(), wire::Writer(wire::Kind::go).bytes(),
                           {offer.out_w.get(), offer.err_w.get()}, true);
        e != 0)
        spdlog::warn("serve: http: sending go to worker {}: {}", worker, std::strerror(e));
    run.offer.reset();  // our copies of the write ends go: their end of file is the worker's
    run.taken = true;
}

// Not taken (refused, the connection's end, or too slow): a worker of ours takes it over
// unless the daemon's already holds the claim.
void fall_back(HttpRun& run, const WorkerBody& body, const std::string& why) {
    if (!withdraw(run.offer->claim)) return;  // its "taken" comes, or its end of file
    spdlog::info("serve: http: the daemon did not take the run ({}); a worker of the front runs it", why);
    run.control.reset();
    if (auto error = fork_worker(run, body); !error.empty()) {
        run.refused = "could not start the run: " + error;
        run.offer.reset();
    }
}

}  // namespace

std::string start_run(HttpRun& run, const HttpHook& hook, const std::string& event, const std::string& cwd,
                      std::chrono::steady_clock::time_point start, const std::string& socket_path,
                      const WorkerBody& body) {
    int out[2], err[2];
    HttpRun::Offer& offer = run.offer.emplace();
    offer.stdin_fd = event_file(event);
    if (!offer.stdin_fd) return std::string("memfd: ") + std::strerror(errno);
    if (::pipe2(out, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
    run.out.reset(out[0]), offer.out_w.reset(out[1]);
    if (::pipe2(err, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
    run.err.reset(err[0]), offer.err_w.reset(err[1]);
    for (int fd : {run.out.get(), run.err.get()}) ::fcntl(fd, F_SETFL, O_NONBLOCK);
    offer.hello = hello_for(hook, cwd, start);
    if (!socket_path.empty() && offer_to_daemon(run, socket_path)) return {};
    return fork_worker(run, body);
}

void offer_expired(HttpRun& run, const WorkerBody& body) {
    if (run.offer && run.offer->to_daemon && std::chrono::steady_clock::now() >= run.offer->by)
        fall_back(run, body, "no answer within " + std::to_string(kOfferBound.count()) + " ms");
}

void signal_worker(HttpRun& run, int sig) {
    if (run.worker > 0) ::kill(run.worker, sig);
    else if (run.served > 0 && sig == SIGKILL) ::kill(run.served, SIGKILL);
    else if (run.served > 0 && run.control) wire::send(run.control.get(), wire::Writer(wire::Kind::signal).u32(static_cast<std::uint32_t>(sig)).bytes());
}

void read_control(HttpRun& run, const WorkerBody& body) {
    for (;;) {
        wire::Received got = wire::receive(run.control.get());
        if (got.error == EAGAIN) return;
        wire::Reader r(got.bytes);
        const bool ended = got.eof || got.error;
        if (run.offer && run.offer->to_daemon && (ended || r.kind() == wire::Kind::refused)) {
            fall_back(run, body, ended ? "the daemon closed the connection" : "refused: " + r.str());
            if (run.offer && run.offer->to_daemon) run.control.reset();  // its worker took it and died
            return;
        }
        if (ended) {
            run.control.reset();
            return;
        }
        switch (r.kind().value_or(wire::Kind::hello)) {
            case wire::Kind::taken: {
                const auto worker = static_cast<pid_t>(r.u32());
                if (run.offer) on_taken(run, worker);
                break;
            }
            case wire::Kind::armed:
                run.armed = wire::decode_armed(got.bytes);
                run.armed_at = std::chrono::steady_clock::now();
                break;
            case wire::Kind::verdict: {
                const auto code = r.u32();
                if (r.ok()) run.verdict = static_cast<int>(code);
                break;
            }
            case wire::Kind::refused: run.refused = r.str(); break;
            default: spdlog::warn("serve: http: worker {} sent an unexpected message", run.worker);
        }
    }
}

void read_output(HttpRun& run, bool stderr_pipe) {
    UniqueFd& fd = stderr_pipe ? run.err : run.out;
    std::string& into = stderr_pipe ? run.err_data : run.out_data;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n > 0) {
            append_bounded(into, buffer, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        fd.reset();  // EOF or an error: nothing more comes
        return;
    }
}

void drain_output(HttpRun& run) {
    if (run.out) read_output(run, false);
    if (run.err) read_output(run, true);
}

}  // namespace hookwarden::serve
