// Each rule fires and resolves as the records' timestamps move through its window; no
// test sleeps. Time is a minute counter from T0.
#include <gtest/gtest.h>

#include "alerts/alerts.h"

using namespace hookwarden;
using namespace hookwarden::alerts;

namespace {

constexpr std::int64_t T0 = 1'800'000'000'000;
constexpr std::int64_t kSecond = 1000, kMinute = 60 * kSecond;

Sample run(std::int64_t at, Outcome outcome = Outcome::ok, double wall_ms = 10, std::int64_t peak_mb = 5,
           std::int64_t limit_mb = 50) {
    return {at, outcome, wall_ms, peak_mb * 1024 * 1024, limit_mb};
}

// One run every `every` from `from` (inclusive) to `to` (exclusive), made by `make(t)`.
template <class Make>
void runs(std::vector<Sample>& out, std::int64_t from, std::int64_t to, std::int64_t every, Make make) {
    for (std::int64_t t = from; t < to; t += every) out.push_back(make(t));
}

}  // namespace

TEST(AlertRules, SlowP95FiresAfterFiveMinutesAndResolvesWhenTheWindowIsFastAgain) {
    const AlertRule rule = builtin_alert(AlertKind::slow_p95);  // > 2 s over 5 m for 5 m
    std::vector<Sample> s;
    runs(s, T0, T0 + 20 * kMinute, 30 * kSecond, [](std::int64_t t) { return run(t, Outcome::ok, 100); });
    EXPECT_FALSE(evaluate(rule, s, T0 + 20 * kMinute - 1).active);
    // From minute 20 on every run takes 2.5 s.
    runs(s, T0 + 20 * kMinute, T0 + 40 * kMinute, 30 * kSecond, [](std::int64_t t) { return run(t, Outcome::ok, 2500); });
    // p95 of the window passes 2 s once more than 5 % of its runs are slow: the first slow run.
    Evaluation pending = evaluate(rule, s, T0 + 22 * kMinute);
    EXPECT_TRUE(pending.active);
    EXPECT_FALSE(pending.firing);
    EXPECT_EQ(pending.active_since_ms, T0 + 20 * kMinute);
    Evaluation firing = evaluate(rule, s, T0 + 25 * kMinute);
    EXPECT_TRUE(firing.firing);
    EXPECT_EQ(firing.firing_since_ms, T0 + 25 * kMinute);
    EXPECT_NE(firing.now.why.find("p95 2500 ms"), std::string::npos) << firing.now.why;
    // Fast again from minute 40: resolved once the last slow run has left the window.
    runs(s, T0 + 40 * kMinute, T0 + 50 * kMinute, 30 * kSecond, [](std::int64_t t) { return run(t, Outcome::ok, 100); });
    EXPECT_TRUE(evaluate(rule, s, T0 + 44 * kMinute).firing);
    EXPECT_FALSE(evaluate(rule, s, T0 + 45 * kMinute).active);
}

TEST(AlertRules, MemoryHighComparesEachRunWithItsOwnLimit) {
    const AlertRule rule = builtin_alert(AlertKind::memory_high);  // > 80 % over 2 m for 2 m
    std::vector<Sample> s;
    // 45 MB of a 100 MB limit is fine; 45 MB of a 50 MB limit is 90 %.
    runs(s, T0, T0 + 5 * kMinute, 10 * kSecond, [](std::int64_t t) { return run(t, Outcome::ok, 10, 45, 100); });
    EXPECT_FALSE(evaluate(rule, s, T0 + 5 * kMinute).active);
    runs(s, T0 + 5 * kMinute, T0 + 10 * kMinute, 10 * kSecond, [](std::int64_t t) { return run(t, Outcome::ok, 10, 45, 50); });
    EXPECT_FALSE(evaluate(rule, s, T0 + 6 * kMinute).firing);
    Evaluation e = evaluate(rule, s, T0 + 7 * kMinute);
    EXPECT_TRUE(e.firing);
    EXPECT_NEAR(e.now.value, 0.9, 1e-9);
    EXPECT_NE(e.now.why.find("90 % of the 50 MiB limit"), std::string::npos) << e.now.why;
    // No more runs: the last high one leaves the 2 m window.
    EXPECT_TRUE(evaluate(rule, s, T0 + 11 * kMinute).firing);
    EXPECT_FALSE(evaluate(rule, s, T0 + 12 * kMinute).active);
}

