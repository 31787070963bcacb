// The daemon's wire protocol (docs/serve.md): one SOCK_SEQPACKET message per step, so
// a message arrives whole or not at all and its size is bounded by the socket, not by
// what a peer claims. Fields are length-prefixed bytes, not JSON: the environment and
// argv are handed over byte for byte, and they need not be UTF-8.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hookwarden/run_record.h"
#include "util/fd.h"

namespace hookwarden::serve::wire {

// Bumped whenever a message changes shape; client and daemon both refuse a mismatch.
inline constexpr std::uint32_t kProtocol = 4;
// The largest message either side accepts (the hello, with argv and environment, is
// the only big one). A client whose hello would be larger runs in-process.
inline constexpr std::size_t kMaxMessage = 200 * 1024;

enum class Kind : char {
    hello = 'H',    // client -> daemon: the request; the client's stdin and claim socket attached
    refused = 'E',  // daemon or worker -> client: not taken, run it yourself (reason)
    taken = 'T',    // worker -> client: it holds the claim (worker pid, protocol, version)
    go = 'G',       // client -> worker, on the claim socket: the client's fds 1 and 2 attached
    armed = 'A',    // worker -> client: the answer if I die from now on, and how long to wait
    verdict = 'V',  // worker -> client: the run is answered (exit code)
    signal = 'S',   // client -> daemon: the agent signalled me (signal number)
    waiting = 'W',  // ready worker -> daemon: prepared, accepting clients on the listener
    queued = 'Q',   // daemon -> client: the request is valid, a worker is being forked for it
    admit = 'B',      // worker -> breaker keeper: may this hook run (serve/breakers.h)
    admission = 'b',  // keeper -> worker: the store's admission
    no_admission = 'n',  // keeper -> worker: not decided here, admit in-process
};

// The claim: one token message the client puts in a socket pair whose other end travels
// with the hello. Whoever receives the token first owns the run: the worker, which then
// starts it, or the client withdrawing (it fell back in-process). A receive is atomic,
// so the run is never started twice, and no fd of the agent's but stdin has left the
// client until a live worker holds the claim (docs/serve.md, The protocol).
inline constexpr char kClaimToken = 'C';


class Writer {
public:
    explicit Writer(Kind kind) { bytes_.push_back(static_cast<char>(kind)); }
    Writer& u32(std::uint32_t value);
    Writer& i64(std::int64_t value);
    Writer& str(std::string_view value);
    Writer& list(const std::vector<std::string>& values);
    const std::string& bytes() const { return bytes_; }

private:
    std::string bytes_;
};

// Reads what a Writer wrote. A short or overlong message sets !ok(); reads past the end
// return zero values, so a caller checks ok() once at the end.
class Reader {
public:
    explicit Reader(std::string_view bytes);
    std::optional<Kind> kind() const { return kind_; }
    std::uint32_t u32();
    std::int64_t i64();
    std::string str();
    std::vector<std::string> list();
    // Every field was there and nothing is left over.
    bool ok() const { return ok_ && pos_ == data_.size(); }
    std::size_t left() const { return data_.size() - pos_; }
    bool intact() const { return ok_; }  // every read so far found its bytes
    void fail() { ok_ = false; }

private:
    bool take(std::size_t n, const char*& out);
    std::string_view data_;
    std::size_t pos_ = 1;
    bool ok_ = true;
    std::optional<Kind> kind_;
};

// One RLIMIT_* of the client (getrlimit's values; RLIM_INFINITY as is).
struct Rlimit {
    std::uint32_t resource = 0;
    std::uint64_t soft = 0, hard = 0;
};

// The client's request: everything the run needs from the client's process.
struct Hello {
    std::uint32_t protocol = kProtocol;
    std::string version;                // hookwarden's version
    std::int64_t process_start_ns = 0;  // the client's main(), on CLOCK_MONOTONIC
    std::uint32_t umask = 022;
    std::string cwd;
    std::vector<std::string> argv;  // the client's whole command line
    std::vector<std::string> env;   // KEY=VALUE, in the client's order
    std::vector<Rlimit> rlimits;    // protocol 2: the client's resource limits
};
std::string encode(const Hello& hello);
// A hello of another protocol is refused as a version mismatch, not read further (its
// shape may differ).
std::optional<Hello> decode_hello(std::string_view bytes, std::string& error);

// The worker's answer for the case that it dies before the verdict.
struct Armed {
    int exit_code = 0;
    std::string stdout_data;
    std::string stderr_data;
    std::int64_t wait_ms = 0;  // the client waits at most this long for the verdict
    // The run's record, outcome internal_error: whoever gives the armed answer because
    // the worker is gone commits it, since no one else will. None for a dispatch, whose
    // hooks' own records may have been made. Travels as JSON (unreadable: none).
    std::optional<RunRecord> record = std::nullopt;
};
std::string encode(const Armed& armed);
std::optional<Armed> decode_armed(std::string_view bytes);

// One message with `fds` (SCM_RIGHTS) attached. MSG_NOSIGNAL; MSG_DONTWAIT unless
// `block`. 0 or the errno.
int send(int socket, const std::string& bytes, const std::vector<int>& fds = {}, bool block = false);

struct Received {
    std::string bytes;
    std::vector<UniqueFd> fds;
    bool eof = false;        // the peer closed (or reset) the connection
    bool truncated = false;  // larger than kMaxMessage, or more fds than we take
    int error = 0;           // errno of recvmsg (EAGAIN: nothing there)
};
// One message, non-blocking. Received fds are O_CLOEXEC.
Received receive(int socket);

// A received request, checked whole: its size, its shape, the protocol and version
// (ours), and its two fds (stdin and the claim). The hello, or nullopt and why not (the
// reason the client is refused with).
std::optional<Hello> check_request(const Received& got, std::string& error);

}  // namespace hookwarden::serve::wire
