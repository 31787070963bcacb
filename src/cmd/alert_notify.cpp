#include "cmd/alert_notify.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include <nlohmann/json.hpp>

#include "store/store.h"
#include "util/fd.h"
#include "util/fs.h"

namespace hookwarden::cmd {

namespace {

using Clock = std::chrono::steady_clock;

int left_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

struct Url {
    std::string host, port = "80", path = "/";
};

std::optional<Url> parse_url(const std::string& url) {
    if (url.rfind("http://", 0) != 0) return std::nullopt;
    std::string rest = url.substr(7);
    Url u;
    if (auto slash = rest.find('/'); slash != std::string::npos) u.path = rest.substr(slash), rest.resize(slash);
    if (auto colon = rest.rfind(':'); colon != std::string::npos) u.port = rest.substr(colon + 1), rest.resize(colon);
    u.host = rest;
    if (u.host.empty()) return std::nullopt;
    return u;
}

// A non-blocking connect that gives up at the deadline.
UniqueFd connect_by(const Url& u, Clock::time_point deadline, std::string& why) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (int rc = ::getaddrinfo(u.host.c_str(), u.port.c_str(), &hints, &found); rc != 0) {
        why = "cannot resolve " + u.host + ": " + ::gai_strerror(rc);
        return UniqueFd();
    }
    UniqueFd fd(::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    int rc = fd ? ::connect(fd.get(), found->ai_addr, found->ai_addrlen) : -1;
    ::freeaddrinfo(found);
    if (rc != 0 && errno == EINPROGRESS) {
        pollfd p{fd.get(), POLLOUT, 0};
        int error = 0;
        socklen_t len = sizeof error;
        if (::poll(&p, 1, left_ms(deadline)) <= 0) error = ETIMEDOUT;
        else ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &len);
        rc = error == 0 ? 0 : (errno = error, -1);
    }
    if (rc != 0) {
        why = "cannot connect to " + u.host + ":" + u.port + ": " + std::strerror(errno);
        return UniqueFd();
    }
    return fd;
}

// Sends `request` and reads until the status line is in, or the deadline.
std::string exchange(int fd, const std::string& request, Clock::time_point deadline) {
    std::size_t sent = 0;
    std::string reply;
    char buffer[1024];
    while (reply.find("\r\n") == std::string::npos) {
        pollfd p{fd, static_cast<short>(sent < request.size() ? POLLOUT : POLLIN), 0};
        if (::poll(&p, 1, left_ms(deadline)) <= 0) return "no answer within " + std::to_string(kWebhookTimeoutMs) + " ms";
        if (sent < request.size()) {
            ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
            if (n < 0 && errno != EAGAIN) return std::string("send: ") + std::strerror(errno);
            sent += n > 0 ? static_cast<std::size_t>(n) : 0;
            continue;
        }
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n == 0) return "connection closed without an answer";
        if (n < 0 && errno != EAGAIN) return std::string("recv: ") + std::strerror(errno);
        if (n > 0) reply.append(buffer, static_cast<std::size_t>(n));
    }
    const std::string status = reply.substr(0, reply.find("\r\n"));
    auto space = status.find(' ');
    if (space != std::string::npos && status.compare(space + 1, 1, "2") == 0) return "";
    return "answered " + status;
}

