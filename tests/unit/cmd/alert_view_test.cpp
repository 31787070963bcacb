// `hookwarden alerts`' evaluation (src/cmd/alert_view.cpp) over real records committed
// through the real store, with chosen timestamps: each of the four rules fires after its
// `for` and resolves as `now` moves past its window, with the policy's per-hook settings.
#include <gtest/gtest.h>

#include <sstream>

#include "../scratch_files.h"
#include "cmd/alert_view.h"
#include "store/store.h"

using namespace hookwarden;
using namespace hookwarden::cmd;
using namespace hwunit;

namespace {

constexpr std::int64_t T0 = 1'800'000'000'000;
constexpr std::int64_t kSecond = 1000, kMinute = 60 * kSecond;

class AlertsNow : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = make_temp_dir();
        write(dir_ / "policy.json", R"({"version": 1,
          "hooks": {"quick": {"event": "Stop", "command": ["true"],
                              "alerts": {"HookSlowP95": {"threshold": "100ms", "for": "1m"}}}}})");
        std::string error;
        store_ = store::Store::open((dir_ / "state").string(), error);
        ASSERT_TRUE(store_) << error;
    }
    void TearDown() override { fs::remove_all(dir_); }

    void record(const std::string& hook, std::int64_t at, Outcome outcome, double wall_ms, std::int64_t peak_mb = 1) {
        RunRecord r;
        r.time_unix_ms = at;
        r.hook = hook;
        r.event = hook == "quick" ? "Stop" : "PreToolUse";
        r.outcome = outcome;
        r.exit_code = 0;
        r.wall_ms = wall_ms;
        r.peak_memory_bytes = peak_mb * 1024 * 1024;
        r.limits.memory_mb = 50;
        ASSERT_EQ(store_->complete(r, {}, {}, at), "");
    }
    // The state of `alert` for `hook` at `now`: "", "pending" or "firing".
    std::string state(const std::string& alert, const std::string& hook, std::int64_t now) {
        std::ostringstream err;
        AlertView view = current_alerts((dir_ / "policy.json").string(), (dir_ / "state").string(), now, err);
        EXPECT_TRUE(view.ok) << err.str();
        for (const auto& a : view.active)
            if (a.hook == hook && alert_name(a.rule.kind) == alert) return a.evaluation.firing ? "firing" : "pending";
        return "";
    }
    fs::path dir_;
    std::unique_ptr<store::Store> store_;
};

}  // namespace

TEST_F(AlertsNow, SlowP95UsesTheHooksOwnThresholdAndFor) {
    for (std::int64_t t = T0; t < T0 + 3 * kMinute; t += 10 * kSecond) record("quick", t, Outcome::ok, 150);
    EXPECT_EQ(state("HookSlowP95", "quick", T0 + 30 * kSecond), "pending");
    EXPECT_EQ(state("HookSlowP95", "quick", T0 + kMinute), "firing");
    // The last slow run at T0 + 2m50s leaves the 5 m window at T0 + 7m50s.
    EXPECT_EQ(state("HookSlowP95", "quick", T0 + 7 * kMinute + 49 * kSecond), "firing");
    EXPECT_EQ(state("HookSlowP95", "quick", T0 + 7 * kMinute + 50 * kSecond), "");
}

TEST_F(AlertsNow, MemoryHighErrorRateAndTimeoutFireAndResolve) {
    for (std::int64_t t = T0; t < T0 + 3 * kMinute; t += 10 * kSecond) record("big", t, Outcome::ok, 10, 45);
    EXPECT_EQ(state("HookMemoryHigh", "big", T0 + kMinute), "pending");
    EXPECT_EQ(state("HookMemoryHigh", "big", T0 + 2 * kMinute), "firing");
    EXPECT_EQ(state("HookMemoryHigh", "big", T0 + 5 * kMinute), "");

    for (std::int64_t t = T0; t < T0 + 2 * kMinute; t += 10 * kSecond)
        record("flaky", t, t % (20 * kSecond) == 0 ? Outcome::error : Outcome::ok, 10);
    EXPECT_EQ(state("HookErrorRate", "flaky", T0 + 30 * kSecond), "pending");
    EXPECT_EQ(state("HookErrorRate", "flaky", T0 + 90 * kSecond), "firing");
    EXPECT_EQ(state("HookErrorRate", "flaky", T0 + 7 * kMinute), "");

    record("hung", T0 + kMinute, Outcome::timeout, 2200);
    EXPECT_EQ(state("HookTimeout", "hung", T0 + kMinute - 1), "");
    EXPECT_EQ(state("HookTimeout", "hung", T0 + kMinute), "firing");
    EXPECT_EQ(state("HookTimeout", "hung", T0 + 6 * kMinute), "");
    // The slow threshold of `quick` is its own: 150 ms runs of other hooks stay quiet.
    EXPECT_EQ(state("HookSlowP95", "big", T0 + 3 * kMinute), "");
}
