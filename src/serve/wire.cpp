#include "serve/wire.h"

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <sys/socket.h>

#include <nlohmann/json.hpp>

namespace hookwarden::serve::wire {

namespace {

// At most the three standard fds travel; more is a malformed request.
// The client's three with the go; the daemon hands a ready worker the connection too.
constexpr std::size_t kMaxFds = 4;

}  // namespace

Writer& Writer::u32(std::uint32_t value) {
    bytes_.append(reinterpret_cast<const char*>(&value), sizeof value);
    return *this;
}

Writer& Writer::i64(std::int64_t value) {
    bytes_.append(reinterpret_cast<const char*>(&value), sizeof value);
    return *this;
}

Writer& Writer::str(std::string_view value) {
    u32(static_cast<std::uint32_t>(value.size()));
    bytes_.append(value);
    return *this;
}

Writer& Writer::list(const std::vector<std::string>& values) {
    u32(static_cast<std::uint32_t>(values.size()));
    for (const auto& value : values) str(value);
    return *this;
}

Reader::Reader(std::string_view bytes) : data_(bytes) {
    if (bytes.empty()) {
        ok_ = false;
        pos_ = 0;
        return;
    }
    kind_ = static_cast<Kind>(bytes.front());
}

bool Reader::take(std::size_t n, const char*& out) {
    if (!ok_ || data_.size() - pos_ < n) {
        ok_ = false;
        return false;
    }
    out = data_.data() + pos_;
    pos_ += n;
    return true;
}

std::uint32_t Reader::u32() {
    std::uint32_t value = 0;
    const char* at = nullptr;
    if (take(sizeof value, at)) std::memcpy(&value, at, sizeof value);
    return value;
}

std::int64_t Reader::i64() {
    std::int64_t value = 0;
    const char* at = nullptr;
    if (take(sizeof value, at)) std::memcpy(&value, at, sizeof value);
    return value;
}

std::string Reader::str() {
    const std::uint32_t size = u32();
    const char* at = nullptr;
    return take(size, at) ? std::string(at, size) : std::string();
}

std::vector<std::string> Reader::list() {
    const std::uint32_t count = u32();
    std::vector<std::string> values;
    // Every entry takes at least its 4-byte length: a count beyond that is a lie.
    if (count > (data_.size() - pos_) / sizeof(std::uint32_t)) {
        ok_ = false;
        return values;
    }
    values.reserve(count);
    for (std::uint32_t i = 0; i < count && ok_; ++i) values.push_back(str());
    return values;
}

namespace {

// At most one entry per resource a kernel could have; the count is checked against the
// bytes left before anything is read.
std::vector<Rlimit> read_rlimits(Reader& r) {
    constexpr std::uint32_t kMaxRlimits = 64;
    constexpr std::size_t kEntry = sizeof(std::uint32_t) + 2 * sizeof(std::int64_t);
    std::vector<Rlimit> limits;
    const std::uint32_t count = r.u32();
    if (count > kMaxRlimits || count * kEntry > r.left()) {
        r.fail();
        return limits;
    }
    for (std::uint32_t i = 0; i < count; ++i) {
        Rlimit limit;
        limit.resource = r.u32();
        limit.soft = static_cast<std::uint64_t>(r.i64());
        limit.hard = static_cast<std::uint64_t>(r.i64());
        limits.push_back(limit);
    }
    return limits;
}

}  // namespace

std::string encode(const Hello& h) {
    Writer w(Kind::hello);
    w.u32(h.protocol).str(h.version).i64(h.process_start_ns).u32(h.umask).str(h.cwd).list(h.argv).list(h.env);
    w.u32(static_cast<std::uint32_t>(h.rlimits.size()));
    for (const auto& limit : h.rlimits)
        w.u32(limit.resource).i64(static_cast<std::int64_t>(limit.soft)).i64(static_cast<std::int64_t>(limit.hard));
    return w.bytes();
}

std::optional<Hello> decode_hello(std::string_view bytes, std::string& error) {
    Reader r(bytes);
    if (r.kind() != Kind::hello) {
        error = "expected a hello message";
        return std::nullopt;
    }
    Hello h;
    h.protocol = r.u32();
    h.version = r.str();
    if (r.intact() && h.protocol != kProtocol) {
        // Another protocol may have another shape: named as what it is, not as malformed.
        error = "version mismatch: client hookwarden " + h.version + " (protocol " + std::to_string(h.protocol) +
                "), daemon protocol " + std::to_string(kProtocol);
        return std::nullopt;
    }
    h.process_start_ns = r.i64();
    h.umask = r.u32();
    h.cwd = r.str();
    h.argv = r.list();
    h.env = r.list();
    h.rlimits = read_rlimits(r);
    if (!r.ok()) {
        error = "malformed hello (" + std::to_string(bytes.size()) + " bytes)";
        return std::nullopt;
    }
    if (h.argv.empty() || h.cwd.empty() || h.cwd.front() != '/') {
        error = "hello without argv or an absolute working directory";
        return std::nullopt;
    }
    return h;
}

std::optional<Hello> check_request(const Received& got, std::string& error) {
    if (got.truncated) {
        error = "request larger than " + std::to_string(kMaxMessage) + " bytes or with extra fds";
        return std::nullopt;
    }
    auto hello = decode_hello(got.bytes, error);
    if (!hello) return std::nullopt;
    if (hello->protocol != kProtocol || hello->version != HOOKWARDEN_VERSION) {
        error = "version mismatch: client hookwarden " + hello->version + " (protocol " +
                std::to_string(hello->protocol) + "), daemon " HOOKWARDEN_VERSION " (protocol " +
                std::to_string(kProtocol) + ")";
        return std::nullopt;
    }
    if (got.fds.size() != 2) {
        error = "expected the client's stdin and claim socket with the hello, got " + std::to_string(got.fds.size()) +
                " fds";
        return std::nullopt;
    }
    return hello;
}

std::string encode(const Armed& a) {
    Writer w(Kind::armed);
    w.u32(static_cast<std::uint32_t>(a.exit_code)).str(a.stdout_data).str(a.stderr_data).i64(a.wait_ms);
    w.str(a.record ? nlohmann::json(*a.record).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) : "");
    return w.bytes();
}

