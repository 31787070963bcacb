// Long-term history through the real store: runs rolled up into hourly aggregates when
// retention removes them, hours into days, days dropped after the history; a year of
// synthetic history stays within the size docs/records.md documents.
#include <filesystem>
#include <numeric>

#include <gtest/gtest.h>

#include "support.h"

using namespace hookwarden;
using hwtest::TempDir;

namespace {

constexpr std::int64_t kDay = 24 * 3600 * 1000LL;
constexpr std::int64_t kHour = 3600 * 1000LL;
const std::int64_t kNow = 1'780'000'000'000;  // 2026-05-28, an hour boundary is not assumed

std::int64_t total_runs(const std::vector<RunAggregate>& rows) {
    return std::accumulate(rows.begin(), rows.end(), std::int64_t{0},
                           [](std::int64_t n, const RunAggregate& a) { return n + a.runs; });
}

RunRecord varied_run(int i, std::int64_t time_ms) {
    const Outcome outcomes[] = {Outcome::ok, Outcome::ok, Outcome::blocked, Outcome::timeout, Outcome::breaker_open};
    RunRecord r = hwtest::make_record(i % 2 ? "guard" : "lint", outcomes[i % 5], 3.0 + (i % 7) * 40, time_ms);
    r.peak_memory_bytes = 1'000'000 + i;
    r.cpu_user_ms = 1;
    r.limits.memory_mb = 64;
    return r;
}

}  // namespace

TEST(History, PruningRollsRunsUpIntoHoursAndLosesNone) {
    TempDir tmp;
    auto s = hwtest::open_ok(tmp.path());
    const int n = 400;  // one run every 3 hours over 50 days
    for (int i = 0; i < n; ++i) {
        RunRecord r = varied_run(i, kNow - 50 * kDay + i * 3 * kHour);
        ASSERT_EQ(s->complete(r, {}, {}, r.time_unix_ms), "");
    }
    ASSERT_EQ(s->prune(kNow), "");
    const auto detailed = s->records();
    const auto rows = s->aggregates();
    ASSERT_FALSE(rows.empty());
    for (const auto& r : detailed) EXPECT_GE(r.time_unix_ms, kNow - 30 * kDay);
    for (const auto& a : rows) {
        EXPECT_EQ(a.period, Period::hour);
        EXPECT_LT(a.start_ms, kNow - 30 * kDay + kHour);
        EXPECT_EQ(a.start_ms % kHour, 0);
    }
    EXPECT_EQ(static_cast<std::int64_t>(detailed.size()) + total_runs(rows), n);
    // Outcomes, latency buckets and memory of the rolled-up runs, against what was written.
    std::int64_t timeouts = 0, measured = 0, bucketed = 0, peak = 0;
    for (const auto& a : rows) {
        timeouts += a.outcomes.count("timeout") ? a.outcomes.at("timeout") : 0;
        measured += a.measured_runs;
        bucketed += std::accumulate(a.latency_buckets.begin(), a.latency_buckets.end(), std::int64_t{0});
        peak = std::max(peak, a.peak_memory_max);
        EXPECT_EQ(a.memory_limit_max_bytes, 64LL * 1024 * 1024);
    }
    const auto rolled = static_cast<int>(total_runs(rows));  // the oldest `rolled` runs, i = 0..rolled-1
    int expected_timeouts = 0, expected_measured = 0;
    for (int i = 0; i < rolled; ++i) {
        expected_timeouts += i % 5 == 3;
        expected_measured += i % 5 != 4;
    }
    EXPECT_EQ(timeouts, expected_timeouts);
    EXPECT_EQ(measured, expected_measured);
    EXPECT_EQ(bucketed, measured);
    EXPECT_EQ(peak, 1'000'000 + rolled - 1 - ((rolled - 1) % 5 == 4 ? 1 : 0));
}

TEST(History, LatencyBucketsAreFixed) {
    EXPECT_EQ(latency_bucket(0.5), 0u);
    EXPECT_EQ(latency_bucket(1.0), 0u);  // upper bounds are inclusive, as Prometheus' le
    EXPECT_EQ(latency_bucket(1.01), 1u);
    EXPECT_EQ(latency_bucket(60000), kLatencyBoundsMs.size() - 1);
    EXPECT_EQ(latency_bucket(60001), kLatencyBoundsMs.size());
    EXPECT_EQ(latency_bucket_value(kLatencyBoundsMs.size(), 75000), 75000);
    EXPECT_EQ(latency_bucket_value(3, 7), 7);  // never above the slowest run seen
    EXPECT_EQ(period_start(Period::day, -1), -kDay);
    EXPECT_EQ(period_start(Period::hour, 2 * kHour + 5), 2 * kHour);
}

