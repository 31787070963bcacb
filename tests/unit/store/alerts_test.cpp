// The store's side of alerts on a real SQLite file: records with chosen timestamps, the
// rules stepped after each, a notice posted once per firing and taken once.
#include <gtest/gtest.h>

#include <filesystem>

#include "store/alert_notice.h"
#include "support.h"

using namespace hwtest;

namespace {

constexpr std::int64_t T0 = 1'800'000'000'000;
constexpr std::int64_t kMinute = 60'000;

struct Recorder {
    std::unique_ptr<store::Store> s;
    AlertRules rules = builtin_alerts();
    std::vector<AlertKind> run(Outcome outcome, std::int64_t at, double wall_ms = 10) {
        RunRecord r = make_record("lint", outcome, wall_ms, at);
        EXPECT_EQ(s->complete(r, {}, {}, at), "");
        std::string error;
        std::vector<AlertKind> started;
        for (const auto& a : s->track_alerts("lint", rules, at, &error)) started.push_back(a.kind);
        EXPECT_EQ(error, "");
        return started;
    }
};

}  // namespace

TEST(StoreAlerts, ATimeoutPostsOneNoticeThatIsTakenOnce) {
    TempDir dir;
    Recorder rec{open_ok(dir.path())};
    rec.rules[static_cast<std::size_t>(AlertKind::error_rate)].enabled = false;  // a timeout is a failure too
    EXPECT_TRUE(rec.run(Outcome::ok, T0).empty());
    EXPECT_FALSE(store::take_notice(dir.path(), "lint"));
    EXPECT_EQ(rec.run(Outcome::timeout, T0 + kMinute), (std::vector<AlertKind>{AlertKind::timeout}));
    // Still firing on the next runs: no second notice.
    EXPECT_TRUE(rec.run(Outcome::ok, T0 + 2 * kMinute).empty());
    auto notice = store::take_notice(dir.path(), "lint");
    ASSERT_TRUE(notice);
    EXPECT_NE(notice->find("alert HookTimeout is firing for hook 'lint': 1 timeout(s) in the last 5m"),
              std::string::npos) << *notice;
    EXPECT_FALSE(store::take_notice(dir.path(), "lint"));
    auto states = rec.s->alert_states();
    ASSERT_EQ(states.size(), 1u);
    EXPECT_EQ(states[0].kind, AlertKind::timeout);
    EXPECT_TRUE(states[0].firing);
    // The timeout leaves the 5 m window: resolved, and the next timeout announces again.
    EXPECT_TRUE(rec.run(Outcome::ok, T0 + 7 * kMinute).empty());
    EXPECT_TRUE(rec.s->alert_states().empty());
    EXPECT_EQ(rec.run(Outcome::timeout, T0 + 8 * kMinute), (std::vector<AlertKind>{AlertKind::timeout}));
    EXPECT_TRUE(store::take_notice(dir.path(), "lint"));
}

TEST(StoreAlerts, ErrorRateFiresOnlyAfterItsForDurationAndASwitchedOffRuleNever) {
    TempDir dir;
    Recorder rec{open_ok(dir.path())};
    rec.rules[static_cast<std::size_t>(AlertKind::timeout)].enabled = false;
    EXPECT_TRUE(rec.run(Outcome::error, T0).empty());  // pending
    EXPECT_TRUE(rec.run(Outcome::error, T0 + kMinute / 2).empty());
    EXPECT_EQ(rec.run(Outcome::error, T0 + kMinute), (std::vector<AlertKind>{AlertKind::error_rate}));
    rec.rules[static_cast<std::size_t>(AlertKind::error_rate)].enabled = false;
    EXPECT_TRUE(rec.run(Outcome::timeout, T0 + 2 * kMinute).empty());
    EXPECT_TRUE(rec.s->alert_states().empty());
}

TEST(StoreAlerts, TheWindowQueryUsesTheHookTimeIndex) {
    TempDir dir;
    auto s = open_ok(dir.path());
    // The plan of the statement samples_since prepares: a search, never a scan of runs.
    std::string out;
    std::string cmd = "sqlite3 '" + dir / store::kDatabaseName +
                      "' \"EXPLAIN QUERY PLAN SELECT time_ms FROM runs WHERE hook = 'x' AND time_ms > 5 ORDER BY time_ms\"";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) GTEST_SKIP() << "sqlite3 shell not available";
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, p)) out += buffer;
    if (::pclose(p) != 0) GTEST_SKIP() << "sqlite3 shell not available";
    EXPECT_NE(out.find("runs_hook_time"), std::string::npos) << out;
}
