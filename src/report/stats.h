// Per-hook and per-event statistics over run records (docs/reports.md). Everything here is a pure
// function of the records it is given: the store selects them, the CLI prints the result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "hookwarden/percentile.h"
#include "hookwarden/run_aggregate.h"
#include "hookwarden/run_record.h"

namespace hookwarden::report {

struct Percentiles {
    double p50 = 0, p90 = 0, p95 = 0, p99 = 0, max = 0;
};

// p50/p90/p95/p99/max of unsorted values (taken by value: they get sorted), each by
// hookwarden::nearest_rank (hookwarden/percentile.h).
Percentiles percentiles(std::vector<double> values);

// A latency that stands for `weight` runs (a histogram bucket of an aggregate row).
struct Weighted {
    double value;
    std::int64_t weight;
};
// nearest_rank over weighted values: the value at rank ceil(p × n / 100) of the n runs they
// stand for; exactly percentiles() when every weight is 1.
Percentiles weighted_percentiles(std::vector<Weighted> values);

// What one hook (or one event, with `hook` empty) did over the selected runs.
//
// Which runs count where:
// - `runs` and `outcomes` count every record.
// - Latency, memory, CPU: only runs where hook_measured() (`measured_runs`), i.e. not
//   `breaker_open` nor `spawn_error`, nor an `internal_error` without a wall time: a run
//   that never started has no latency, and counting its ~0 ms would make a failing hook
//   look fast.
// - `error_rate` = failures / judged runs (FailureRate in hookwarden/run_record.h, the one
//   `status` FAIL% uses too): breaker_open and internal_error runs are left out of the
//   denominator because the hook was not given the chance to fail or succeed; failures are
//   error, crash, timeout, oom, spawn_error. 0 when no run was judged.
// - `ok_rate` = (ok + blocked) / the same judged runs, so ok_rate + error_rate = 1.
// - Overhead: every record, since the supervisor's cost is paid on every run.
struct HookStats {
    std::string hook;   // "" in per-event rows
    std::string event;  // the event, or several joined with "," when a hook served more
    std::size_t runs = 0;
    std::size_t measured_runs = 0;
    std::map<std::string, std::size_t> outcomes;  // every outcome name, zeros included
    Percentiles latency_ms;
    double memory_p50_bytes = 0, memory_max_bytes = 0;
    double cpu_user_ms_total = 0, cpu_sys_ms_total = 0;
    std::size_t failures = 0;
    std::size_t timeouts = 0;
    std::size_t oom_kills = 0;      // outcome oom, or the OOM killer hit the cgroup
    std::size_t breaker_trips = 0;  // breaker_before != "open" and breaker_after == "open"
    std::size_t degradations = 0;   // is_degraded(answer)
    double overhead_p50_ms = 0, overhead_p95_ms = 0;
    double error_rate = 0;
    double ok_rate = 0;  // (ok + blocked) / judged runs: blocked is the hook's own verdict, not a failure
    std::string backend;  // the one backend used, or several joined with "+"
    std::int64_t first_run_ms = 0, last_run_ms = 0;
    // Of `runs`, those known only from hourly or daily aggregates (older than the detailed
    // records, docs/records.md "History"): their latency enters the percentiles as the
    // upper bound of its histogram bucket, and overhead is not known for them.
    std::size_t aggregated_runs = 0;
};

struct Report {
    std::vector<HookStats> hooks;   // sorted by hook name
    std::vector<HookStats> events;  // sorted by event name
    std::int64_t since_ms = 0;      // the lower time bound applied (0: none)
    std::size_t total_runs = 0;
    std::int64_t first_run_ms = 0, last_run_ms = 0;  // 0 when there are no runs
    std::vector<RunAggregate> aggregates;  // the aggregate rows in range (for the trends)
    std::size_t aggregated_runs = 0;
};

// Records older than `since_ms` (time_unix_ms < since_ms) are left out, so a caller that
// already filtered loses nothing and one that did not still gets what it asked for.
// `aggregates`: rows of runs no longer held in detail (Store::aggregates); a row counts when
// its hour or day starts at or after since_ms. A run is in the records or in one row, never both.
Report build(const std::vector<RunRecord>& records, std::int64_t since_ms = 0,
             const std::vector<RunAggregate>& aggregates = {});

}  // namespace hookwarden::report
