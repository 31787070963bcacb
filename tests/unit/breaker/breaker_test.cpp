// The breaker state machine on its own: every transition, with `now` passed in. No store,
// no clock; tests/unit/store/breaker_test.cpp drives the same rules through SQLite.
#include <ostream>

#include <gtest/gtest.h>

#include "breaker/breaker.h"

namespace hookwarden {
inline void PrintTo(BreakerState state, std::ostream* os) { *os << to_string(state); }
}  // namespace hookwarden

using namespace hookwarden;
using breaker::Action;
using breaker::Breaker;

namespace {

constexpr std::int64_t kNow = 1'000'000;

// Only the rule under test trips: the others are switched off.
BreakerConfig consecutive_only(std::int64_t failures) {
    BreakerConfig c;
    c.consecutive_failures = failures;
    c.failure_rate = 0;
    c.slow_call_rate = 0;
    return c;
}

bool apply(Breaker& b, const BreakerConfig& c, Outcome outcome, double wall_ms = 10, bool probe = false,
           std::int64_t now = kNow) {
    return breaker::apply(b, c, {outcome, wall_ms, probe}, now);
}

Breaker tripped(const BreakerConfig& c, std::int64_t now = kNow) {
    Breaker b = breaker::fresh(now);
    for (std::int64_t i = 0; i < c.consecutive_failures; ++i) apply(b, c, Outcome::error, 10, false, now);
    return b;
}

}  // namespace

TEST(BreakerState, NamesRoundTripAndUnknownIsNullopt) {
    for (auto s : {BreakerState::closed, BreakerState::open, BreakerState::half_open, BreakerState::disabled,
                   BreakerState::forced_open})
        EXPECT_EQ(breaker_state_from_string(to_string(s)), s);
    EXPECT_STREQ(to_string(BreakerState::half_open), "half_open");
    EXPECT_STREQ(to_string(BreakerState::forced_open), "forced_open");
    EXPECT_EQ(breaker_state_from_string("ajar"), std::nullopt);
    EXPECT_EQ(breaker_state_from_string(""), std::nullopt);
    EXPECT_EQ(breaker_state_text(std::nullopt), "");
    EXPECT_EQ(breaker_state_text(BreakerState::open), "open");
}

TEST(BreakerOutcomes, SkippedAndInternalRunsDoNotCount) {
    EXPECT_FALSE(counts_for_breaker(Outcome::breaker_open));
    EXPECT_FALSE(counts_for_breaker(Outcome::internal_error));
    for (auto o : {Outcome::ok, Outcome::blocked, Outcome::error, Outcome::crash, Outcome::timeout, Outcome::oom,
                   Outcome::spawn_error})
        EXPECT_TRUE(counts_for_breaker(o)) << to_string(o);
}

TEST(BreakerAdmit, ClosedAndDisabledAdmit) {
    Breaker b = breaker::fresh(kNow);
    EXPECT_EQ(b.state, BreakerState::closed);
    EXPECT_EQ(b.since_ms, kNow);
    auto v = breaker::admit_without_probe(b, kNow);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->run);
    EXPECT_FALSE(v->probe);
    breaker::apply(b, Action::disable, kNow);
    v = breaker::admit_without_probe(b, kNow);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->run);
}

