#include "hookwarden/run_aggregate.h"

#include <algorithm>

namespace hookwarden {

const char* to_string(Period period) { return period == Period::hour ? "hour" : "day"; }

std::int64_t period_ms(Period period) { return period == Period::hour ? kHourMs : kDayMs; }

std::int64_t period_start(Period period, std::int64_t time_ms) {
    const std::int64_t size = period_ms(period);
    std::int64_t start = time_ms / size * size;
    return start > time_ms ? start - size : start;
}

std::size_t latency_bucket(double wall_ms) {
    auto it = std::lower_bound(kLatencyBoundsMs.begin(), kLatencyBoundsMs.end(), wall_ms);
    return static_cast<std::size_t>(it - kLatencyBoundsMs.begin());
}

double latency_bucket_value(std::size_t i, double wall_ms_max) {
    if (i < kLatencyBoundsMs.size()) return std::min(kLatencyBoundsMs[i], std::max(wall_ms_max, 0.0));
    return wall_ms_max;
}

namespace {

void widen_span(RunAggregate& into, std::int64_t first_ms, std::int64_t last_ms, bool was_empty) {
    into.first_ms = was_empty ? first_ms : std::min(into.first_ms, first_ms);
    into.last_ms = was_empty ? last_ms : std::max(into.last_ms, last_ms);
}

}  // namespace

void add_run(RunAggregate& into, const RunRecord& r) {
    widen_span(into, r.time_unix_ms, r.time_unix_ms, into.runs == 0);
    ++into.runs;
    ++into.outcomes[to_string(r.outcome)];
    into.memory_limit_max_bytes = std::max(into.memory_limit_max_bytes, r.limits.memory_mb * 1024 * 1024);
    if (r.outcome == Outcome::oom || r.oom_killed) ++into.oom_kills;
    if (r.breaker_before != BreakerState::open && r.breaker_after == BreakerState::open) ++into.breaker_trips;
    if (is_degraded(r.answer)) ++into.degradations;
    if (!hook_measured(r.outcome, r.wall_ms)) return;
    ++into.measured_runs;
    ++into.latency_buckets[latency_bucket(r.wall_ms)];
    into.wall_ms_sum += r.wall_ms;
    into.wall_ms_max = std::max(into.wall_ms_max, r.wall_ms);
    into.cpu_user_ms_sum += r.cpu_user_ms;
    into.cpu_sys_ms_sum += r.cpu_sys_ms;
    into.peak_memory_max = std::max(into.peak_memory_max, r.peak_memory_bytes);
    into.peak_memory_sum += r.peak_memory_bytes;
}

void merge(RunAggregate& into, const RunAggregate& o) {
    if (o.runs == 0) return;
    widen_span(into, o.first_ms, o.last_ms, into.runs == 0);
    into.runs += o.runs;
    into.measured_runs += o.measured_runs;
    for (const auto& [name, n] : o.outcomes) into.outcomes[name] += n;
    for (std::size_t i = 0; i < kLatencyBuckets; ++i) into.latency_buckets[i] += o.latency_buckets[i];
    into.wall_ms_sum += o.wall_ms_sum;
    into.wall_ms_max = std::max(into.wall_ms_max, o.wall_ms_max);
    into.cpu_user_ms_sum += o.cpu_user_ms_sum;
    into.cpu_sys_ms_sum += o.cpu_sys_ms_sum;
    into.peak_memory_max = std::max(into.peak_memory_max, o.peak_memory_max);
    into.peak_memory_sum += o.peak_memory_sum;
    into.memory_limit_max_bytes = std::max(into.memory_limit_max_bytes, o.memory_limit_max_bytes);
    into.oom_kills += o.oom_kills;
    into.breaker_trips += o.breaker_trips;
    into.degradations += o.degradations;
}

}  // namespace hookwarden
