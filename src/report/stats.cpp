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

}  // namespace

Percentiles weighted_percentiles(std::vector<Weighted> values) {
    std::sort(values.begin(), values.end(), [](const Weighted& a, const Weighted& b) { return a.value < b.value; });
    std::int64_t total = 0;
    for (const auto& v : values) total += v.weight;
    Percentiles out;
    if (total == 0) return out;
    auto at = [&](std::int64_t p) {
        const std::int64_t rank = std::max<std::int64_t>(1, (p * total + 99) / 100);
        std::int64_t seen = 0;
        for (const auto& v : values)
            if ((seen += v.weight) >= rank) return v.value;
        return values.back().value;
    };
    out.p50 = at(50);
    out.p90 = at(90);
    out.p95 = at(95);
    out.p99 = at(99);
    out.max = values.back().value;
    return out;
}

namespace {

// What the aggregate rows add to a hook's or event's statistics.
struct FromRows {
    std::vector<Weighted> latency;
    double memory_sum = 0;
    std::int64_t memory_runs = 0;
};

FromRows add_rows(HookStats& s, const std::vector<const RunAggregate*>& rows, std::set<std::string>& events,
                  FailureRate& failure_rate) {
    FromRows from;
    for (const RunAggregate* a : rows) {
        if (s.runs == 0 || a->first_ms < s.first_run_ms) s.first_run_ms = a->first_ms;
        s.last_run_ms = std::max(s.last_run_ms, a->last_ms);
        s.runs += static_cast<std::size_t>(a->runs);
        s.aggregated_runs += static_cast<std::size_t>(a->runs);
        s.measured_runs += static_cast<std::size_t>(a->measured_runs);
        events.insert(a->event);
        for (const auto& [name, n] : a->outcomes) {
            s.outcomes[name] += static_cast<std::size_t>(n);
            if (auto o = outcome_from_string(name)) {
                if (*o == Outcome::timeout) s.timeouts += static_cast<std::size_t>(n);
                // As FailureRate::add would count them, n at once.
                if (counts_in_failure_rate(*o)) failure_rate.judged += static_cast<std::size_t>(n);
                if (is_failure(*o) && counts_in_failure_rate(*o)) failure_rate.failures += static_cast<std::size_t>(n);
            }
        }
        for (std::size_t i = 0; i < kLatencyBuckets; ++i)
            if (a->latency_buckets[i] > 0)
                from.latency.push_back({latency_bucket_value(i, a->wall_ms_max), a->latency_buckets[i]});
        s.memory_max_bytes = std::max(s.memory_max_bytes, static_cast<double>(a->peak_memory_max));
        from.memory_sum += static_cast<double>(a->peak_memory_sum);
        from.memory_runs += a->measured_runs;
        s.cpu_user_ms_total += a->cpu_user_ms_sum;
        s.cpu_sys_ms_total += a->cpu_sys_ms_sum;
        s.oom_kills += static_cast<std::size_t>(a->oom_kills);
        s.breaker_trips += static_cast<std::size_t>(a->breaker_trips);
        s.degradations += static_cast<std::size_t>(a->degradations);
    }
    return from;
}

HookStats aggregate(const std::vector<const RunRecord*>& runs, const std::vector<const RunAggregate*>& rows) {
    HookStats s;
    for (Outcome o : kAllOutcomes) s.outcomes[to_string(o)] = 0;
    std::vector<double> latency, memory, overhead;
    std::set<std::string> events, backends;
    FailureRate failure_rate;
    for (const RunRecord* r : runs) {
        ++s.runs;
        ++s.outcomes[to_string(r->outcome)];
        events.insert(r->event);
        if (!r->backend.empty()) backends.insert(r->backend);  // a run lost before its sandbox has none
        if (s.runs == 1 || r->time_unix_ms < s.first_run_ms) s.first_run_ms = r->time_unix_ms;
        s.last_run_ms = std::max(s.last_run_ms, r->time_unix_ms);
        overhead.push_back(r->overhead_ms);
        if (hook_measured(r->outcome, r->wall_ms)) {
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
    FromRows from = add_rows(s, rows, events, failure_rate);
    if (from.latency.empty()) {
        s.latency_ms = percentiles(latency);
    } else {
        for (double v : latency) from.latency.push_back({v, 1});
        s.latency_ms = weighted_percentiles(std::move(from.latency));
    }
    Percentiles mem = percentiles(std::move(memory));
    // The p50 of memory needs the runs themselves: over the detailed ones, else the mean of the rows.
    s.memory_p50_bytes = mem.max > 0 || from.memory_runs == 0 ? mem.p50 : from.memory_sum / static_cast<double>(from.memory_runs);
    s.memory_max_bytes = std::max(s.memory_max_bytes, mem.max);
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

Report build(const std::vector<RunRecord>& records, std::int64_t since_ms, const std::vector<RunAggregate>& aggregates) {
    Report report;
    report.since_ms = since_ms;
    std::map<std::string, std::vector<const RunRecord*>> by_hook, by_event;
    std::map<std::string, std::vector<const RunAggregate*>> rows_by_hook, rows_by_event;
    auto widen = [&](std::int64_t first, std::int64_t last, std::size_t runs) {
        if (report.total_runs == 0 || first < report.first_run_ms) report.first_run_ms = first;
        report.last_run_ms = std::max(report.last_run_ms, last);
        report.total_runs += runs;
    };
    for (const RunRecord& r : records) {
        if (r.time_unix_ms < since_ms) continue;
        by_hook[r.hook].push_back(&r);
        by_event[r.event].push_back(&r);
        widen(r.time_unix_ms, r.time_unix_ms, 1);
    }
    for (const RunAggregate& a : aggregates) {
        if (a.start_ms < since_ms || a.runs == 0) continue;
        report.aggregates.push_back(a);
        report.aggregated_runs += static_cast<std::size_t>(a.runs);
        widen(a.first_ms, a.last_ms, static_cast<std::size_t>(a.runs));
    }
    for (const RunAggregate& a : report.aggregates) {
        rows_by_hook[a.hook].push_back(&a);
        rows_by_event[a.event].push_back(&a);
        by_hook[a.hook];
        by_event[a.event];
    }
    for (const auto& [hook, runs] : by_hook) {
        report.hooks.push_back(aggregate(runs, rows_by_hook[hook]));
        report.hooks.back().hook = hook;
    }
    for (const auto& [event, runs] : by_event) {
        report.events.push_back(aggregate(runs, rows_by_event[event]));
        report.events.back().hook.clear();
        report.events.back().event = event;
    }
    return report;
}

}  // namespace hookwarden::report
