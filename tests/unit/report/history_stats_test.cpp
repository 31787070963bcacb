// report::build over detailed records plus hourly/daily aggregates (docs/records.md "History").
#include <gtest/gtest.h>

#include "report/stats.h"

using namespace hookwarden;

namespace {

RunRecord rec(std::int64_t t, Outcome o, double wall_ms) {
    RunRecord r;
    r.time_unix_ms = t;
    r.hook = "guard";
    r.event = "PreToolUse";
    r.outcome = o;
    r.wall_ms = wall_ms;
    r.peak_memory_bytes = 100;
    r.backend = "none";
    return r;
}

}  // namespace

TEST(HistoryStats, AggregatesAddUpWithRecordsAndNothingTwice) {
    RunAggregate old;
    old.period = Period::hour;
    old.start_ms = 0;
    old.hook = "guard";
    old.event = "PreToolUse";
    for (int i = 0; i < 90; ++i) add_run(old, rec(1000 + i, Outcome::ok, 3));  // bucket <= 5 ms
    for (int i = 0; i < 10; ++i) add_run(old, rec(2000 + i, Outcome::timeout, 400));  // bucket <= 500 ms
    std::vector<RunRecord> recent = {rec(10 * kDayMs, Outcome::ok, 2), rec(10 * kDayMs + 1, Outcome::error, 8)};
    auto rep = report::build(recent, 0, {old});
    ASSERT_EQ(rep.hooks.size(), 1u);
    const auto& s = rep.hooks[0];
    EXPECT_EQ(rep.total_runs, 102u);
    EXPECT_EQ(rep.aggregated_runs, 100u);
    EXPECT_EQ(s.runs, 102u);
    EXPECT_EQ(s.aggregated_runs, 100u);
    EXPECT_EQ(s.outcomes.at("ok"), 91u);
    EXPECT_EQ(s.outcomes.at("timeout"), 10u);
    EXPECT_EQ(s.timeouts, 10u);
    EXPECT_EQ(s.failures, 11u);
    EXPECT_DOUBLE_EQ(s.error_rate, 11.0 / 102.0);
    EXPECT_EQ(s.first_run_ms, 1000);
    EXPECT_EQ(s.last_run_ms, 10 * kDayMs + 1);
    // p50: the 51st of 102 runs; the 90 fast aggregated ones count at their bucket bound (5 ms).
    EXPECT_EQ(s.latency_ms.p50, 5);
    // p95: rank 97 lands among the timeouts: their bucket's bound (500 ms), capped at the
    // row's slowest run (400 ms).
    EXPECT_EQ(s.latency_ms.p95, 400);
    EXPECT_EQ(s.latency_ms.max, 400);
}

TEST(HistoryStats, SinceCountsRowsStartingAtOrAfterIt) {
    RunAggregate a;
    a.start_ms = 3 * kHourMs;
    a.hook = "guard";
    a.event = "Stop";
    add_run(a, rec(3 * kHourMs + 10, Outcome::ok, 1));
    EXPECT_EQ(report::build({}, 3 * kHourMs, {a}).total_runs, 1u);
    EXPECT_EQ(report::build({}, 3 * kHourMs + 1, {a}).total_runs, 0u);
    // Only aggregates: a hook and an event row still appear.
    auto rep = report::build({}, 0, {a});
    ASSERT_EQ(rep.hooks.size(), 1u);
    ASSERT_EQ(rep.events.size(), 1u);
    EXPECT_EQ(rep.events[0].event, "Stop");
}

TEST(HistoryStats, WeightedPercentilesMatchPlainOnesForSingleRuns) {
    std::vector<double> plain = {5, 1, 9, 3, 7, 2, 8};
    std::vector<report::Weighted> weighted;
    for (double v : plain) weighted.push_back({v, 1});
    auto a = report::percentiles(plain);
    auto b = report::weighted_percentiles(weighted);
    EXPECT_EQ(a.p50, b.p50);
    EXPECT_EQ(a.p90, b.p90);
    EXPECT_EQ(a.p95, b.p95);
    EXPECT_EQ(a.p99, b.p99);
    EXPECT_EQ(a.max, b.max);
}
