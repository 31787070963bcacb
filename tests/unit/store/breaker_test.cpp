// Every breaker transition (README.md, "Breakers and records"), driven through the real store.
#include <gtest/gtest.h>

#include "support.h"

using namespace hookwarden;
using hwtest::TempDir;

namespace {

class Breakers : public ::testing::Test {
protected:
    void SetUp() override { store_ = hwtest::open_ok(tmp_.path()); }

    // One supervised run: admit, and when admitted, complete with `outcome`.
    store::Admission run(Outcome outcome, double wall_ms = 10, const std::string& hook = "h") {
        auto a = store_->admit(hook, config_, now_, ttl_);
        EXPECT_EQ(a.error, "");
        RunRecord r = hwtest::make_record(hook, a.run ? outcome : Outcome::breaker_open, wall_ms, now_);
        EXPECT_EQ(store_->complete(r, config_, a, now_), "");
        last_ = r;
        return a;
    }

    store::BreakerStatus status(const std::string& hook = "h") {
        for (auto& b : store_->breakers())
            if (b.hook == hook) return b;
        return {};
    }

    TempDir tmp_;
    std::unique_ptr<store::Store> store_;
    BreakerConfig config_;
    std::int64_t now_ = 1'000'000;
    std::int64_t ttl_ = 3000;
    RunRecord last_;
};

}  // namespace

TEST_F(Breakers, UnknownHookIsClosedAndRuns) {
    auto a = store_->admit("never-seen", config_, now_, ttl_);
    EXPECT_TRUE(a.run);
    EXPECT_EQ(a.state_before, BreakerState::closed);
    EXPECT_FALSE(a.probe);
    EXPECT_EQ(a.error, "");
}

TEST_F(Breakers, ConsecutiveFailuresTrip) {
    config_.consecutive_failures = 3;
    config_.failure_rate = 0;  // isolate the consecutive rule
    config_.slow_call_rate = 0;
    run(Outcome::error);
    run(Outcome::timeout);
    EXPECT_EQ(status().consecutive_failures, 2);
    EXPECT_EQ(last_.breaker_after, BreakerState::closed);
    run(Outcome::crash);
    EXPECT_EQ(last_.breaker_before, BreakerState::closed);
    EXPECT_EQ(last_.breaker_after, BreakerState::open);
    auto b = status();
    EXPECT_EQ(b.state, BreakerState::open);
    EXPECT_EQ(b.since_ms, now_);
    EXPECT_EQ(b.open_until_ms, now_ + config_.open_ms);
    EXPECT_EQ(b.trips, 1);
    EXPECT_EQ(b.open_count, 1);
}

TEST_F(Breakers, SuccessAndBlockedResetTheConsecutiveCount) {
    config_.consecutive_failures = 3;
    config_.failure_rate = 0;
    config_.slow_call_rate = 0;
    run(Outcome::oom);
    run(Outcome::spawn_error);
    run(Outcome::blocked);  // the hook's own verdict is not a failure
    run(Outcome::error);
    run(Outcome::error);
    EXPECT_EQ(status().state, BreakerState::closed);
    EXPECT_EQ(status().consecutive_failures, 2);
}

TEST_F(Breakers, FailureRateNeedsMinCalls) {
    config_.consecutive_failures = 0;
    config_.window = 10;
    config_.min_calls = 4;
    config_.failure_rate = 0.5;
    config_.slow_call_rate = 0;
    run(Outcome::error);
    run(Outcome::ok);
    run(Outcome::error);  // 2/3 failed, but only 3 calls
    EXPECT_EQ(status().state, BreakerState::closed);
    EXPECT_NEAR(status().window_failure_rate, 2.0 / 3, 1e-9);
    run(Outcome::ok);  // 2/4 = 0.5 >= 0.5 with min_calls reached
    EXPECT_EQ(status().state, BreakerState::open);
}

