// The OTLP/JSON encoding of runs and the HTTP client, against a real loopback socket.
// (The payload is checked against the official protobuf definitions in tests/otlp/.)
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "telemetry/exporter.h"
#include "telemetry/http_post.h"
#include "telemetry/otlp.h"

using namespace hookwarden;
using nlohmann::json;

namespace {

telemetry::IdentifiedRun run(std::int64_t id, const std::string& session, Outcome outcome, double wall_ms) {
    RunRecord r;
    r.time_unix_ms = 1'780'000'000'000 + id;
    r.hook = "guard";
    r.event = "PreToolUse";
    r.session_id = session;
    r.outcome = outcome;
    r.exit_code = outcome == Outcome::ok ? 0 : 1;
    r.wall_ms = wall_ms;
    r.peak_memory_bytes = 1000 * id;
    r.limits.memory_mb = 50;
    return {id, r};
}

std::string attribute(const json& span, const std::string& key) {
    for (const auto& a : span["attributes"])
        if (a["key"] == key) return a["value"].dump();
    return "";
}

// A one-shot HTTP server on loopback: accepts one connection, reads the request, answers.
struct OneShotServer {
    int fd = -1;
    int port = 0;
    std::string request;
    std::thread thread;
    explicit OneShotServer(std::string answer) {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::listen(fd, 4);
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
        thread = std::thread([this, answer] {
            int c = ::accept(fd, nullptr, nullptr);
            char buf[65536];
            for (;;) {
                ssize_t n = ::recv(c, buf, sizeof buf, 0);
                if (n <= 0) break;
                request.append(buf, static_cast<std::size_t>(n));
                auto head = request.find("\r\n\r\n");
                auto cl = request.find("Content-Length: ");
                if (head != std::string::npos && cl != std::string::npos &&
                    request.size() >= head + 4 + std::stoul(request.substr(cl + 16))) break;
            }
            if (!answer.empty()) ::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
            else std::this_thread::sleep_for(std::chrono::milliseconds(600));
            ::close(c);
        });
    }
    ~OneShotServer() {
        thread.join();
        ::close(fd);
    }
};

}  // namespace

TEST(OtlpTraces, OneSpanPerRunWithTheSessionAttribute) {
    auto traces = json::parse(telemetry::encode_traces(
        {run(1, "sess-a", Outcome::ok, 12.5), run(2, "sess-a", Outcome::timeout, 300), run(3, "", Outcome::ok, 1)},
        "hookwarden"));
    const auto& spans = traces["resourceSpans"][0]["scopeSpans"][0]["spans"];
    ASSERT_EQ(spans.size(), 3u);
    EXPECT_EQ(attribute(spans[0], "session.id"), "{\"stringValue\":\"sess-a\"}");
    EXPECT_EQ(attribute(spans[2], "session.id"), "");  // no session, no attribute
    EXPECT_EQ(spans[0]["traceId"], spans[1]["traceId"]);  // one trace per session
    EXPECT_NE(spans[0]["traceId"], spans[2]["traceId"]);
    EXPECT_NE(spans[0]["spanId"], spans[1]["spanId"]);
    EXPECT_EQ(spans[0]["traceId"].get<std::string>().size(), 32u);
    EXPECT_EQ(spans[0]["spanId"].get<std::string>().size(), 16u);
    EXPECT_EQ(spans[0]["startTimeUnixNano"], "1780000000001000000");
    EXPECT_EQ(spans[0]["endTimeUnixNano"], "1780000000013500000");
    EXPECT_EQ(spans[0]["status"]["code"], 1);
    EXPECT_EQ(spans[1]["status"]["code"], 2);
    EXPECT_EQ(spans[1]["status"]["message"], "timeout");
    EXPECT_EQ(attribute(spans[1], "hookwarden.outcome"), "{\"stringValue\":\"timeout\"}");
    EXPECT_EQ(attribute(spans[1], "process.exit.code"), "{\"intValue\":\"1\"}");
    EXPECT_EQ(attribute(spans[0], "hookwarden.limit.memory_mb"), "{\"intValue\":\"50\"}");
    EXPECT_EQ(attribute(spans[0], "hookwarden.latency_ms"), "{\"doubleValue\":12.5}");
    // The same record gives the same ids: a re-export is the same span.
    EXPECT_EQ(telemetry::span_id_of(run(1, "sess-a", Outcome::ok, 12.5)), spans[0]["spanId"]);
}

