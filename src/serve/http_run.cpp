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

std::string start_run(HttpRun& run, const HttpHook& hook, const std::string& event, const std::string& cwd,
                      std::chrono::steady_clock::time_point start, const WorkerBody& body) {
    int control[2], out[2], err[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control) != 0)
        return std::string("socketpair: ") + std::strerror(errno);
    UniqueFd ours(control[0]), theirs(control[1]);
    UniqueFd stdin_fd = event_file(event);
    if (!stdin_fd) return std::string("memfd: ") + std::strerror(errno);
    if (::pipe2(out, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
    UniqueFd out_r(out[0]), out_w(out[1]);
    if (::pipe2(err, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
    UniqueFd err_r(err[0]), err_w(err[1]);
    const wire::Hello hello = hello_for(hook, cwd, start);
    const pid_t front = ::getpid();
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        std::vector<UniqueFd> fds;
        fds.push_back(std::move(stdin_fd));
        fds.push_back(std::move(out_w));
        fds.push_back(std::move(err_w));
        become_worker(theirs.get(), std::move(fds), hello, front, body);
    }
    if (pid < 0) return std::string("fork: ") + std::strerror(errno);
    for (int fd : {ours.get(), out_r.get(), err_r.get()}) ::fcntl(fd, F_SETFL, O_NONBLOCK);
    run.worker = pid;
    run.control = std::move(ours);
    run.out = std::move(out_r);
    run.err = std::move(err_r);
    return {};
}

void read_control(HttpRun& run) {
    for (;;) {
        wire::Received got = wire::receive(run.control.get());
        if (got.error == EAGAIN) return;
        if (got.eof || got.error) {
            run.control.reset();
            return;
        }
        wire::Reader r(got.bytes);
        switch (r.kind().value_or(wire::Kind::hello)) {
            case wire::Kind::taken: run.taken = true; break;
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