TEST_F(Breakers, FailureRateWindowSlides) {
    config_.consecutive_failures = 0;
    config_.window = 4;
    config_.min_calls = 4;
    config_.failure_rate = 0.75;
    config_.slow_call_rate = 0;
    // e e o o: 2/4; then o: window is e o o o = 1/4; then e e: o o e e = 2/4 — never 3/4
    for (Outcome o : {Outcome::error, Outcome::error, Outcome::ok, Outcome::ok, Outcome::ok, Outcome::error,
                      Outcome::error})
        run(o);
    auto b = status();
    EXPECT_EQ(b.state, BreakerState::closed);
    EXPECT_EQ(b.window_calls, 4);
    EXPECT_DOUBLE_EQ(b.window_failure_rate, 0.5);
    run(Outcome::error);  // o e e e = 3/4
    EXPECT_EQ(status().state, BreakerState::open);
}

TEST_F(Breakers, SlowCallRateTrips) {
    config_.consecutive_failures = 0;
    config_.failure_rate = 0;
    config_.window = 5;
    config_.min_calls = 5;
    config_.slow_call_ms = 100;
    config_.slow_call_rate = 0.6;
    run(Outcome::ok, 150);
    run(Outcome::ok, 99);
    run(Outcome::ok, 100);  // == slow_call_ms counts as slow
    run(Outcome::ok, 10);
    EXPECT_EQ(status().state, BreakerState::closed);
    run(Outcome::ok, 500);  // 3/5 slow
    EXPECT_EQ(status().state, BreakerState::open);
    EXPECT_EQ(last_.breaker_after, BreakerState::open);
}

TEST_F(Breakers, OpenRejectsUntilOpenMsThenHalfOpensLazily) {
    config_.consecutive_failures = 1;
    config_.open_ms = 1000;
    run(Outcome::error);
    ASSERT_EQ(status().state, BreakerState::open);

    now_ += 400;
    auto a = run(Outcome::ok);
    EXPECT_FALSE(a.run);
    EXPECT_EQ(a.state_before, BreakerState::open);
    EXPECT_EQ(a.retry_after_ms, 600);
    EXPECT_EQ(last_.outcome, Outcome::breaker_open);
    EXPECT_EQ(last_.breaker_before, BreakerState::open);
    EXPECT_EQ(last_.breaker_after, BreakerState::open);
    EXPECT_EQ(status().state, BreakerState::open);  // nothing changes until someone asks after open_ms

    now_ += 600;
    a = store_->admit("h", config_, now_, ttl_);
    EXPECT_TRUE(a.run);
    EXPECT_TRUE(a.probe);
    EXPECT_GT(a.probe_id, 0);
    EXPECT_EQ(a.state_before, BreakerState::half_open);
    EXPECT_EQ(status().state, BreakerState::half_open);
    EXPECT_EQ(status().since_ms, now_);
    EXPECT_EQ(status().active_probes, 1);

    // The one probe slot is taken: others are turned away while it runs.
    auto other = store_->admit("h", config_, now_ + 10, ttl_);
    EXPECT_FALSE(other.run);
    EXPECT_FALSE(other.probe);
    EXPECT_EQ(other.state_before, BreakerState::half_open);
    EXPECT_EQ(other.retry_after_ms, ttl_ - 10);
}

TEST_F(Breakers, ProbeSuccessCloses) {
    config_.consecutive_failures = 1;
    run(Outcome::error);
    now_ += config_.open_ms;
    auto a = run(Outcome::ok);
    ASSERT_TRUE(a.probe);
    EXPECT_EQ(last_.breaker_before, BreakerState::half_open);
    EXPECT_EQ(last_.breaker_after, BreakerState::closed);
    auto b = status();
    EXPECT_EQ(b.state, BreakerState::closed);
    EXPECT_EQ(b.open_count, 0);
    EXPECT_EQ(b.consecutive_failures, 0);
    EXPECT_EQ(b.active_probes, 0);
    EXPECT_EQ(b.trips, 1);
    // And the next trip starts from the base duration again.
    run(Outcome::error);
    EXPECT_EQ(status().open_until_ms, now_ + config_.open_ms);
}

TEST_F(Breakers, ProbeFailureReopensWithDoublingUpToTheCap) {
    config_.consecutive_failures = 1;
    config_.open_ms = 1000;
    config_.max_open_ms = 5000;
    run(Outcome::error);
    std::vector<std::int64_t> durations;
    for (int i = 0; i < 5; ++i) {
        auto b = status();
        durations.push_back(b.open_until_ms - b.since_ms);
        now_ = b.open_until_ms;
        auto a = run(Outcome::timeout);
        ASSERT_TRUE(a.probe);
        EXPECT_EQ(last_.breaker_before, BreakerState::half_open);
        EXPECT_EQ(last_.breaker_after, BreakerState::open);
    }
    EXPECT_EQ(durations, (std::vector<std::int64_t>{1000, 2000, 4000, 5000, 5000}));
    EXPECT_EQ(status().trips, 6);
    EXPECT_EQ(status().open_count, 6);
}