TEST(History, HoursCascadeIntoDaysAndDaysExpire) {
    TempDir tmp;
    store::OpenOptions options;
    options.retention.max_age_ms = 1 * kDay;
    options.retention.hourly_max_age_ms = 3 * kDay;
    options.retention.daily_max_age_ms = 6 * kDay;
    auto s = hwtest::open_ok(tmp.path(), options);
    for (int i = 0; i < 8 * 24; ++i) {  // hourly for 8 days
        RunRecord r = varied_run(i, kNow - 8 * kDay + i * kHour + 60'000);
        ASSERT_EQ(s->complete(r, {}, {}, r.time_unix_ms), "");
    }
    ASSERT_EQ(s->prune(kNow), "");
    const auto rows = s->aggregates();
    std::int64_t hours = 0, days = 0;
    for (const auto& a : rows) {
        (a.period == Period::day ? days : hours) += a.runs;
        EXPECT_GE(a.start_ms, kNow - 6 * kDay);
        if (a.period == Period::day) {
            EXPECT_EQ(a.start_ms % kDay, 0);
            EXPECT_LT(a.start_ms, kNow - 3 * kDay);
        }
    }
    EXPECT_GT(hours, 0);
    EXPECT_GT(days, 0);
    // Everything of the last 6 days (by the period's start) is still accounted for.
    const std::int64_t kept = static_cast<std::int64_t>(s->records().size()) + hours + days;
    EXPECT_GE(kept, 5 * 24);
    EXPECT_LE(kept, 6 * 24 + 1);
}

TEST(History, CountBoundRollsUpInsteadOfDeleting) {
    TempDir tmp;
    store::OpenOptions options;
    options.retention.max_records = 50;
    auto s = hwtest::open_ok(tmp.path(), options);
    for (int i = 0; i < 120; ++i) {
        RunRecord r = varied_run(i, kNow - kHour + i * 1000);
        ASSERT_EQ(s->complete(r, {}, {}, r.time_unix_ms), "");
    }
    ASSERT_EQ(s->prune(kNow), "");
    EXPECT_EQ(s->record_count(), 50u);
    EXPECT_EQ(total_runs(s->aggregates()), 70);
}

TEST(History, HousekeepingIsBoundedAndResumes) {
    TempDir tmp;
    store::OpenOptions options;
    options.retention.batch = 10;
    options.retention.prune_every = 1'000'000;
    auto s = hwtest::open_ok(tmp.path(), options);
    for (int i = 0; i < 100; ++i) {
        RunRecord r = varied_run(i, kNow - 40 * kDay + i * 1000);
        ASSERT_EQ(s->complete(r, {}, {}, r.time_unix_ms), "");
    }
    // A zero time budget: the claim is made, no batch runs, and it stays due.
    auto first = s->housekeep_if_due(kNow, 0);
    EXPECT_EQ(first.error, "");
    EXPECT_TRUE(first.ran);
    EXPECT_FALSE(first.finished);
    EXPECT_EQ(s->record_count(), 100u);
    auto second = s->housekeep_if_due(kNow + 1);
    EXPECT_TRUE(second.ran);
    EXPECT_TRUE(second.finished);
    EXPECT_EQ(second.runs_rolled_up, 100);
    EXPECT_EQ(s->record_count(), 0u);
    // Done: not due again until an hour passed or prune_every more runs came.
    EXPECT_FALSE(s->housekeep_if_due(kNow + 2).ran);
    EXPECT_TRUE(s->housekeep_if_due(kNow + 2 + kHour).ran);
}

// docs/records.md "History": the documented bound for a year of history.
TEST(History, AYearOfHistoryStaysWithinTheDocumentedSize) {
    TempDir tmp;
    auto s = hwtest::open_ok(tmp.path());
    const std::int64_t start = kNow - 365 * kDay;
    const char* hooks[] = {"guard-bash", "lint", "format", "audit"};
    const char* events[] = {"PreToolUse", "PostToolUse"};
    // Every hook on both events every 6 hours for a year: 8 pairs, 11 680 runs, committed
    // one by one through the store with the guardian's housekeeping after each.
    int i = 0;
    for (std::int64_t t = start; t < kNow; t += 6 * kHour) {
        for (const char* hook : hooks)
            for (const char* event : events) {
                RunRecord r = varied_run(i++, t);
                r.hook = hook;
                r.event = event;
                ASSERT_EQ(s->complete(r, {}, {}, t), "");
                ASSERT_EQ(s->housekeep_if_due(t).error, "");
            }
    }
    ASSERT_EQ(s->prune(kNow), "");
    std::uintmax_t bytes = std::filesystem::file_size(s->path());
    std::error_code ec;
    if (auto wal = std::filesystem::file_size(s->path() + "-wal", ec); !ec) bytes += wal;
    const auto rows = s->aggregates();
    std::int64_t accounted = static_cast<std::int64_t>(s->records().size()) + total_runs(rows);
    RecordProperty("store_bytes", std::to_string(bytes));
    RecordProperty("aggregate_rows", std::to_string(rows.size()));
    std::printf("a year, 8 hook/event pairs every 6 h (%d runs): %ju bytes, %zu detailed, %zu aggregate rows\n", i,
                bytes, s->records().size(), rows.size());
    EXPECT_GE(accounted, i - 8 * 4 - 8);  // at most a day of runs beyond the year was dropped
    EXPECT_LE(accounted, i);
    // The bound docs/records.md states for this shape: 2 MiB (measured: about 1 MiB).
    EXPECT_LE(bytes, 2u * 1024 * 1024);
}