std::optional<Armed> decode_armed(std::string_view bytes) {
    Reader r(bytes);
    Armed a;
    a.exit_code = static_cast<int>(r.u32());
    a.stdout_data = r.str();
    a.stderr_data = r.str();
    a.wait_ms = r.i64();
    if (const std::string record = r.str(); !record.empty()) {
        auto parsed = nlohmann::json::parse(record, nullptr, false);
        try {
            if (!parsed.is_discarded()) a.record = parsed.get<RunRecord>();
        } catch (const nlohmann::json::exception&) {
        }
    }
    if (r.kind() != Kind::armed || !r.ok()) return std::nullopt;
    return a;
}

int send(int socket, const std::string& bytes, const std::vector<int>& fds, bool block) {
    iovec iov{const_cast<char*>(bytes.data()), bytes.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
    if (!fds.empty()) {
        if (fds.size() > kMaxFds) return EINVAL;
        msg.msg_control = control;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    for (;;) {
        ssize_t n = ::sendmsg(socket, &msg, MSG_NOSIGNAL | (block ? 0 : MSG_DONTWAIT));
        if (n == static_cast<ssize_t>(bytes.size())) return 0;
        if (n >= 0) return EMSGSIZE;
        if (errno != EINTR) return errno;
    }
}

Received receive(int socket) {
    Received got;
    // One buffer for the process: both sides are single-threaded, and a fresh 200 KiB
    // per message would be most of a small message's cost.
    static std::vector<char> buffer(kMaxMessage + 1);
    iovec iov{buffer.data(), buffer.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * (kMaxFds + 1))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = -1;
    do n = ::recvmsg(socket, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
    while (n < 0 && errno == EINTR);
    // A peer that closed with a message of ours unread leaves ECONNRESET pending, and the
    // kernel reports it before the messages it sent us first (a job the daemon queued
    // for a ready worker whose "waiting" it had not read): that error is consumed by the
    // read that reports it, so the next read gets them, or the end of file.
    if (n < 0 && errno == ECONNRESET) {
        do n = ::recvmsg(socket, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
        while (n < 0 && errno == EINTR);
        if (n < 0) errno = ECONNRESET;
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); n >= 0 && c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
            int fd = -1;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            got.fds.emplace_back(fd);
        }
    }
    if (n < 0) {
        got.error = errno;
        got.eof = errno == ECONNRESET || errno == EPIPE;
        return got;
    }
    got.eof = n == 0;
    got.truncated = static_cast<std::size_t>(n) > kMaxMessage || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
                    got.fds.size() > kMaxFds;
    got.bytes.assign(buffer.data(), std::min(static_cast<std::size_t>(n), kMaxMessage));
    return got;
}

}  // namespace hookwarden::serve::wire