TEST(BreakerAdmit, ForcedOpenRefusesWithoutEnd) {
    Breaker b = breaker::fresh(kNow);
    breaker::apply(b, Action::open, kNow);
    EXPECT_EQ(b.state, BreakerState::forced_open);
    auto v = breaker::admit_without_probe(b, kNow + 1'000'000'000);
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->run);
    EXPECT_EQ(v->retry_after_ms, 0);
    EXPECT_FALSE(breaker::enter_half_open(b, kNow + 1'000'000'000));
}

TEST(BreakerAdmit, OpenRefusesUntilOpenUntilThenWantsAProbe) {
    BreakerConfig c = consecutive_only(2);
    c.open_ms = 5000;
    Breaker b = tripped(c);
    ASSERT_EQ(b.state, BreakerState::open);
    EXPECT_EQ(b.open_until_ms, kNow + 5000);
    auto v = breaker::admit_without_probe(b, kNow + 1200);
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->run);
    EXPECT_EQ(v->retry_after_ms, 3800);
    EXPECT_FALSE(breaker::admit_without_probe(b, kNow + 5000));  // due: a probe slot decides
    EXPECT_TRUE(breaker::enter_half_open(b, kNow + 5000));
    EXPECT_EQ(b.state, BreakerState::half_open);
    EXPECT_EQ(b.since_ms, kNow + 5000);
    EXPECT_FALSE(breaker::admit_without_probe(b, kNow + 5000));
    EXPECT_FALSE(breaker::enter_half_open(b, kNow + 5001));  // already half-open
}

TEST(BreakerProbes, BoundedSlotsAndRetryAfterTheEarliest) {
    BreakerConfig c;
    c.half_open_probes = 2;
    auto first = breaker::admit_probe(c, {}, kNow, 3000);
    EXPECT_TRUE(first.run);
    EXPECT_TRUE(first.probe);
    EXPECT_EQ(first.probe_expires_ms, kNow + 3000);
    auto second = breaker::admit_probe(c, {kNow + 3000}, kNow + 10, 3000);
    EXPECT_TRUE(second.probe);
    auto third = breaker::admit_probe(c, {kNow + 3000, kNow + 3010}, kNow + 20, 3000);
    EXPECT_FALSE(third.run);
    EXPECT_FALSE(third.probe);
    EXPECT_EQ(third.retry_after_ms, 2980);
}

TEST(BreakerProbes, ASlotPastItsTtlIsPresumedDead) {
    BreakerConfig c;
    c.half_open_probes = 1;
    EXPECT_FALSE(breaker::probe_expired(kNow + 1, kNow));
    EXPECT_TRUE(breaker::probe_expired(kNow, kNow));
    EXPECT_FALSE(breaker::admit_probe(c, {kNow + 3000}, kNow + 2999, 3000).run);
    auto after = breaker::admit_probe(c, {kNow + 3000}, kNow + 3000, 3000);
    EXPECT_TRUE(after.probe);
    EXPECT_EQ(after.probe_expires_ms, kNow + 6000);
}

TEST(BreakerProbes, NonPositiveSettingsStillGrantOneShortSlot) {
    BreakerConfig c;
    c.half_open_probes = 0;
    auto v = breaker::admit_probe(c, {}, kNow, 0);
    EXPECT_TRUE(v.probe);
    EXPECT_EQ(v.probe_expires_ms, kNow + 1);
    EXPECT_FALSE(breaker::admit_probe(c, {kNow + 1}, kNow, 0).run);
    // A slot expiring now is no reason to wait: retry_after is at least 1 ms.
    EXPECT_EQ(breaker::admit_probe(c, {kNow + 1}, kNow, 0).retry_after_ms, 1);
}

TEST(BreakerOutcome, ConsecutiveFailuresTripAndASuccessResetsTheCount) {
    BreakerConfig c = consecutive_only(3);
    Breaker b = breaker::fresh(kNow);
    apply(b, c, Outcome::error);
    apply(b, c, Outcome::timeout);
    EXPECT_EQ(b.consecutive_failures, 2);
    apply(b, c, Outcome::ok);
    EXPECT_EQ(b.consecutive_failures, 0);
    apply(b, c, Outcome::crash);
    apply(b, c, Outcome::oom);
    EXPECT_FALSE(apply(b, c, Outcome::spawn_error, 10, false, kNow + 7));
    EXPECT_EQ(b.state, BreakerState::open);
    EXPECT_EQ(b.since_ms, kNow + 7);
    EXPECT_EQ(b.trips, 1);
    EXPECT_EQ(b.open_count, 1);
    EXPECT_EQ(b.consecutive_failures, 0);
    EXPECT_EQ(b.runs, 6);
    EXPECT_EQ(b.failures, 5);
    EXPECT_TRUE(b.recent.empty());
}

TEST(BreakerOutcome, BlockedIsAVerdictNotAFailure) {
    BreakerConfig c = consecutive_only(1);
    Breaker b = breaker::fresh(kNow);
    apply(b, c, Outcome::blocked);
    EXPECT_EQ(b.state, BreakerState::closed);
    EXPECT_EQ(b.failures, 0);
}

TEST(BreakerOutcome, UncountedRunsChangeOnlyTheTotals) {
    BreakerConfig c = consecutive_only(1);
    Breaker b = breaker::fresh(kNow);
    apply(b, c, Outcome::internal_error);
    apply(b, c, Outcome::breaker_open);
    EXPECT_EQ(b.state, BreakerState::closed);
    EXPECT_EQ(b.runs, 2);
    EXPECT_EQ(b.failures, 0);
    EXPECT_TRUE(b.recent.empty());
}

TEST(BreakerOutcome, ZeroThresholdsSwitchRulesOff) {
    BreakerConfig c = consecutive_only(0);
    c.min_calls = 1;
    Breaker b = breaker::fresh(kNow);
    for (int i = 0; i < 50; ++i) apply(b, c, Outcome::error, 5000);
    EXPECT_EQ(b.state, BreakerState::closed);
    EXPECT_EQ(b.consecutive_failures, 50);
}

TEST(BreakerWindow, FailureRateTripsOnlyFromMinCalls) {
    BreakerConfig c = consecutive_only(0);
    c.failure_rate = 0.5;
    c.window = 4;
    c.min_calls = 4;
    Breaker b = breaker::fresh(kNow);
    apply(b, c, Outcome::error);
    apply(b, c, Outcome::ok);
    apply(b, c, Outcome::error);  // 2 of 3, under min_calls
    EXPECT_EQ(b.state, BreakerState::closed);
    EXPECT_EQ(b.recent, "101");
    apply(b, c, Outcome::ok);  // 2 of 4 = 0.5
    EXPECT_EQ(b.state, BreakerState::open);
}

TEST(BreakerWindow, SlidesAndKeepsOnlyTheNewestCalls) {
    BreakerConfig c = consecutive_only(0);
    c.failure_rate = 0.75;
    c.window = 4;
    c.min_calls = 4;
    Breaker b = breaker::fresh(kNow);
    for (auto o : {Outcome::error, Outcome::ok, Outcome::error, Outcome::ok, Outcome::error, Outcome::ok})
        apply(b, c, o);
    // Six calls, never 3 failures among the newest 4.
    EXPECT_EQ(b.state, BreakerState::closed);
    EXPECT_EQ(b.recent, "1010");
    auto rates = breaker::window_rates(b.recent);
    EXPECT_EQ(rates.calls, 4);
    EXPECT_DOUBLE_EQ(rates.failure_rate, 0.5);
    apply(b, c, Outcome::error);  // the oldest failure slides out
    EXPECT_EQ(b.recent, "0101");
    EXPECT_EQ(b.state, BreakerState::closed);
    apply(b, c, Outcome::error);  // "1011": 3 of 4
    EXPECT_EQ(b.state, BreakerState::open);
}

TEST(BreakerWindow, SlowCallRate) {
    BreakerConfig c = consecutive_only(0);
    c.slow_call_ms = 100;
    c.slow_call_rate = 0.5;
    c.window = 4;
    c.min_calls = 2;
    Breaker b = breaker::fresh(kNow);
    apply(b, c, Outcome::ok, 99.9);
    EXPECT_EQ(b.recent, "0");
    apply(b, c, Outcome::ok, 100);  // at the threshold is slow: "02", half of them slow
    EXPECT_EQ(b.state, BreakerState::open);
    EXPECT_EQ(b.failures, 0);
    EXPECT_DOUBLE_EQ(breaker::window_rates("02").slow_rate, 0.5);
    // A slow failure counts for both rates.
    EXPECT_DOUBLE_EQ(breaker::window_rates("3").failure_rate, 1.0);
    EXPECT_DOUBLE_EQ(breaker::window_rates("3").slow_rate, 1.0);
}

TEST(BreakerWindow, NoWindowKeepsNoHistory) {
    BreakerConfig c = consecutive_only(0);
    c.failure_rate = 0.1;
    c.window = 0;
    c.min_calls = 0;
    Breaker b = breaker::fresh(kNow);
    for (int i = 0; i < 5; ++i) apply(b, c, Outcome::error);
    EXPECT_TRUE(b.recent.empty());
    EXPECT_EQ(b.state, BreakerState::closed);
    EXPECT_EQ(breaker::window_rates("").calls, 0);
}

TEST(BreakerDoubling, OpenDurationDoublesUpToTheCap) {
    BreakerConfig c;
    c.open_ms = 1000;
    c.max_open_ms = 5000;
    EXPECT_EQ(breaker::open_duration_ms(c, 1), 1000);
    EXPECT_EQ(breaker::open_duration_ms(c, 2), 2000);
    EXPECT_EQ(breaker::open_duration_ms(c, 3), 4000);
    EXPECT_EQ(breaker::open_duration_ms(c, 4), 5000);
    EXPECT_EQ(breaker::open_duration_ms(c, 60), 5000);
    c.max_open_ms = 10;  // a cap under open_ms does not shorten it
    EXPECT_EQ(breaker::open_duration_ms(c, 3), 1000);
    c.open_ms = -5;
    EXPECT_EQ(breaker::open_duration_ms(c, 1), 0);
}

TEST(BreakerProbeOutcome, FailedOrSlowProbeReopensForLonger) {
    BreakerConfig c = consecutive_only(1);
    c.open_ms = 1000;
    c.max_open_ms = 8000;
    c.slow_call_ms = 500;
    Breaker b = tripped(c);
    ASSERT_TRUE(breaker::enter_half_open(b, kNow + 1000));
    EXPECT_TRUE(apply(b, c, Outcome::error, 10, true, kNow + 1100));
    EXPECT_EQ(b.state, BreakerState::open);
    EXPECT_EQ(b.open_count, 2);
    EXPECT_EQ(b.trips, 2);
    EXPECT_EQ(b.open_until_ms, kNow + 1100 + 2000);
    ASSERT_TRUE(breaker::enter_half_open(b, kNow + 3100));
    EXPECT_TRUE(apply(b, c, Outcome::ok, 600, true, kNow + 3200));  // slow: not recovered
    EXPECT_EQ(b.state, BreakerState::open);
    EXPECT_EQ(b.open_until_ms, kNow + 3200 + 4000);
}

TEST(BreakerProbeOutcome, EnoughSuccessfulProbesClose) {
    BreakerConfig c = consecutive_only(1);
    c.half_open_probes = 2;
    Breaker b = tripped(c);
    ASSERT_TRUE(breaker::enter_half_open(b, kNow + c.open_ms));
    EXPECT_FALSE(apply(b, c, Outcome::ok, 10, true));
    EXPECT_EQ(b.state, BreakerState::half_open);
    EXPECT_EQ(b.probe_successes, 1);
    EXPECT_TRUE(apply(b, c, Outcome::blocked, 10, true, kNow + 99));
    EXPECT_EQ(b.state, BreakerState::closed);
    EXPECT_EQ(b.since_ms, kNow + 99);
    EXPECT_EQ(b.open_count, 0);  // the next trip starts from open_ms again
    EXPECT_EQ(b.open_until_ms, 0);
    EXPECT_EQ(b.trips, 1);
}

TEST(BreakerProbeOutcome, LateResultsOnlyCount) {
    BreakerConfig c = consecutive_only(1);
    Breaker b = tripped(c);
    ASSERT_TRUE(breaker::enter_half_open(b, kNow + c.open_ms));
    // A run admitted before the trip reports while half-open: no probe, no decision.
    EXPECT_FALSE(apply(b, c, Outcome::error, 10, false));
    EXPECT_EQ(b.state, BreakerState::half_open);
    // A probe reporting after another probe closed it changes nothing either.
    EXPECT_TRUE(apply(b, c, Outcome::ok, 10, true));
    ASSERT_EQ(b.state, BreakerState::closed);
    EXPECT_FALSE(apply(b, c, Outcome::error, 10, true));
    EXPECT_EQ(b.state, BreakerState::closed);
    EXPECT_EQ(b.consecutive_failures, 0);
    EXPECT_EQ(b.failures, 3);
}

TEST(BreakerActions, NamesAndUnknown) {
    for (auto a : {Action::reset, Action::close, Action::open, Action::disable})
        EXPECT_EQ(breaker::action_from_string(breaker::to_string(a)), a);
    EXPECT_EQ(breaker::action_from_string("explode"), std::nullopt);
}

TEST(BreakerActions, CloseKeepsTripsResetForgetsThem) {
    BreakerConfig c = consecutive_only(1);
    Breaker b = tripped(c);
    breaker::apply(b, Action::close, kNow + 5);
    EXPECT_EQ(b.state, BreakerState::closed);
    EXPECT_EQ(b.since_ms, kNow + 5);
    EXPECT_EQ(b.trips, 1);
    EXPECT_EQ(b.open_count, 0);
    b = tripped(c);
    breaker::apply(b, Action::reset, kNow + 5);
    EXPECT_EQ(b.state, BreakerState::closed);
    EXPECT_EQ(b.trips, 0);
}

TEST(BreakerActions, DisabledNeverTripsAndForcedOpenIgnoresOutcomes) {
    BreakerConfig c = consecutive_only(1);
    Breaker b = breaker::fresh(kNow);
    breaker::apply(b, Action::disable, kNow);
    for (int i = 0; i < 5; ++i) apply(b, c, Outcome::crash);
    EXPECT_EQ(b.state, BreakerState::disabled);
    EXPECT_EQ(b.failures, 5);
    b = tripped(c);
    breaker::apply(b, Action::open, kNow + 1);
    EXPECT_EQ(b.state, BreakerState::forced_open);
    EXPECT_EQ(b.open_until_ms, 0);
    EXPECT_FALSE(apply(b, c, Outcome::ok, 10, true));
    EXPECT_EQ(b.state, BreakerState::forced_open);
}

TEST(BreakerGate, OnlyClosedAndDisabledSkipTheAdmission) {
    EXPECT_FALSE(breaker::needs_admission(BreakerState::closed));
    EXPECT_FALSE(breaker::needs_admission(BreakerState::disabled));
    EXPECT_TRUE(breaker::needs_admission(BreakerState::open));
    EXPECT_TRUE(breaker::needs_admission(BreakerState::half_open));
    EXPECT_TRUE(breaker::needs_admission(BreakerState::forced_open));
}
