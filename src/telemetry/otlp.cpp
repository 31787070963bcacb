#include "telemetry/otlp.h"

#include <cmath>
#include <map>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "hookwarden/run_aggregate.h"

namespace hookwarden::telemetry {

namespace {

using json = nlohmann::json;

constexpr int kSpanKindInternal = 1;          // opentelemetry.proto.trace.v1.Span.SpanKind
constexpr int kStatusOk = 1, kStatusError = 2;  // Status.StatusCode
constexpr int kTemporalityDelta = 1;          // AggregationTemporality: each batch counts its own runs

std::uint64_t fnv1a(const std::string& text, std::uint64_t seed) {
    std::uint64_t h = 14695981039346656037ull ^ seed;
    for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
    return h ? h : 1;  // an all-zero id is invalid in OTLP
}

// Integer arithmetic for the milliseconds: a double holds only 53 bits, and Unix time in
// nanoseconds needs 61.
std::string nanos(std::int64_t unix_ms, double plus_ms = 0) {
    return std::to_string(unix_ms * 1'000'000 + std::llround(plus_ms * 1e6));
}

json str_attr(const std::string& key, const std::string& value) { return {{"key", key}, {"value", {{"stringValue", value}}}}; }
json int_attr(const std::string& key, std::int64_t value) {
    return {{"key", key}, {"value", {{"intValue", std::to_string(value)}}}};
}
json double_attr(const std::string& key, double value) { return {{"key", key}, {"value", {{"doubleValue", value}}}}; }

std::string host_name() {
    char name[256] = {};
    return ::gethostname(name, sizeof name - 1) == 0 ? std::string(name) : std::string();
}

json resource(const std::string& service_name) {
    json attributes = json::array({str_attr("service.name", service_name), str_attr("service.version", HOOKWARDEN_VERSION)});
    if (std::string host = host_name(); !host.empty()) attributes.push_back(str_attr("host.name", host));
    return {{"attributes", attributes}};
}

json scope() { return {{"name", "hookwarden"}, {"version", HOOKWARDEN_VERSION}}; }

json span_attributes(const IdentifiedRun& run) {
    const RunRecord& r = run.second;
    json a = json::array({str_attr("hookwarden.hook.name", r.hook), str_attr("hookwarden.hook.event", r.event),
                          str_attr("hookwarden.outcome", to_string(r.outcome)),
                          str_attr("hookwarden.answer", to_string(r.answer)),
                          double_attr("hookwarden.latency_ms", r.wall_ms),
                          double_attr("hookwarden.cpu.user_ms", r.cpu_user_ms),
                          double_attr("hookwarden.cpu.sys_ms", r.cpu_sys_ms),
                          int_attr("hookwarden.memory.peak_bytes", r.peak_memory_bytes),
                          int_attr("hookwarden.limit.timeout_ms", r.limits.timeout_ms),
                          int_attr("hookwarden.limit.memory_mb", r.limits.memory_mb),
                          int_attr("hookwarden.limit.pids", r.limits.pids),
                          int_attr("hookwarden.limit.cpu_percent", r.limits.cpu_percent),
                          int_attr("hookwarden.limit.output_kb", r.limits.output_kb),
                          str_attr("hookwarden.backend", r.backend), double_attr("hookwarden.overhead_ms", r.overhead_ms),
                          int_attr("hookwarden.record.id", run.first)});
    if (r.exit_code) a.push_back(int_attr("process.exit.code", *r.exit_code));
    if (r.signal) a.push_back(int_attr("hookwarden.signal", *r.signal));
    if (!r.matcher_target.empty()) a.push_back(str_attr("hookwarden.matcher_target", r.matcher_target));
    if (!r.session_id.empty()) a.push_back(str_attr(kSessionAttribute, r.session_id));
    return a;
}

json span(const IdentifiedRun& run) {
    const RunRecord& r = run.second;
    const bool failed = is_failure(r.outcome) || r.outcome == Outcome::internal_error;
    json status = {{"code", failed ? kStatusError : kStatusOk}};
    if (failed) status["message"] = to_string(r.outcome);
    return {{"traceId", trace_id_of(run)},
            {"spanId", span_id_of(run)},
            {"name", "hook " + r.hook},
            {"kind", kSpanKindInternal},
            {"startTimeUnixNano", nanos(r.time_unix_ms)},
            {"endTimeUnixNano", nanos(r.time_unix_ms, r.wall_ms)},
            {"attributes", span_attributes(run)},
            {"status", status}};
}

using Key = std::tuple<std::string, std::string>;  // hook, event

json point_attributes(const RunAggregate& a) {
    return json::array({str_attr("hookwarden.hook.name", a.hook), str_attr("hookwarden.hook.event", a.event)});
}

json runs_metric(const std::map<Key, RunAggregate>& by_pair) {
    json points = json::array();
    for (const auto& [key, a] : by_pair)
        for (const auto& [outcome, n] : a.outcomes) {
            json attributes = point_attributes(a);
            attributes.push_back(str_attr("hookwarden.outcome", outcome));
            points.push_back({{"attributes", attributes}, {"startTimeUnixNano", nanos(a.first_ms)},
                              {"timeUnixNano", nanos(a.last_ms)}, {"asInt", std::to_string(n)}});
        }
    return {{"name", "hookwarden.hook.runs"}, {"unit", "{run}"}, {"description", "hook runs by outcome"},
            {"sum", {{"aggregationTemporality", kTemporalityDelta}, {"isMonotonic", true}, {"dataPoints", points}}}};
}

json latency_metric(const std::map<Key, RunAggregate>& by_pair) {
    json points = json::array();
    for (const auto& [key, a] : by_pair) {
        if (a.measured_runs == 0) continue;
        json counts = json::array();
        for (std::int64_t n : a.latency_buckets) counts.push_back(std::to_string(n));
        points.push_back({{"attributes", point_attributes(a)}, {"startTimeUnixNano", nanos(a.first_ms)},
                          {"timeUnixNano", nanos(a.last_ms)}, {"count", std::to_string(a.measured_runs)},
                          {"sum", a.wall_ms_sum}, {"bucketCounts", counts},
                          {"explicitBounds", kLatencyBoundsMs}, {"max", a.wall_ms_max}});
    }
    return {{"name", "hookwarden.hook.duration"}, {"unit", "ms"}, {"description", "wall time of hook runs that started"},
            {"histogram", {{"aggregationTemporality", kTemporalityDelta}, {"dataPoints", points}}}};
}

json memory_metric(const std::map<Key, RunAggregate>& by_pair) {
    json points = json::array();
    for (const auto& [key, a] : by_pair) {
        if (a.measured_runs == 0) continue;
        json attributes = point_attributes(a);
        points.push_back({{"attributes", attributes}, {"timeUnixNano", nanos(a.last_ms)},
                          {"asInt", std::to_string(a.peak_memory_max)}});
    }
    return {{"name", "hookwarden.hook.peak_memory"}, {"unit", "By"},
            {"description", "largest peak memory of the hook's process tree over the batch"},
            {"gauge", {{"dataPoints", points}}}};
}

}  // namespace

std::string trace_id_of(const IdentifiedRun& run) {
    const std::string basis = run.second.session_id.empty() ? "run:" + std::to_string(run.first) + ":" +
                                                                  std::to_string(run.second.time_unix_ms)
                                                            : "session:" + run.second.session_id;
    return fmt::format("{:016x}{:016x}", fnv1a(basis, 1), fnv1a(basis, 2));
}

std::string span_id_of(const IdentifiedRun& run) {
    return fmt::format("{:016x}", fnv1a(std::to_string(run.first) + ":" + std::to_string(run.second.time_unix_ms) +
                                            ":" + run.second.hook, 3));
}

std::string encode_traces(const std::vector<IdentifiedRun>& runs, const std::string& service_name) {
    json spans = json::array();
    for (const auto& run : runs) spans.push_back(span(run));
    json request = {{"resourceSpans", json::array({{{"resource", resource(service_name)},
                                                     {"scopeSpans", json::array({{{"scope", scope()}, {"spans", spans}}})}}})}};
    return request.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode_metrics(const std::vector<IdentifiedRun>& runs, const std::string& service_name) {
    std::map<Key, RunAggregate> by_pair;
    for (const auto& [id, r] : runs) {
        RunAggregate& a = by_pair[{r.hook, r.event}];
        a.hook = r.hook;
        a.event = r.event;
        add_run(a, r);
    }
    json metrics = json::array({runs_metric(by_pair), latency_metric(by_pair), memory_metric(by_pair)});
    json request = {{"resourceMetrics", json::array({{{"resource", resource(service_name)},
                                                      {"scopeMetrics", json::array({{{"scope", scope()}, {"metrics", metrics}}})}}})}};
    return request.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace hookwarden::telemetry
