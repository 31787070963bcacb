// `status` FAIL% and `report`'s error_rate/ok_rate are one definition (docs/reports.md, "The
// failure rate"): real runs of every kind through the real binary into a real store, then
// both commands read it.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <regex>
#include <sstream>

#include "support/harness.h"

using nlohmann::json;

namespace {

const char* kEvent = R"({"hook_event_name":"PreToolUse","tool_name":"Bash","session_id":"s1"})";

struct Store {
    std::string state = hwtest::temp_dir();
    std::string policy;

    Store() {
        policy = state + "/policy.json";
        // Three failures in a row open the breaker; the failure rate alone never does.
        std::ofstream(policy) << json{{"version", 1},
                                      {"defaults",
                                       {{"breaker",
                                         {{"consecutive_failures", 3}, {"failure_rate", 1.0}, {"open_ms", 600000}}}}}}
                                     .dump();
    }

    std::string run(const std::string& hook, std::vector<std::string> command, std::vector<std::string> extra = {}) {
        hwtest::Options options;
        options.state_dir = state;
        options.stdin_data = kEvent;
        std::vector<std::string> args{"run", "--policy", policy, "--name", hook};
        args.insert(args.end(), extra.begin(), extra.end());
        args.push_back("--");
        args.insert(args.end(), command.begin(), command.end());
        auto r = hwtest::run(args, options);
        return r.record.is_object() ? r.record.value("outcome", "") : "(no record: " + r.err + ")";
    }

    hwtest::Result command(const std::vector<std::string>& args) const {
        hwtest::Options options;
        options.state_dir = state;
        options.with_record = false;
        return hwtest::run(args, options);
    }
};

// The FAIL% cell of `hook`'s row of `hookwarden status`; -1 when the row or cell is missing.
int status_fail_percent(const std::string& status_out, const std::string& hook) {
    std::istringstream lines(status_out);
    const std::regex percent(R"(\s(\d+)%\s)");
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind(hook + " ", 0) != 0) continue;
        std::smatch m;
        if (std::regex_search(line, m, percent)) return std::stoi(m[1]);
    }
    return -1;
}

json report_hook(const json& report, const std::string& hook) {
    for (const auto& h : report["hooks"])
        if (h["hook"] == hook) return h;
    return nullptr;
}

TEST(FailureRate, StatusAndReportAgreeOverTheSameRuns) {
    Store store;
    // ok, blocked and error are the hook's own answers; timeout and spawn_error are failures
    // too; the three failures in a row open the breaker, whose refusals are not judged.
    EXPECT_EQ(store.run("mixed", {"true"}), "ok");
    EXPECT_EQ(store.run("mixed", {"sh", "-c", "exit 2"}), "blocked");
    EXPECT_EQ(store.run("mixed", {"true"}), "ok");
    EXPECT_EQ(store.run("mixed", {"sh", "-c", "exit 1"}), "error");
    EXPECT_EQ(store.run("mixed", {"true"}), "ok");
    EXPECT_EQ(store.run("mixed", {"sh", "-c", "sleep 5"}, {"--timeout", "100"}), "timeout");
    EXPECT_EQ(store.run("mixed", {"/no/such/hook"}), "spawn_error");
    EXPECT_EQ(store.run("mixed", {"sh", "-c", "exit 1"}), "error");
    EXPECT_EQ(store.run("mixed", {"true"}), "breaker_open");
    EXPECT_EQ(store.run("mixed", {"true"}), "breaker_open");
    for (int i = 0; i < 3; ++i) EXPECT_EQ(store.run("healthy", {"true"}), "ok");
    EXPECT_EQ(store.run("failing", {"sh", "-c", "exit 1"}), "error");

    auto status = store.command({"status"});
    ASSERT_EQ(status.exit_code, 0) << status.err;
    auto report_run = store.command({"report", "--format", "json"});
    ASSERT_EQ(report_run.exit_code, 0) << report_run.err;
    const json report = json::parse(report_run.out);

    // 4 failures (error, timeout, spawn_error, error) of 8 judged runs (10 minus 2 refused).
    const json mixed = report_hook(report, "mixed");
    ASSERT_TRUE(mixed.is_object()) << report_run.out;
    EXPECT_EQ(mixed["runs"], 10);
    EXPECT_DOUBLE_EQ(mixed["error_rate"].get<double>(), 0.5);
    EXPECT_DOUBLE_EQ(mixed["ok_rate"].get<double>(), 0.5);
    for (const char* hook : {"mixed", "healthy", "failing"}) {
        const json h = report_hook(report, hook);
        ASSERT_TRUE(h.is_object()) << hook;
        const double error_rate = h["error_rate"].get<double>();
        EXPECT_EQ(status_fail_percent(status.out, hook), static_cast<int>(std::floor(error_rate * 100)))
            << hook << "\n" << status.out << report_run.out;
        EXPECT_DOUBLE_EQ(h["ok_rate"].get<double>() + error_rate, 1.0) << hook;
    }
    EXPECT_EQ(status_fail_percent(status.out, "healthy"), 0) << status.out;
    EXPECT_EQ(status_fail_percent(status.out, "failing"), 100) << status.out;
}

TEST(FailureRate, AHookOnlyRefusedByItsBreakerHasNoRate) {
    Store store;
    auto opened = store.command({"breaker", "open", "refused"});
    ASSERT_EQ(opened.exit_code, 0) << opened.err;
    EXPECT_EQ(store.run("refused", {"true"}), "breaker_open");
    auto status = store.command({"status"});
    ASSERT_EQ(status.exit_code, 0) << status.err;
    EXPECT_EQ(status_fail_percent(status.out, "refused"), -1) << status.out;  // "-": nothing judged
    auto report_run = store.command({"report", "--format", "json"});
    ASSERT_EQ(report_run.exit_code, 0) << report_run.err;
    const json h = report_hook(json::parse(report_run.out), "refused");
    ASSERT_TRUE(h.is_object()) << report_run.out;
    EXPECT_EQ(h["error_rate"], 0.0);
    EXPECT_EQ(h["ok_rate"], 0.0);
}

}  // namespace
