#include "telemetry/http_post.h"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/fd.h"

namespace hookwarden::telemetry {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

bool wait_for(int fd, short events, Clock::time_point deadline) {
    pollfd p{fd, events, 0};
    for (;;) {
        int n = ::poll(&p, 1, remaining_ms(deadline));
        if (n > 0) return true;
        if (n == 0 || errno != EINTR) return false;
    }
}

// A non-blocking connect to the first address that answers before the deadline.
std::string connect_to(const Endpoint& e, Clock::time_point deadline, UniqueFd& out) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (int rc = ::getaddrinfo(e.host.c_str(), e.port.c_str(), &hints, &found); rc != 0)
        return "cannot resolve '" + e.host + "': " + ::gai_strerror(rc);
    std::string error = "no address for '" + e.host + "'";
    for (addrinfo* a = found; a; a = a->ai_next) {
        UniqueFd fd(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
        if (!fd) continue;
        if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
            error = std::string("connect: ") + std::strerror(errno);
            continue;
        }
        if (!wait_for(fd.get(), POLLOUT, deadline)) {
            error = "connect: timed out";
            continue;
        }
        int so_error = 0;
        socklen_t len = sizeof so_error;
        ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &so_error, &len);
        if (so_error != 0) {
            error = std::string("connect: ") + std::strerror(so_error);
            continue;
        }
        out = std::move(fd);
        error.clear();
        break;
    }
    ::freeaddrinfo(found);
    return error;
}

std::string send_all(int fd, const std::string& data, Clock::time_point deadline) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        if (!wait_for(fd, POLLOUT, deadline)) return "send: timed out";
        ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) return std::string("send: ") + std::strerror(errno);
        if (n > 0) sent += static_cast<std::size_t>(n);
    }
    return "";
}

// Reads until the server closes (we asked for Connection: close), the declared body is
// complete, or the deadline.
std::string receive(int fd, Clock::time_point deadline, std::string& response) {
    char buffer[8192];
    for (;;) {
        const std::size_t head_end = response.find("\r\n\r\n");
        if (head_end != std::string::npos) {
            const std::size_t at = response.find("Content-Length:");
            const std::size_t lower = at == std::string::npos ? response.find("content-length:") : at;
            if (lower != std::string::npos && lower < head_end &&
                response.size() >= head_end + 4 + std::strtoul(response.c_str() + lower + 15, nullptr, 10))
                return "";
        }
        if (response.size() > 65536) return "";
        if (!wait_for(fd, POLLIN, deadline)) return "no response before the timeout";
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n == 0) return "";
        if (n < 0 && errno != EAGAIN && errno != EINTR) return std::string("recv: ") + std::strerror(errno);
        if (n > 0) response.append(buffer, static_cast<std::size_t>(n));
    }
}

}  // namespace

std::string parse_endpoint(const std::string& url, Endpoint& out) {
    const std::string scheme = "http://";
    if (url.rfind("https://", 0) == 0)
        return "https is not supported (use http:// to a local collector or a TLS-terminating proxy)";
    if (url.rfind(scheme, 0) != 0) return "expected an http:// URL, got '" + url + "'";
    std::string rest = url.substr(scheme.size());
    const std::size_t slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    out.base_path = slash == std::string::npos ? "" : rest.substr(slash);
    while (!out.base_path.empty() && out.base_path.back() == '/') out.base_path.pop_back();
    if (authority.empty()) return "no host in '" + url + "'";
    std::size_t colon = authority.rfind(':');
    if (authority.front() == '[') {  // [v6]:port
        const std::size_t close = authority.find(']');
        if (close == std::string::npos) return "unclosed '[' in '" + url + "'";
        out.host = authority.substr(1, close - 1);
        colon = authority.size() > close + 1 && authority[close + 1] == ':' ? close + 1 : std::string::npos;
    } else {
        out.host = authority.substr(0, colon);
    }
    if (colon != std::string::npos) {
        out.port = authority.substr(colon + 1);
        if (out.port.empty() || out.port.find_first_not_of("0123456789") != std::string::npos || out.port.size() > 5)
            return "bad port in '" + url + "'";
    }
    return out.host.empty() ? "no host in '" + url + "'" : "";
}

HttpResult post(const Endpoint& e, const std::string& path, const std::string& content_type, const std::string& body,
                const std::map<std::string, std::string>& headers, std::int64_t timeout_ms) {
    HttpResult result;
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    UniqueFd fd;
    if (result.error = connect_to(e, deadline, fd); !result.error.empty()) return result;
    std::string request = "POST " + e.base_path + path + " HTTP/1.1\r\nHost: " + e.host + ":" + e.port +
                          "\r\nContent-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) +
                          "\r\nConnection: close\r\nUser-Agent: hookwarden\r\n";
    for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
    request += "\r\n" + body;
    if (result.error = send_all(fd.get(), request, deadline); !result.error.empty()) return result;
    std::string response;
    if (result.error = receive(fd.get(), deadline, response); !result.error.empty()) return result;
    if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12) {
        result.error = "not an HTTP response";
        return result;
    }
    result.status = std::atoi(response.c_str() + 9);
    const std::size_t head_end = response.find("\r\n\r\n");
    if (head_end != std::string::npos) result.body = response.substr(head_end + 4);
    return result;
}

}  // namespace hookwarden::telemetry