// Runs `command` with the alert in its environment and on stdin; killed (with its
// process group) at the bound.
std::string run_command(const std::vector<std::string>& command, const alerts::HookAlert& a, const std::string& body) {
    int in[2];
    if (::pipe2(in, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::setpgid(0, 0);
        ::dup2(in[0], 0);
        ::setenv("HOOKWARDEN_ALERT", alert_name(a.rule.kind), 1);
        ::setenv("HOOKWARDEN_HOOK", a.hook.c_str(), 1);
        ::setenv("HOOKWARDEN_ALERT_WHY", a.evaluation.now.why.c_str(), 1);
        std::vector<char*> argv;
        for (const auto& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
        argv.push_back(nullptr);
        ::execvp(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(in[0]);
    if (pid < 0) return ::close(in[1]), std::string("fork: ") + std::strerror(errno);
    fs::write_all(in[1], body);  // small: fits the pipe
    ::close(in[1]);
    const auto deadline = Clock::now() + std::chrono::milliseconds(kNotifyCommandTimeoutMs);
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (Clock::now() >= deadline) {
            ::kill(-pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return command.front() + ": killed after " + std::to_string(kNotifyCommandTimeoutMs) + " ms";
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
    return command.front() + (WIFEXITED(status) ? ": exit " + std::to_string(WEXITSTATUS(status)) : ": killed by a signal");
}

std::string tell(const alerts::HookAlert& a) {
    const std::string body = alert_payload(a);
    std::string error;
    if (!a.rule.notify.command.empty()) error = run_command(a.rule.notify.command, a, body);
    if (!a.rule.notify.webhook.empty())
        if (std::string e = post_webhook(a.rule.notify.webhook, body, kWebhookTimeoutMs); !e.empty())
            error += (error.empty() ? "" : "; ") + ("webhook " + a.rule.notify.webhook + ": " + e);
    return error;
}

void log_line(const std::string& state_dir, const std::string& line) {
    ::mkdir((state_dir + "/alerts").c_str(), 0700);
    int fd = ::open((state_dir + "/" + kNotifyLog).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return;
    fs::write_all(fd, std::to_string(fs::now_unix_ms()) + " " + line + "\n");
    ::close(fd);
}

}  // namespace

std::string alert_payload(const alerts::HookAlert& a) {
    nlohmann::ordered_json j{{"alert", alert_name(a.rule.kind)}, {"hook", a.hook},       {"event", a.event},
                             {"state", "firing"},               {"firing_since_ms", a.evaluation.firing_since_ms},
                             {"value", a.evaluation.now.value}, {"threshold", a.rule.threshold},
                             {"why", a.evaluation.now.why}};
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string post_webhook(const std::string& url, const std::string& body, int timeout_ms) {
    auto u = parse_url(url);
    if (!u) return "not an http:// URL";
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    std::string why;
    UniqueFd fd = connect_by(*u, deadline, why);
    if (!fd) return why;
    const std::string request = "POST " + u->path + " HTTP/1.1\r\nHost: " + u->host + ":" + u->port +
                                "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                                "\r\nConnection: close\r\nUser-Agent: hookwarden\r\n\r\n" + body;
    return exchange(fd.get(), request, deadline);
}

bool notify_alerts(const AlertView& view, const std::string& state_dir, std::ostream& err) {
    std::string error;
    auto s = store::Store::open(state_dir, error);
    if (!s) return err << "hookwarden: alerts --notify: " << error << "\n", false;
    auto told = s->notified();
    bool all_ok = true;
    for (const auto& a : view.active) {
        if (!a.evaluation.firing || (a.rule.notify.command.empty() && a.rule.notify.webhook.empty())) continue;
        auto it = std::find_if(told.begin(), told.end(), [&](const auto& n) { return n.hook == a.hook && n.kind == a.rule.kind; });
        if (it != told.end()) {
            told.erase(it);  // still firing, already told
            continue;
        }
        std::string failed = tell(a);
        s->set_notified({a.hook, a.rule.kind, fs::now_unix_ms(), failed});
        if (failed.empty()) continue;
        all_ok = false;
        const std::string line = std::string(alert_name(a.rule.kind)) + " for hook '" + a.hook + "': " + failed;
        err << "hookwarden: alerts --notify: " << line << "\n";
        log_line(state_dir, line);
    }
    for (const auto& gone : told) s->forget_notified(gone.hook, gone.kind);  // no longer firing
    return all_ok;
}

}  // namespace hookwarden::cmd