TEST(AlertRules, ErrorRateNeedsMoreThanItsThresholdForItsForDuration) {
    AlertRule rule = builtin_alert(AlertKind::error_rate);  // > 5 % over 5 m for 1 m
    std::vector<Sample> s;
    // One failure in 20 runs is exactly 5 %: not above.
    runs(s, T0, T0 + 5 * kMinute, 15 * kSecond, [](std::int64_t t) {
        return run(t, t == T0 ? Outcome::error : Outcome::ok);
    });
    EXPECT_FALSE(evaluate(rule, s, T0 + 5 * kMinute - 1).active);
    s.push_back(run(T0 + 5 * kMinute - 500, Outcome::crash));  // 2 of 21
    std::sort(s.begin(), s.end(), [](const Sample& a, const Sample& b) { return a.time_ms < b.time_ms; });
    Evaluation now = evaluate(rule, s, T0 + 5 * kMinute - 400);
    EXPECT_TRUE(now.active);
    EXPECT_FALSE(now.firing);
    // The first failure leaves the window at T0 + 5 m: 1 of 20 again, and the clock restarts.
    EXPECT_FALSE(evaluate(rule, s, T0 + 5 * kMinute).active);
    // Blocked runs are the hook's verdict, not failures; breaker-skipped runs are not judged.
    std::vector<Sample> verdicts{run(T0, Outcome::blocked), run(T0 + 1, Outcome::breaker_open)};
    EXPECT_FALSE(evaluate(rule, verdicts, T0 + 2 * kMinute).active);
    rule.enabled = false;
    std::vector<Sample> failing{run(T0, Outcome::error)};
    EXPECT_FALSE(evaluate(rule, failing, T0 + 2 * kMinute).active);
}

TEST(AlertRules, TimeoutFiresAtOnceAndResolvesWhenItLeavesTheWindow) {
    AlertRule rule = builtin_alert(AlertKind::timeout);  // any in 5 m, for 0
    std::vector<Sample> s{run(T0), run(T0 + kMinute, Outcome::timeout, 2200), run(T0 + 2 * kMinute)};
    EXPECT_FALSE(evaluate(rule, s, T0 + kMinute - 1).active);
    Evaluation e = evaluate(rule, s, T0 + kMinute);
    EXPECT_TRUE(e.firing);
    EXPECT_EQ(e.firing_since_ms, T0 + kMinute);
    EXPECT_TRUE(evaluate(rule, s, T0 + 6 * kMinute - 1).firing);
    EXPECT_FALSE(evaluate(rule, s, T0 + 6 * kMinute).active);
    rule.threshold = 1;  // two timeouts needed
    EXPECT_FALSE(evaluate(rule, s, T0 + 2 * kMinute).active);
}

TEST(AlertRules, StepGoesPendingFiringResolvedOncePerFiring) {
    const AlertRule rule = builtin_alert(AlertKind::error_rate);  // for 1 m
    Condition bad{true, 0.5, 2, "x"}, good{false, 0, 2, "y"};
    Step a = step(rule, {}, bad, T0);
    EXPECT_EQ(a.next.active_since_ms, T0);
    EXPECT_FALSE(a.next.firing);
    EXPECT_FALSE(a.started_firing);
    Step b = step(rule, a.next, bad, T0 + 30 * kSecond);
    EXPECT_FALSE(b.started_firing);
    Step c = step(rule, b.next, bad, T0 + kMinute);
    EXPECT_TRUE(c.started_firing);
    Step d = step(rule, c.next, bad, T0 + 2 * kMinute);
    EXPECT_TRUE(d.next.firing);
    EXPECT_FALSE(d.started_firing);  // once per firing
    Step e = step(rule, d.next, good, T0 + 3 * kMinute);
    EXPECT_TRUE(e.resolved);
    EXPECT_FALSE(e.next.active_since_ms);
    EXPECT_TRUE(step(builtin_alert(AlertKind::timeout), e.next, bad, T0 + 4 * kMinute).started_firing);
}