TEST_F(Breakers, SlowProbeDoesNotClose) {
    config_.consecutive_failures = 1;
    config_.slow_call_ms = 100;
    run(Outcome::error);
    now_ += config_.open_ms;
    auto a = run(Outcome::ok, 250);
    ASSERT_TRUE(a.probe);
    EXPECT_EQ(status().state, BreakerState::open);
}

TEST_F(Breakers, ExpiredProbeFreesItsSlot) {
    config_.consecutive_failures = 1;
    run(Outcome::error);
    now_ += config_.open_ms;
    auto dead = store_->admit("h", config_, now_, ttl_);  // its supervisor never reports back
    ASSERT_TRUE(dead.probe);
    EXPECT_FALSE(store_->admit("h", config_, now_ + ttl_ - 1, ttl_).run);
    auto fresh = store_->admit("h", config_, now_ + ttl_, ttl_);
    EXPECT_TRUE(fresh.run);
    EXPECT_TRUE(fresh.probe);
    EXPECT_NE(fresh.probe_id, dead.probe_id);
    EXPECT_EQ(status().active_probes, 1);
    now_ += ttl_;
    RunRecord r = hwtest::make_record("h", Outcome::ok, 10, now_);
    ASSERT_EQ(store_->complete(r, config_, fresh, now_), "");
    EXPECT_EQ(status().state, BreakerState::closed);
}

TEST_F(Breakers, SeveralProbesAllMustSucceed) {
    config_.consecutive_failures = 1;
    config_.half_open_probes = 3;
    run(Outcome::error);
    now_ += config_.open_ms;
    std::vector<store::Admission> probes;
    for (int i = 0; i < 4; ++i) probes.push_back(store_->admit("h", config_, now_, ttl_));
    EXPECT_TRUE(probes[0].probe && probes[1].probe && probes[2].probe);
    EXPECT_FALSE(probes[3].run);
    for (int i = 0; i < 2; ++i) {
        RunRecord r = hwtest::make_record("h", Outcome::ok, 10, now_);
        ASSERT_EQ(store_->complete(r, config_, probes[static_cast<std::size_t>(i)], now_), "");
        EXPECT_EQ(r.breaker_after, BreakerState::half_open);
    }
    RunRecord r = hwtest::make_record("h", Outcome::ok, 10, now_);
    ASSERT_EQ(store_->complete(r, config_, probes[2], now_), "");
    EXPECT_EQ(r.breaker_after, BreakerState::closed);
}

TEST_F(Breakers, OneFailedProbeReopensAndLateProbesAreOnlyRecorded) {
    config_.consecutive_failures = 1;
    config_.half_open_probes = 2;
    run(Outcome::error);
    now_ += config_.open_ms;
    auto p1 = store_->admit("h", config_, now_, ttl_);
    auto p2 = store_->admit("h", config_, now_, ttl_);
    ASSERT_TRUE(p1.probe && p2.probe);
    RunRecord bad = hwtest::make_record("h", Outcome::crash, 10, now_);
    ASSERT_EQ(store_->complete(bad, config_, p1, now_), "");
    EXPECT_EQ(bad.breaker_after, BreakerState::open);
    RunRecord late = hwtest::make_record("h", Outcome::ok, 10, now_);
    ASSERT_EQ(store_->complete(late, config_, p2, now_), "");
    EXPECT_EQ(late.breaker_after, BreakerState::open);
    EXPECT_EQ(status().state, BreakerState::open);
    EXPECT_EQ(store_->record_count(), 3u);
}

