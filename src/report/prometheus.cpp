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

// Bucket bounds in ms so that a 5 ms run lands in le="0.005" exactly, without the
// rounding of wall_ms / 1000.
struct Bucket {
    double ms;
    const char* le;
};
constexpr Bucket kBuckets[] = {{5, "0.005"}, {10, "0.01"},  {25, "0.025"}, {50, "0.05"},
                               {100, "0.1"}, {250, "0.25"}, {500, "0.5"},  {1000, "1"},
                               {2500, "2.5"}, {5000, "5"},  {10000, "10"}};

void family(std::string& out, const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

std::string render_prometheus(const Report& report, const std::vector<RunRecord>& records) {
    std::map<std::string, std::vector<const RunRecord*>> by_hook;
    for (const auto& r : records)
        if (r.time_unix_ms >= report.since_ms) by_hook[r.hook].push_back(&r);

    std::string out;
    family(out, "hookwarden_runs_total", "counter", "Hook runs in the retained records, by outcome.");
    for (const auto& s : report.hooks)
        for (const auto& [outcome, count] : s.outcomes)
            out += fmt::format("hookwarden_runs_total{{hook=\"{}\",outcome=\"{}\"}} {}\n", label(s.hook), outcome,
                               count);

    family(out, "hookwarden_run_duration_seconds", "histogram",
           "Wall time of hook runs that started, from start request to reaped process tree.");
    for (const auto& s : report.hooks) {
        const std::string hook = label(s.hook);
        std::size_t counts[std::size(kBuckets)] = {};
        std::size_t count = 0;
        double sum_ms = 0;
        for (const RunRecord* r : by_hook[s.hook]) {
            if (!hook_started(r->outcome)) continue;
            ++count;
            sum_ms += r->wall_ms;
            for (std::size_t i = 0; i < std::size(kBuckets); ++i)
                if (r->wall_ms <= kBuckets[i].ms) ++counts[i];  // cumulative: every bucket it fits
        }
        for (std::size_t i = 0; i < std::size(kBuckets); ++i)
            out += fmt::format("hookwarden_run_duration_seconds_bucket{{hook=\"{}\",le=\"{}\"}} {}\n", hook,
                               kBuckets[i].le, counts[i]);
        out += fmt::format("hookwarden_run_duration_seconds_bucket{{hook=\"{}\",le=\"+Inf\"}} {}\n", hook, count);
        out += fmt::format("hookwarden_run_duration_seconds_sum{{hook=\"{}\"}} {}\n", hook,
                           text::number(sum_ms / 1000.0));
        out += fmt::format("hookwarden_run_duration_seconds_count{{hook=\"{}\"}} {}\n", hook, count);
    }

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
    return out;
}

}  // namespace hookwarden::report
