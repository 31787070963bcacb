#include <gtest/gtest.h>

#include "fixtures.h"
#include "report/stats.h"

namespace hookwarden::report {
namespace {

using testing::ramp;
using testing::record;

TEST(Percentiles, OneToHundredIsTheIdentity) {
    std::vector<double> values;
    for (int i = 100; i >= 1; --i) values.push_back(i);  // unsorted on purpose
    Percentiles p = percentiles(values);
    EXPECT_EQ(p.p50, 50);
    EXPECT_EQ(p.p90, 90);
    EXPECT_EQ(p.p95, 95);
    EXPECT_EQ(p.p99, 99);
    EXPECT_EQ(p.max, 100);
}

TEST(Percentiles, EmptyIsAllZero) {
    Percentiles p = percentiles({});
    EXPECT_EQ(p.p50, 0);
    EXPECT_EQ(p.p90, 0);
    EXPECT_EQ(p.p95, 0);
    EXPECT_EQ(p.p99, 0);
    EXPECT_EQ(p.max, 0);
}

TEST(Percentiles, SingleValueIsEveryPercentile) {
    Percentiles p = percentiles({42.5});
    EXPECT_EQ(p.p50, 42.5);
    EXPECT_EQ(p.p90, 42.5);
    EXPECT_EQ(p.p95, 42.5);
    EXPECT_EQ(p.p99, 42.5);
    EXPECT_EQ(p.max, 42.5);
}

TEST(Percentiles, SevenValuesByHand) {
    // Sorted: 3 5 8 13 21 34 55. Ranks: p50 ceil(3.5)=4 -> 13; p90 ceil(6.3)=7 -> 55;
    // p95 ceil(6.65)=7 -> 55; p99 ceil(6.93)=7 -> 55.
    Percentiles p = percentiles({21, 3, 55, 8, 34, 5, 13});
    EXPECT_EQ(p.p50, 13);
    EXPECT_EQ(p.p90, 55);
    EXPECT_EQ(p.p95, 55);
    EXPECT_EQ(p.p99, 55);
    EXPECT_EQ(p.max, 55);
}

TEST(Percentiles, TwentyValuesSeparateP90FromP95) {
    // 1..20: p50 rank 10, p90 rank 18, p95 rank 19, p99 ceil(19.8)=20.
    std::vector<double> values;
    for (int i = 1; i <= 20; ++i) values.push_back(i * 10);
    Percentiles p = percentiles(values);
    EXPECT_EQ(p.p50, 100);
    EXPECT_EQ(p.p90, 180);
    EXPECT_EQ(p.p95, 190);
    EXPECT_EQ(p.p99, 200);
}

TEST(Percentiles, ExactRanksDoNotDriftWithBinaryRounding) {
    // n where p × n / 100 is an integer for every p: the rank must be exactly that value,
    // never one above (which a naive ceil(0.95 * n) can produce).
    for (int n : {100, 200, 1000, 2000, 10000}) {
        std::vector<double> sorted;
        for (int i = 1; i <= n; ++i) sorted.push_back(i);
        for (int p : {50, 90, 95, 99}) EXPECT_EQ(nearest_rank(sorted, p), p * n / 100) << "n=" << n << " p=" << p;
    }
}

TEST(Percentiles, TwoValues) {
    // p50 of two is the lower one (rank ceil(1.0)=1); p90 and up the upper one.
    Percentiles p = percentiles({7, 3});
    EXPECT_EQ(p.p50, 3);
    EXPECT_EQ(p.p90, 7);
}

TEST(Build, HooksSortedWithLatencyMemoryAndCpu) {
    auto records = ramp("zeta", 100);
    auto more = ramp("alpha", 7);
    records.insert(records.end(), more.begin(), more.end());
    Report report = build(records);
    ASSERT_EQ(report.hooks.size(), 2u);
    EXPECT_EQ(report.total_runs, 107u);
    EXPECT_EQ(report.hooks[0].hook, "alpha");
    EXPECT_EQ(report.hooks[1].hook, "zeta");
    const HookStats& z = report.hooks[1];
    EXPECT_EQ(z.runs, 100u);
    EXPECT_EQ(z.measured_runs, 100u);
    EXPECT_EQ(z.latency_ms.p50, 50);
    EXPECT_EQ(z.latency_ms.p95, 95);
    EXPECT_EQ(z.latency_ms.max, 100);
    EXPECT_EQ(z.memory_p50_bytes, 50.0 * 1024 * 1024);
    EXPECT_EQ(z.memory_max_bytes, 100.0 * 1024 * 1024);
    EXPECT_DOUBLE_EQ(z.cpu_user_ms_total, 5050.0 / 2);
    EXPECT_DOUBLE_EQ(z.cpu_sys_ms_total, 5050.0 / 4);
    EXPECT_EQ(z.outcomes.at("ok"), 100u);
    EXPECT_EQ(z.outcomes.at("timeout"), 0u);  // every outcome present
    EXPECT_EQ(z.outcomes.size(), 10u);
    EXPECT_EQ(z.event, "PreToolUse");
    EXPECT_EQ(z.backend, "cgroup-v2");
    EXPECT_EQ(z.error_rate, 0);
    EXPECT_EQ(z.ok_rate, 1);
    EXPECT_EQ(z.overhead_p50_ms, 1.5);
    ASSERT_EQ(report.events.size(), 1u);
    EXPECT_EQ(report.events[0].event, "PreToolUse");
    EXPECT_EQ(report.events[0].hook, "");
    EXPECT_EQ(report.events[0].runs, 107u);
}

TEST(Build, OutcomeCountersAndErrorRateDenominator) {
    std::vector<RunRecord> records;
    for (int i = 0; i < 6; ++i) records.push_back(record("h", 10));
    records.push_back(record("h", 12, Outcome::blocked));
    records.push_back(record("h", 2000, Outcome::timeout));
    records.push_back(record("h", 30, Outcome::oom));
    records.push_back(record("h", 5, Outcome::error));
    // Refused by an open breaker: no latency, not in the error-rate denominator.
    for (int i = 0; i < 2; ++i) records.push_back(record("h", 0, Outcome::breaker_open));
    // The run that tripped the breaker.
    records[9].breaker_after = BreakerState::open;
    // Already open before: not a new trip.
    records[10].breaker_before = BreakerState::open;
    records[10].breaker_after = BreakerState::open;
    Report report = build(records);
    const HookStats& h = report.hooks.at(0);
    EXPECT_EQ(h.runs, 12u);
    EXPECT_EQ(h.measured_runs, 10u);
    EXPECT_EQ(h.failures, 3u);
    EXPECT_EQ(h.timeouts, 1u);
    EXPECT_EQ(h.oom_kills, 1u);
    EXPECT_EQ(h.breaker_trips, 1u);
    EXPECT_EQ(h.degradations, 4u);  // timeout, oom, 2 × breaker_open answered by "allow"
    EXPECT_DOUBLE_EQ(h.error_rate, 3.0 / 10.0);
    // The same judged runs as error_rate: ok_rate + error_rate = 1 (docs/reports.md).
    EXPECT_DOUBLE_EQ(h.ok_rate, 7.0 / 10.0);
    EXPECT_EQ(h.latency_ms.max, 2000);
    EXPECT_EQ(h.latency_ms.p50, 10);  // the zeros of breaker_open runs are not latencies
    EXPECT_EQ(h.outcomes.at("breaker_open"), 2u);
}

TEST(Build, OomKilledFlagCountsWithoutOomOutcome) {
    auto r = record("h", 10, Outcome::crash);
    r.oom_killed = true;
    EXPECT_EQ(build({r}).hooks[0].oom_kills, 1u);
}

TEST(Build, SinceFiltersAndMixedBackendsAndEvents) {
    auto records = ramp("h", 10);
    records[8].backend = "none";
    records[9].event = "Stop";
    Report report = build(records, records[4].time_unix_ms);
    EXPECT_EQ(report.total_runs, 6u);
    EXPECT_EQ(report.since_ms, records[4].time_unix_ms);
    EXPECT_EQ(report.first_run_ms, records[4].time_unix_ms);
    EXPECT_EQ(report.last_run_ms, records[9].time_unix_ms);
    const HookStats& h = report.hooks.at(0);
    EXPECT_EQ(h.latency_ms.p50, 7);  // 5..10
    EXPECT_EQ(h.backend, "cgroup-v2+none");
    EXPECT_EQ(h.event, "PreToolUse,Stop");
    ASSERT_EQ(report.events.size(), 2u);
    EXPECT_EQ(report.events[0].event, "PreToolUse");
    EXPECT_EQ(report.events[1].event, "Stop");
}

TEST(Build, NoRecords) {
    Report report = build({});
    EXPECT_TRUE(report.hooks.empty());
    EXPECT_TRUE(report.events.empty());
    EXPECT_EQ(report.total_runs, 0u);
    EXPECT_EQ(report.first_run_ms, 0);
}

// A served run lost with its worker is recorded by its client with no wall time and no
// backend: not a latency (it would make the hook look fast), not a backend of the hook.
// An internal_error that did time the hook (hookwarden signalled mid-run) is measured.
TEST(Build, AnInternalErrorWithoutAWallTimeIsNotMeasured) {
    std::vector<RunRecord> records{record("h", 40), record("h", 60), record("h", 0, Outcome::internal_error),
                                   record("h", 0, Outcome::internal_error), record("h", 900, Outcome::internal_error)};
    records[2].backend = records[3].backend = "";
    const HookStats h = build(records).hooks.at(0);
    EXPECT_EQ(h.runs, 5u);
    EXPECT_EQ(h.measured_runs, 3u);
    EXPECT_EQ(h.latency_ms.p50, 60);
    EXPECT_EQ(h.backend, "cgroup-v2");
    EXPECT_EQ(h.outcomes.at("internal_error"), 3u);
}

TEST(Build, OnlyBreakerOpenRunsHaveNoLatencyAndNoErrorRate) {
    Report report = build({record("h", 0, Outcome::breaker_open), record("h", 0, Outcome::breaker_open)});
    const HookStats& h = report.hooks.at(0);
    EXPECT_EQ(h.measured_runs, 0u);
    EXPECT_EQ(h.error_rate, 0);
    EXPECT_EQ(h.latency_ms.max, 0);
}

}  // namespace
}  // namespace hookwarden::report