TEST_F(Breakers, ResultsOfRunsAdmittedBeforeATripDoNotReTrip) {
    config_.consecutive_failures = 2;
    auto a1 = store_->admit("h", config_, now_, ttl_);
    auto a2 = store_->admit("h", config_, now_, ttl_);
    auto a3 = store_->admit("h", config_, now_, ttl_);
    for (auto* a : {&a1, &a2, &a3}) {
        RunRecord r = hwtest::make_record("h", Outcome::error, 10, now_);
        ASSERT_EQ(store_->complete(r, config_, *a, now_), "");
    }
    auto b = status();
    EXPECT_EQ(b.state, BreakerState::open);
    EXPECT_EQ(b.trips, 1);
    EXPECT_EQ(b.runs, 3);
    EXPECT_EQ(b.failures, 3);
}

TEST_F(Breakers, BreakerOpenAndInternalErrorRecordsAreNotFailures) {
    config_.consecutive_failures = 2;
    run(Outcome::error);
    store::Admission closed;
    closed.state_before = BreakerState::closed;
    for (Outcome o : {Outcome::breaker_open, Outcome::internal_error}) {
        RunRecord r = hwtest::make_record("h", o, 10, now_);
        ASSERT_EQ(store_->complete(r, config_, closed, now_), "");
    }
    EXPECT_EQ(status().consecutive_failures, 1);
    EXPECT_EQ(status().failures, 1);
    EXPECT_EQ(store_->record_count(), 3u);
}

TEST_F(Breakers, ForcedOpenNeverRunsUntilClosed) {
    ASSERT_EQ(store_->set_breaker("h", "open", now_), "");
    for (int i = 0; i < 3; ++i) {
        now_ += 10 * config_.max_open_ms;
        auto a = run(Outcome::ok);
        EXPECT_FALSE(a.run);
        EXPECT_EQ(a.state_before, BreakerState::forced_open);
        EXPECT_EQ(last_.outcome, Outcome::breaker_open);
    }
    ASSERT_EQ(store_->set_breaker("h", "close", now_), "");
    EXPECT_TRUE(run(Outcome::ok).run);
    EXPECT_EQ(status().state, BreakerState::closed);
}

TEST_F(Breakers, DisabledAlwaysRunsAndNeverTrips) {
    config_.consecutive_failures = 1;
    ASSERT_EQ(store_->set_breaker("h", "disable", now_), "");
    for (int i = 0; i < 20; ++i) {
        auto a = run(Outcome::timeout);
        EXPECT_TRUE(a.run);
        EXPECT_EQ(a.state_before, BreakerState::disabled);
    }
    EXPECT_EQ(status().state, BreakerState::disabled);
    EXPECT_EQ(last_.breaker_after, BreakerState::disabled);
    EXPECT_EQ(status().failures, 20);
}

TEST_F(Breakers, ResetAndCloseEndAnOpenEpisode) {
    config_.consecutive_failures = 1;
    run(Outcome::error);
    now_ += config_.open_ms;
    ASSERT_TRUE(store_->admit("h", config_, now_, ttl_).probe);  // a probe in flight
    ASSERT_EQ(store_->set_breaker("h", "close", now_), "");
    auto b = status();
    EXPECT_EQ(b.state, BreakerState::closed);
    EXPECT_EQ(b.active_probes, 0);
    EXPECT_EQ(b.trips, 1);  // close keeps the history
    run(Outcome::error);
    ASSERT_EQ(store_->set_breaker("h", "reset", now_), "");
    b = status();
    EXPECT_EQ(b.state, BreakerState::closed);
    EXPECT_EQ(b.trips, 0);
    EXPECT_EQ(b.open_count, 0);
    // A breaker can be set by hand before its hook ever ran.
    ASSERT_EQ(store_->set_breaker("fresh", "open", now_), "");
    EXPECT_EQ(status("fresh").state, BreakerState::forced_open);
}

TEST_F(Breakers, BadManualActionsAreRejected) {
    EXPECT_NE(store_->set_breaker("h", "explode", now_), "");
    EXPECT_NE(store_->set_breaker("", "reset", now_), "");
    EXPECT_TRUE(store_->breakers().empty());
}

TEST_F(Breakers, HooksAreIndependent) {
    config_.consecutive_failures = 1;
    run(Outcome::error, 10, "a");
    EXPECT_EQ(status("a").state, BreakerState::open);
    EXPECT_TRUE(run(Outcome::ok, 10, "b").run);
    EXPECT_EQ(status("b").state, BreakerState::closed);
}