TEST(OtlpMetrics, CountsHistogramAndPeakMemoryPerHookAndEvent) {
    auto metrics = json::parse(telemetry::encode_metrics(
        {run(1, "s", Outcome::ok, 0.5), run(2, "s", Outcome::ok, 7), run(3, "s", Outcome::error, 70000)}, "hw"));
    const auto& list = metrics["resourceMetrics"][0]["scopeMetrics"][0]["metrics"];
    ASSERT_EQ(list.size(), 3u);
    EXPECT_EQ(list[0]["name"], "hookwarden.hook.runs");
    std::map<std::string, std::string> by_outcome;
    for (const auto& p : list[0]["sum"]["dataPoints"]) by_outcome[p["attributes"][2]["value"]["stringValue"]] = p["asInt"];
    EXPECT_EQ(by_outcome["ok"], "2");
    EXPECT_EQ(by_outcome["error"], "1");
    const auto& h = list[1]["histogram"]["dataPoints"][0];
    EXPECT_EQ(h["count"], "3");
    EXPECT_EQ(h["explicitBounds"].size() + 1, h["bucketCounts"].size());
    EXPECT_EQ(h["bucketCounts"][0], "1");   // 0.5 ms <= 1
    EXPECT_EQ(h["bucketCounts"][3], "1");   // 7 ms <= 10
    EXPECT_EQ(h["bucketCounts"].back(), "1");  // above 60 s
    EXPECT_EQ(h["max"], 70000);
    EXPECT_EQ(list[2]["gauge"]["dataPoints"][0]["asInt"], "3000");
    EXPECT_EQ(metrics["resourceMetrics"][0]["resource"]["attributes"][0]["value"]["stringValue"], "hw");
}

TEST(HttpPost, EndpointParsing) {
    telemetry::Endpoint e;
    EXPECT_EQ(telemetry::parse_endpoint("http://127.0.0.1:4318/otel/", e), "");
    EXPECT_EQ(e.host, "127.0.0.1");
    EXPECT_EQ(e.port, "4318");
    EXPECT_EQ(e.base_path, "/otel");
    EXPECT_EQ(telemetry::parse_endpoint("http://[::1]:9/", e), "");
    EXPECT_EQ(e.host, "::1");
    EXPECT_EQ(e.port, "9");
    EXPECT_NE(telemetry::parse_endpoint("https://x", e).find("https is not supported"), std::string::npos);
    EXPECT_NE(telemetry::parse_endpoint("http://x:99999999", e), "");
    EXPECT_NE(telemetry::parse_endpoint("ftp://x", e), "");
}

TEST(HttpPost, PostsAndReadsTheStatus) {
    OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
    telemetry::Endpoint e;
    ASSERT_EQ(telemetry::parse_endpoint("http://127.0.0.1:" + std::to_string(server.port) + "/base", e), "");
    auto r = telemetry::post(e, "/v1/traces", "application/json", "{\"a\":1}", {{"Authorization", "Bearer x"}}, 2000);
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "{}");
    server.thread.join();
    server.thread = std::thread([] {});
    EXPECT_EQ(server.request.rfind("POST /base/v1/traces HTTP/1.1\r\n", 0), 0u) << server.request;
    EXPECT_NE(server.request.find("Authorization: Bearer x\r\n"), std::string::npos);
    EXPECT_NE(server.request.find("\r\n\r\n{\"a\":1}"), std::string::npos);
}

TEST(HttpPost, ASilentServerTimesOutInTime) {
    OneShotServer server("");  // reads the request, never answers
    telemetry::Endpoint e;
    ASSERT_EQ(telemetry::parse_endpoint("http://127.0.0.1:" + std::to_string(server.port), e), "");
    auto start = std::chrono::steady_clock::now();
    auto r = telemetry::post(e, "/v1/traces", "application/json", "{}", {}, 200);
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.error, "no response before the timeout");
    EXPECT_LT(took, std::chrono::milliseconds(550));
}

TEST(HttpPost, RefusedConnectionIsAnError) {
    telemetry::Endpoint e;
    ASSERT_EQ(telemetry::parse_endpoint("http://127.0.0.1:1", e), "");
    auto r = telemetry::post(e, "/v1/traces", "application/json", "{}", {}, 500);
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.error.find("connect"), std::string::npos);
}
