// Many processes on one store, started at once: the way an agent fires hooks.
#include <map>

#include <gtest/gtest.h>

#include "support.h"

using namespace hookwarden;
using hwtest::TempDir;

namespace {

enum ChildResult { kRejected = 0, kProbe = 10, kRunNoProbe = 20, kStoreError = 30 };

// Trips the breaker of "h" with one failure; returns the moment it becomes due.
std::int64_t trip(const std::string& dir, const BreakerConfig& config, std::int64_t now) {
    auto s = hwtest::open_ok(dir);
    auto a = s->admit("h", config, now, 1000);
    RunRecord r = hwtest::make_record("h", Outcome::error, 10, now);
    EXPECT_EQ(s->complete(r, config, a, now), "");
    EXPECT_EQ(r.breaker_after, BreakerState::open);
    return now + config.open_ms;
}

std::map<int, int> admit_at_once(const std::string& dir, const BreakerConfig& config, std::int64_t now,
                                 std::int64_t ttl, int processes) {
    hwtest::Barrier barrier;
    std::vector<pid_t> pids;
    for (int i = 0; i < processes; ++i) {
        pids.push_back(hwtest::spawn([&] {
            barrier.wait_in_child();
            std::string error;
            auto s = store::Store::open(dir, error);
            if (!s) return int{kStoreError};
            auto a = s->admit("h", config, now, ttl);
            if (!a.error.empty()) return int{kStoreError};
            if (!a.run) return int{kRejected};
            return int{a.probe ? kProbe : kRunNoProbe};
        }));
    }
    barrier.release();
    std::map<int, int> counts;
    for (pid_t pid : pids) counts[hwtest::wait_exit(pid)]++;
    return counts;
}

}  // namespace

class HalfOpenRace : public ::testing::TestWithParam<int> {};

TEST_P(HalfOpenRace, ExactlyTheAllowedNumberOfProbesRun) {
    TempDir tmp;
    BreakerConfig config;
    config.consecutive_failures = 1;
    config.half_open_probes = GetParam();
    const std::int64_t ttl = 5000;
    std::int64_t due = trip(tmp.path(), config, 1'000'000);

    auto counts = admit_at_once(tmp.path(), config, due, ttl, 16);
    EXPECT_EQ(counts[kProbe], GetParam());
    EXPECT_EQ(counts[kRejected], 16 - GetParam());
    EXPECT_EQ(counts[kRunNoProbe] + counts[kStoreError], 0);

    // Those probes' supervisors died without reporting: once they expire, exactly as many
    // new probes are granted, again under a race.
    counts = admit_at_once(tmp.path(), config, due + ttl, ttl, 16);
    EXPECT_EQ(counts[kProbe], GetParam());
    EXPECT_EQ(counts[kRejected], 16 - GetParam());

    auto s = hwtest::open_ok(tmp.path());
    auto b = s->breakers();
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].state, BreakerState::half_open);
    EXPECT_EQ(b[0].active_probes, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Probes, HalfOpenRace, ::testing::Values(1, 3));

// 32 processes x 50 supervised runs each, all at once against one fresh store: the first
// runs race to create the database and switch it to WAL.
TEST(Concurrency, ManyProcessesRecordEveryRunExactlyOnce) {
    TempDir tmp;
    const int processes = 32, runs = 50;
    BreakerConfig config;
    config.consecutive_failures = 4;
    config.window = 10;
    config.min_calls = 5;
    config.failure_rate = 0.5;
    config.open_ms = 20;  // short, so the breaker goes round open -> half_open -> ... under load
    config.max_open_ms = 40;
    config.half_open_probes = 2;
    std::string dir = tmp / "state";

    hwtest::Barrier barrier;
    std::vector<pid_t> pids;
    for (int p = 0; p < processes; ++p) {
        pids.push_back(hwtest::spawn([&, p] {
            barrier.wait_in_child();
            int errors = 0;
            for (int i = 0; i < runs; ++i) {
                std::string error;
                auto s = store::Store::open(dir, error);
                if (!s || !error.empty()) {
                    std::fprintf(stderr, "child %d: %s\n", p, error.c_str());
                    ++errors;
                    continue;
                }
                std::int64_t now = 1'000'000 + i * 10;
                auto a = s->admit("h", config, now, 1000);
                if (!a.error.empty()) {
                    std::fprintf(stderr, "child %d: %s\n", p, a.error.c_str());
                    ++errors;
                }
                // A third of the hooks fail: enough to trip now and then.
                Outcome o = !a.run ? Outcome::breaker_open : ((p + i) % 3 == 0 ? Outcome::error : Outcome::ok);
                RunRecord r = hwtest::make_record("h", o, 5, now);
                r.session_id = std::to_string(p) + ":" + std::to_string(i);
                if (std::string e = s->complete(r, config, a, now); !e.empty()) {
                    std::fprintf(stderr, "child %d: %s\n", p, e.c_str());
                    ++errors;
                }
            }
            return errors > 100 ? 100 : errors;
        }));
    }
    barrier.release();
    for (pid_t pid : pids) EXPECT_EQ(hwtest::wait_exit(pid), 0) << "a child saw store errors";

    auto s = hwtest::open_ok(dir);
    auto records = s->records();
    ASSERT_EQ(records.size(), static_cast<std::size_t>(processes * runs));
    std::map<std::string, int> seen;
    std::int64_t failures = 0, skipped = 0;
    for (const auto& r : records) {
        seen[r.session_id]++;
        failures += is_failure(r.outcome) ? 1 : 0;
        skipped += r.outcome == Outcome::breaker_open ? 1 : 0;
        EXPECT_TRUE(r.breaker_before.has_value());
        EXPECT_TRUE(r.breaker_after.has_value());
    }
    EXPECT_EQ(seen.size(), records.size()) << "a run was recorded twice";
    auto b = s->breakers();
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].runs, processes * runs);
    EXPECT_EQ(b[0].failures, failures);
    EXPECT_GE(b[0].trips, 1);
    std::printf("%lld failures, %lld skipped by the breaker, %lld trips\n", static_cast<long long>(failures),
                static_cast<long long>(skipped), static_cast<long long>(b[0].trips));
}
