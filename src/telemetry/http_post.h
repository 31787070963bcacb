// A small blocking HTTP/1.1 POST over a TCP socket, for the OTLP exporter
// (docs/observability.md "OpenTelemetry"): http:// only, one request per connection,
// every step bounded by one deadline. No TLS: a collector on another machine is reached
// through a local collector or a TLS-terminating proxy (README "Design").
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace hookwarden::telemetry {

struct Endpoint {
    std::string host, port = "80", base_path;  // base_path without a trailing slash
};

// Parses "http://HOST[:PORT][/PATH]". "" with `out` set, or what is wrong with it.
std::string parse_endpoint(const std::string& url, Endpoint& out);

struct HttpResult {
    int status = 0;      // the HTTP status; 0 when no response came
    std::string error;   // "" when a response came (any status)
    std::string body;    // of the response, at most 64 KiB
};

// POSTs `body` to endpoint.base_path + path within timeout_ms (connect, send and the
// response together).
HttpResult post(const Endpoint& endpoint, const std::string& path, const std::string& content_type,
                const std::string& body, const std::map<std::string, std::string>& headers, std::int64_t timeout_ms);

}  // namespace hookwarden::telemetry
