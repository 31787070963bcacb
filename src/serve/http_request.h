// One HTTP/1.1 request, read incrementally from a non-blocking socket (docs/serve.md,
// "HTTP hooks"). Only what an http hook sends: a request line, headers and a body of
// Content-Length bytes. Everything is bounded (header section, body) and a malformed
// request is an error with the status to answer, never an exception.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookwarden::serve::http {

inline constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
inline constexpr std::size_t kMaxBodyBytes = 1024 * 1024;

struct Request {
    std::string method, target;
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    std::string body;
    // The first header of `name` (lower case), or null.
    const std::string* header(std::string_view name) const;
};

struct Parsed {
    enum class State { incomplete, complete, bad } state = State::incomplete;
    int status = 0;     // bad: the status to answer (400, 411, 413, 431, 501, 505)
    std::string error;  // bad: why, for the answer and the log
};

// Parses `buffer` (everything received so far). Complete: `out` is filled; bad: `out`
// holds what was read before the fault (the target, the headers), for the log.
Parsed parse(const std::string& buffer, Request& out, std::size_t max_body = kMaxBodyBytes);

// A whole response with Connection: close. `body` is sent as application/json.
std::string response(int status, const std::string& body);

// `{"error": TEXT}` as a JSON body (TEXT made valid UTF-8).
std::string error_body(const std::string& text);

}  // namespace hookwarden::serve::http
