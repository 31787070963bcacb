// Long-term history (docs/records.md, "History"): what is kept of runs once their detailed
// records are pruned. Each row sums the runs of one hook and event in one UTC hour or day,
// so that a year of history costs a bounded number of rows however many runs there were.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "hookwarden/run_record.h"

namespace hookwarden {

enum class Period { hour, day };
const char* to_string(Period period);
inline constexpr std::int64_t kHourMs = 3'600'000;
inline constexpr std::int64_t kDayMs = 24 * kHourMs;
std::int64_t period_ms(Period period);
// The start of the UTC hour or day `time_ms` falls in (floor, also before 1970).
std::int64_t period_start(Period period, std::int64_t time_ms);

// Fixed latency buckets: a run of wall_ms goes into the first bucket whose upper bound is
// >= wall_ms; the last bucket has no upper bound. Fixed so that rows of any age merge,
// and the same bounds as a Prometheus histogram would use.
inline constexpr std::array<double, 15> kLatencyBoundsMs = {1,   2,    5,    10,   25,    50,    100,  250,
                                                            500, 1000, 2500, 5000, 10000, 30000, 60000};
inline constexpr std::size_t kLatencyBuckets = kLatencyBoundsMs.size() + 1;
std::size_t latency_bucket(double wall_ms);
// A value that stands for the runs of bucket `i` in percentiles: its upper bound (the
// slower end, so a bucketed p95 never looks faster than the runs were); the last bucket,
// which has none, is represented by the largest latency seen in the row.
double latency_bucket_value(std::size_t i, double wall_ms_max);

struct RunAggregate {
    Period period = Period::hour;
    std::int64_t start_ms = 0;  // start of the hour or day (UTC)
    std::string hook, event;
    std::int64_t runs = 0;
    std::int64_t measured_runs = 0;                // hook_measured(): those with a latency
    std::map<std::string, std::int64_t> outcomes;  // outcome name -> runs (only those seen)
    std::array<std::int64_t, kLatencyBuckets> latency_buckets{};  // measured runs per bucket
    double wall_ms_sum = 0, wall_ms_max = 0;
    double cpu_user_ms_sum = 0, cpu_sys_ms_sum = 0;
    std::int64_t peak_memory_max = 0, peak_memory_sum = 0;  // bytes, over measured runs
    std::int64_t memory_limit_max_bytes = 0;                // the largest memory limit in force
    std::int64_t oom_kills = 0, breaker_trips = 0, degradations = 0;
    std::int64_t first_ms = 0, last_ms = 0;  // of the runs summed here
};

// Adds one run (the same rules as report::build: docs/reports.md "Which runs count where").
void add_run(RunAggregate& into, const RunRecord& run);
// Adds another row's runs (same hook and event; any period).
void merge(RunAggregate& into, const RunAggregate& other);

}  // namespace hookwarden
