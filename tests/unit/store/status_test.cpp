#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "store/status.h"
#include "support.h"

using namespace hookwarden;
using hwtest::TempDir;

namespace {
std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}
}  // namespace

TEST(StatusCommand, NothingRecordedYetIsNotAnError) {
    TempDir tmp;
    std::ostringstream out, err;
    EXPECT_EQ(to_int(store::status_command(tmp / "missing", out, err)), 0);
    EXPECT_NE(out.str().find("No hook runs"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(tmp / "missing"));  // a read-only command creates nothing
}

TEST(StatusCommand, ShowsEveryHookWithinEightyColumns) {
    TempDir tmp;
    {
        auto s = hwtest::open_ok(tmp.path());
        BreakerConfig config;
        config.consecutive_failures = 3;
        auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
        for (int i = 0; i < 12; ++i) {
            RunRecord ok = hwtest::make_record("guard-bash", i == 5 ? Outcome::timeout : Outcome::ok, 5, now);
            ASSERT_EQ(s->complete(ok, config, {}, now), "");
        }
        for (int i = 0; i < 3; ++i) {
            RunRecord bad = hwtest::make_record("a-hook-with-a-very-long-name-indeed", Outcome::error, 5, now);
            ASSERT_EQ(s->complete(bad, config, {}, now), "");
        }
        ASSERT_EQ(s->set_breaker("lint", "disable", now), "");
    }
    std::ostringstream out, err;
    ASSERT_EQ(to_int(store::status_command(tmp.path(), out, err)), 0) << err.str();
    EXPECT_EQ(err.str(), "");
    std::string text = out.str();
    for (const auto& line : lines_of(text)) EXPECT_LE(line.size(), 80u) << line;
    EXPECT_NE(text.find("guard-bash"), std::string::npos);
    EXPECT_NE(text.find("...T......"), std::string::npos) << text;  // the last 10, oldest first
    EXPECT_NE(text.find("8%"), std::string::npos) << text;          // 1 of 12
    EXPECT_NE(text.find("a-hook-with-a-very-~"), std::string::npos) << text;
    EXPECT_NE(text.find("open 30s"), std::string::npos) << text;
    EXPECT_NE(text.find("disabled"), std::string::npos) << text;
}

TEST(StatusCommand, WarnsAboutRecordsAGuardianCouldNotCommit) {
    TempDir tmp;
    {
        auto s = hwtest::open_ok(tmp.path());
        RunRecord ok = hwtest::make_record("h", Outcome::ok);
        ASSERT_EQ(s->complete(ok, {}, {}, 1'000'000), "");
    }
    std::ofstream(tmp / "guardian.log") << "1 hook 'h': database is locked\n2 hook 'h': disk I/O error\n";
    std::ostringstream out, err;
    ASSERT_EQ(to_int(store::status_command(tmp.path(), out, err)), 0);
    EXPECT_NE(err.str().find("2 record(s) could not be committed"), std::string::npos) << err.str();
    EXPECT_NE(err.str().find(tmp / "guardian.log"), std::string::npos) << err.str();
}

TEST(BreakerCommand, ActionsAndExitCodes) {
    TempDir tmp;
    std::ostringstream out, err;
    EXPECT_EQ(to_int(store::breaker_command(tmp.path(), "open", "guard", out, err)), 0) << err.str();
    EXPECT_NE(out.str().find("forced open"), std::string::npos);
    {
        auto s = hwtest::open_ok(tmp.path());
        EXPECT_FALSE(s->admit("guard", {}, 1, 1000).run);
    }
    for (const char* action : {"close", "disable", "reset"})
        EXPECT_EQ(to_int(store::breaker_command(tmp.path(), action, "guard", out, err)), 0) << action;
    EXPECT_EQ(hwtest::open_ok(tmp.path())->breakers().at(0).state, BreakerState::closed);

    std::ostringstream e1, e2, e3;
    EXPECT_EQ(to_int(store::breaker_command(tmp.path(), "smash", "guard", out, e1)), 2);
    EXPECT_NE(e1.str().find("unknown action"), std::string::npos);
    EXPECT_EQ(to_int(store::breaker_command(tmp.path(), "reset", "", out, e2)), 2);
    EXPECT_EQ(to_int(store::breaker_command("/proc/self/nope", "reset", "guard", out, e3)), 2);
    EXPECT_NE(e3.str(), "");
}
