#include "report/stats.h"

#include <algorithm>
#include <set>

namespace hookwarden::report {

Percentiles percentiles(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    Percentiles out;
    if (values.empty()) return out;
    out.p50 = nearest_rank(values, 50);
    out.p90 = nearest_rank(values, 90);
    out.p95 = nearest_rank(values, 95);
    out.p99 = nearest_rank(values, 99);
    out.max = values.back();
    return out;
}

namespace {

constexpr Outcome kAllOutcomes[] = {Outcome::ok,      Outcome::blocked,     Outcome::error,
                                    Outcome::crash,   Outcome::timeout,     Outcome::oom,
                                    Outcome::spawn_error, Outcome::breaker_open, Outcome::internal_error,
                                    Outcome::output_overflow};

std::string join(const std::set<std::string>& parts, const char* separator) {
    std::string out;
    for (const auto& part : parts) {
        if (part.empty()) continue;
        if (!out.empty()) out += separator;
        out += part;
    }
    return out;
}

HookStats aggregate(const std::vector<const RunRecord*>& runs) {
    HookStats s;
    for (Outcome o : kAllOutcomes) s.outcomes[to_string(o)] = 0;
    std::vector<double> latency, memory, overhead;
    std::set<std::string> events, backends;
    FailureRate failure_rate;
    for (const RunRecord* r : runs) {
        ++s.runs;
        ++s.outcomes[to_string(r->outcome)];
        events.insert(r->event);
        backends.insert(r->backend);
        if (s.runs == 1 || r->time_unix_ms < s.first_run_ms) s.first_run_ms = r->time_unix_ms;
        s.last_run_ms = std::max(s.last_run_ms, r->time_unix_ms);
        overhead.push_back(r->overhead_ms);
        if (hook_started(r->outcome)) {
            ++s.measured_runs;
            latency.push_back(r->wall_ms);
            memory.push_back(static_cast<double>(r->peak_memory_bytes));
            s.cpu_user_ms_total += r->cpu_user_ms;
            s.cpu_sys_ms_total += r->cpu_sys_ms;
        }
        failure_rate.add(r->outcome);
        if (r->outcome == Outcome::timeout) ++s.timeouts;
        if (r->outcome == Outcome::oom || r->oom_killed) ++s.oom_kills;
        if (r->breaker_before != BreakerState::open && r->breaker_after == BreakerState::open) ++s.breaker_trips;
        if (is_degraded(r->answer)) ++s.degradations;
    }
    s.latency_ms = percentiles(std::move(latency));
    Percentiles mem = percentiles(std::move(memory));
    s.memory_p50_bytes = mem.p50;
    s.memory_max_bytes = mem.max;
    Percentiles over = percentiles(std::move(overhead));
    s.overhead_p50_ms = over.p50;
    s.overhead_p95_ms = over.p95;
    s.failures = failure_rate.failures;
    s.error_rate = failure_rate.rate();
    s.ok_rate = failure_rate.judged ? static_cast<double>(failure_rate.judged - failure_rate.failures) /
                                          static_cast<double>(failure_rate.judged)
                                    : 0.0;
    s.event = join(events, ",");
    s.backend = join(backends, "+");
    return s;
}

}  // namespace

Report build(const std::vector<RunRecord>& records, std::int64_t since_ms) {
    Report report;
    report.since_ms = since_ms;
    std::map<std::string, std::vector<const RunRecord*>> by_hook, by_event;
    for (const RunRecord& r : records) {
        if (r.time_unix_ms < since_ms) continue;
        by_hook[r.hook].push_back(&r);
        by_event[r.event].push_back(&r);
        if (report.total_runs == 0 || r.time_unix_ms < report.first_run_ms) report.first_run_ms = r.time_unix_ms;
        report.last_run_ms = std::max(report.last_run_ms, r.time_unix_ms);
        ++report.total_runs;
    }
    for (const auto& [hook, runs] : by_hook) {
        report.hooks.push_back(aggregate(runs));
        report.hooks.back().hook = hook;
    }
    for (const auto& [event, runs] : by_event) {
        report.events.push_back(aggregate(runs));
        report.events.back().hook.clear();
        report.events.back().event = event;
    }
    return report;
}

}  // namespace hookwarden::report
