#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "report/render.h"
#include "report/text.h"

namespace hookwarden::report {

namespace {

// Label values: backslash, double quote and line feed are the only escapes of the text
// exposition format; invalid UTF-8 would make the whole file unparsable.
std::string label(const std::string& value) {
    std::string out;
    for (char c : text::utf8_sanitize(value)) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '"': out += "\\\""; break;
            case '\n': out += "\\n"; break;
            default: out += c;
        }
    }
    return out;
}

// Bucket bounds in ms, compared with wall_ms as it is (no rounding of wall_ms / 1000).
constexpr double kLatencyBoundsMs[] = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};
constexpr double kMemoryRatioBounds[] = {0.25, 0.5, 0.8, 0.9, 1};
constexpr double kMiB = 1024.0 * 1024.0;

std::vector<double> bounds_with(const double* fixed, std::size_t n, const std::vector<double>& extra) {
    std::vector<double> out(fixed, fixed + n);
    out.insert(out.end(), extra.begin(), extra.end());
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

// One histogram per hook: cumulative counts of `values` at each bound, +Inf, sum, count.
// `divisor` turns a value into the label's unit (ms -> s: 1000; a division, so that
// 25 ms is written "0.025" and not a product's rounding of it).
void histogram(std::string& out, const char* name, const std::string& hook, const std::vector<double>& values,
               const std::vector<double>& bounds, double divisor) {
    double sum = 0;
    for (double v : values) sum += v;
    for (double bound : bounds) {
        auto count = std::count_if(values.begin(), values.end(), [&](double v) { return v <= bound; });
        out += fmt::format("{}_bucket{{hook=\"{}\",le=\"{}\"}} {}\n", name, hook, bucket_label(bound / divisor), count);
    }
    out += fmt::format("{}_bucket{{hook=\"{}\",le=\"+Inf\"}} {}\n", name, hook, values.size());
    out += fmt::format("{}_sum{{hook=\"{}\"}} {}\n", name, hook, text::number(sum / divisor));
    out += fmt::format("{}_count{{hook=\"{}\"}} {}\n", name, hook, values.size());
}

void family(std::string& out, const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

std::string bucket_label(double bound) { return text::number(bound); }

namespace {

struct HookRuns {
    std::vector<double> wall_ms, memory_ratio;
    std::int64_t memory_limit_mb = 0, newest_ms = 0, last_timeout_ms = 0;
};

HookRuns hook_runs(const std::vector<const RunRecord*>& records) {
    HookRuns h;
    for (const RunRecord* r : records) {
        if (r->time_unix_ms >= h.newest_ms) h.newest_ms = r->time_unix_ms, h.memory_limit_mb = r->limits.memory_mb;
        if (r->outcome == Outcome::timeout) h.last_timeout_ms = std::max(h.last_timeout_ms, r->time_unix_ms);
        if (!hook_measured(r->outcome, r->wall_ms)) continue;
        h.wall_ms.push_back(r->wall_ms);
        if (r->limits.memory_mb > 0)
            h.memory_ratio.push_back(static_cast<double>(r->peak_memory_bytes) / (static_cast<double>(r->limits.memory_mb) * kMiB));
    }
    return h;
}

void alert_metrics(std::string& out, const Report& report, const std::map<std::string, HookRuns>& runs,
                   const PrometheusBounds& extra) {
    const auto ratio_bounds = bounds_with(kMemoryRatioBounds, std::size(kMemoryRatioBounds), extra.memory_ratio);
    family(out, "hookwarden_run_peak_memory_ratio", "histogram",
           "Peak memory of each measured run's process tree as a fraction of its memory limit.");
    for (const auto& s : report.hooks)
        histogram(out, "hookwarden_run_peak_memory_ratio", label(s.hook), runs.at(s.hook).memory_ratio, ratio_bounds, 1);
    family(out, "hookwarden_memory_limit_bytes", "gauge", "Memory limit of the hook's newest recorded run.");
    for (const auto& s : report.hooks)
        out += fmt::format("hookwarden_memory_limit_bytes{{hook=\"{}\"}} {}\n", label(s.hook),
                           text::number(static_cast<double>(runs.at(s.hook).memory_limit_mb) * kMiB));
    family(out, "hookwarden_last_timeout_timestamp_seconds", "gauge",
           "Start time of the hook's newest run killed at its timeout (hooks that had one).");
    for (const auto& s : report.hooks)
        if (std::int64_t t = runs.at(s.hook).last_timeout_ms; t > 0)
            out += fmt::format("hookwarden_last_timeout_timestamp_seconds{{hook=\"{}\"}} {}\n", label(s.hook),
                               text::number(static_cast<double>(t) / 1000.0));
}

}  // namespace

std::string render_prometheus(const Report& report, const std::vector<RunRecord>& records,
                              const PrometheusBounds& extra) {
    std::map<std::string, std::vector<const RunRecord*>> by_hook;
    for (const auto& r : records)
        if (r.time_unix_ms >= report.since_ms) by_hook[r.hook].push_back(&r);
    std::map<std::string, HookRuns> runs;
    for (const auto& s : report.hooks) runs[s.hook] = hook_runs(by_hook[s.hook]);

    std::string out;
    family(out, "hookwarden_runs_total", "counter", "Hook runs in the retained records, by outcome.");
    for (const auto& s : report.hooks)
        for (const auto& [outcome, count] : s.outcomes)
            out += fmt::format("hookwarden_runs_total{{hook=\"{}\",outcome=\"{}\"}} {}\n", label(s.hook), outcome,
                               count);

    family(out, "hookwarden_run_duration_seconds", "histogram",
           "Wall time of hook runs that started, from start request to reaped process tree.");
    const auto latency_bounds = bounds_with(kLatencyBoundsMs, std::size(kLatencyBoundsMs), extra.latency_ms);
    for (const auto& s : report.hooks)
        histogram(out, "hookwarden_run_duration_seconds", label(s.hook), runs[s.hook].wall_ms, latency_bounds, 1000);

    family(out, "hookwarden_peak_memory_bytes", "gauge", "Largest peak memory of a hook run's process tree.");
    for (const auto& s : report.hooks)
        out += fmt::format("hookwarden_peak_memory_bytes{{hook=\"{}\"}} {}\n", label(s.hook),
                           text::number(s.memory_max_bytes));

    family(out, "hookwarden_breaker_trips_total", "counter", "Times a run opened the hook's circuit breaker.");
    for (const auto& s : report.hooks)
        out += fmt::format("hookwarden_breaker_trips_total{{hook=\"{}\"}} {}\n", label(s.hook), s.breaker_trips);

    family(out, "hookwarden_timeouts_total", "counter", "Hook runs killed at their timeout.");
    for (const auto& s : report.hooks)
        out += fmt::format("hookwarden_timeouts_total{{hook=\"{}\"}} {}\n", label(s.hook), s.timeouts);

    family(out, "hookwarden_oom_kills_total", "counter", "Hook runs hit by the OOM killer.");
    for (const auto& s : report.hooks)
        out += fmt::format("hookwarden_oom_kills_total{{hook=\"{}\"}} {}\n", label(s.hook), s.oom_kills);

    family(out, "hookwarden_last_run_timestamp_seconds", "gauge", "Start time of the hook's newest recorded run.");
    for (const auto& s : report.hooks)
        out += fmt::format("hookwarden_last_run_timestamp_seconds{{hook=\"{}\"}} {}\n", label(s.hook),
                           text::number(static_cast<double>(s.last_run_ms) / 1000.0));
    alert_metrics(out, report, runs, extra);
    return out;
}

}  // namespace hookwarden::report
