#include "serve/http_request.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <nlohmann/json.hpp>

namespace hookwarden::serve::http {

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

Parsed bad(int status, std::string error) { return {Parsed::State::bad, status, std::move(error)}; }

// "METHOD TARGET HTTP/1.x"
Parsed request_line(std::string_view line, Request& out) {
    const auto first = line.find(' ');
    const auto last = line.rfind(' ');
    if (first == std::string_view::npos || first == last) return bad(400, "malformed request line");
    out.method = std::string(line.substr(0, first));
    out.target = std::string(line.substr(first + 1, last - first - 1));
    const std::string_view version = line.substr(last + 1);
    if (version != "HTTP/1.1" && version != "HTTP/1.0") return bad(505, "expected HTTP/1.1");
    if (out.method.empty() || out.target.empty() || out.target.front() != '/') return bad(400, "malformed request line");
    return {};
}

Parsed header_lines(std::string_view head, Request& out) {
    std::size_t pos = head.find("\r\n");
    if (auto p = request_line(head.substr(0, pos), out); p.state == Parsed::State::bad) return p;
    while (pos != std::string_view::npos && pos + 2 < head.size()) {
        const std::size_t start = pos + 2;
        pos = head.find("\r\n", start);
        const std::string_view line = head.substr(start, pos == std::string_view::npos ? pos : pos - start);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0 || line.front() == ' ' || line.front() == '\t')
            return bad(400, "malformed header line");
        out.headers.emplace_back(lower(line.substr(0, colon)), std::string(trim(line.substr(colon + 1))));
    }
    return {};
}

// The body's length: Content-Length, which an http hook always sends.
Parsed body_length(const Request& request, std::size_t max_body, std::size_t& length) {
    if (request.header("transfer-encoding")) return bad(501, "Transfer-Encoding is not supported: send Content-Length");
    const std::string* value = request.header("content-length");
    if (!value) {
        length = 0;
        return request.method == "POST" ? bad(411, "a POST needs Content-Length") : Parsed{};
    }
    unsigned long long n = 0;
    auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
    if (ec != std::errc() || end != value->data() + value->size() || value->empty())
        return bad(400, "Content-Length: expected a number");
    if (n > max_body) return bad(413, "body of " + *value + " bytes is larger than " + std::to_string(max_body));
    length = static_cast<std::size_t>(n);
    return {};
}

const char* reason_phrase(int status) {
    switch (status) {
        case 200: return "OK";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 411: return "Length Required";
        case 413: return "Content Too Large";
        case 415: return "Unsupported Media Type";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 503: return "Service Unavailable";
        case 505: return "HTTP Version Not Supported";
        default: return "Error";
    }
}

}  // namespace

const std::string* Request::header(std::string_view name) const {
    for (const auto& [key, value] : headers)
        if (key == name) return &value;
    return nullptr;
}

Parsed parse(const std::string& buffer, Request& out, std::size_t max_body) {
    const std::size_t end = buffer.find("\r\n\r\n");
    if (end == std::string::npos)
        return buffer.size() > kMaxHeaderBytes ? bad(431, "header section larger than " +
                                                              std::to_string(kMaxHeaderBytes) + " bytes")
                                               : Parsed{};
    if (end > kMaxHeaderBytes) return bad(431, "header section larger than " + std::to_string(kMaxHeaderBytes) + " bytes");
    out = Request{};
    if (auto p = header_lines(std::string_view(buffer).substr(0, end), out); p.state == Parsed::State::bad) return p;
    std::size_t length = 0;
    if (auto p = body_length(out, max_body, length); p.state == Parsed::State::bad) return p;
    if (buffer.size() - end - 4 < length) return {};
    out.body = buffer.substr(end + 4, length);
    return {Parsed::State::complete, 0, {}};
}

std::string response(int status, const std::string& body) {
    return "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n" + body;
}

std::string error_body(const std::string& text) {
    return nlohmann::json{{"error", text}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace hookwarden::serve::http
