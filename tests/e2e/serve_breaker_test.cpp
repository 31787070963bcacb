// Breakers with `hookwarden serve` (docs/serve.md, "Breakers"): the daemon's breaker keeper
// decides served runs' admissions from the same store as in-process runs, so a breaker
// opened on one path stops the other, and a restarted daemon finds it still open.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/harness.h"
#include "support/serve_daemon.h"

using nlohmann::json;

namespace {

const char* kEvent = R"({"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}})";

std::string write_policy(const std::string& dir, int open_ms = 600000) {
    const std::string path = dir + "/policy.json";
    std::ofstream(path) << json{{"version", 1},
                                {"defaults", {{"breaker", {{"consecutive_failures", 2}, {"open_ms", open_ms}}}}}}
                               .dump();
    return path;
}

// One run of `hook` (its command fails unless `ok`), served or in-process; its record.
json run_once(const hwtest::ServeDaemon& d, const std::string& policy, const std::string& hook, bool served,
              bool ok = false) {
    auto o = d.client(kEvent, served);
    o.with_record = true;
    auto r = hwtest::run({"run", "--policy", policy, "--name", hook, "--", "sh", "-c", ok ? "exit 0" : "exit 1"}, o);
    return r.record;
}

TEST(ServeBreaker, OpenedByServedRunsItStopsInProcessRunsAndTheOtherWayRound) {
    hwtest::ServeDaemon d;
    const std::string policy = write_policy(d.dir);
    for (int i = 0; i < 2; ++i) EXPECT_EQ(run_once(d, policy, "served-fails", true)["served_by"], "serve");
    json local = run_once(d, policy, "served-fails", false, true);
    EXPECT_EQ(local["served_by"], "process");
    EXPECT_EQ(local["outcome"], "breaker_open") << local.dump();

    for (int i = 0; i < 2; ++i) EXPECT_EQ(run_once(d, policy, "local-fails", false)["served_by"], "process");
    json served = run_once(d, policy, "local-fails", true, true);
    EXPECT_EQ(served["served_by"], "serve");
    EXPECT_EQ(served["outcome"], "breaker_open") << served.dump();
    EXPECT_EQ(served["breaker_before"], "open");
    // The keeper answered it (not the worker's own store): its log says so.
    d.stop();
    EXPECT_NE(hwtest::slurp_file(d.log).find("breaker keeper: 'local-fails' is open: refused"), std::string::npos)
        << hwtest::slurp_file(d.log);
}

// The breaker lives in the store, not in the daemon: SIGKILLed and restarted, the daemon
// still refuses the hook; `breaker reset` (which writes the store) lets it run again.
TEST(ServeBreaker, AnOpenBreakerSurvivesADaemonRestartAndAResetReachesIt) {
    hwtest::ServeDaemon d;
    const std::string policy = write_policy(d.dir);
    for (int i = 0; i < 2; ++i) run_once(d, policy, "flaky", true);
    EXPECT_EQ(run_once(d, policy, "flaky", true, true)["outcome"], "breaker_open");
    d.stop(SIGKILL);
    d.start();
    ASSERT_TRUE(d.alive());
    json after = run_once(d, policy, "flaky", true, true);
    EXPECT_EQ(after["served_by"], "serve");
    EXPECT_EQ(after["outcome"], "breaker_open") << after.dump();
    hwtest::Options tool;
    tool.state_dir = d.state;
    tool.with_record = false;
    EXPECT_EQ(hwtest::run({"breaker", "reset", "flaky"}, tool).exit_code, 0);
    json reset = run_once(d, policy, "flaky", true, true);
    EXPECT_EQ(reset["served_by"], "serve");
    EXPECT_EQ(reset["outcome"], "ok") << reset.dump();
}

// Half-open: the keeper grants the probe slot (in the store's probes table, as in-process),
// and the probe's success, committed by its guardian, closes the breaker.
TEST(ServeBreaker, AServedProbeClosesTheBreaker) {
    hwtest::ServeDaemon d;
    const std::string policy = write_policy(d.dir, 300);
    for (int i = 0; i < 2; ++i) run_once(d, policy, "probed", true);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    json probe = run_once(d, policy, "probed", true, true);
    EXPECT_EQ(probe["served_by"], "serve");
    EXPECT_EQ(probe["outcome"], "ok") << probe.dump();
    EXPECT_EQ(probe["breaker_before"], "half_open");
    hwtest::Options tool;
    tool.state_dir = d.state;
    tool.with_record = false;
    auto report = hwtest::run({"report", "--format", "jsonl", "--hook", "probed"}, tool);
    std::istringstream lines(report.out);
    std::string last;
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) last = line;
    const json committed = json::parse(last, nullptr, false);
    ASSERT_TRUE(committed.is_object()) << report.out << report.err;
    EXPECT_EQ(committed["breaker_before"], "half_open");
    EXPECT_EQ(committed["breaker_after"], "closed") << committed.dump();
    d.stop();
    EXPECT_NE(hwtest::slurp_file(d.log).find("'probed' is half_open: a probe run"), std::string::npos)
        << hwtest::slurp_file(d.log);
}

// `doctor` names the keeper next to the daemon.
TEST(ServeBreaker, DoctorNamesTheBreakerKeeper) {
    hwtest::ServeDaemon d;
    auto o = d.client("");
    auto r = hwtest::run({"doctor"}, o);
    EXPECT_NE(r.out.find("running on " + d.socket + ", pid " + std::to_string(d.pid)), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("breaker keeper: pid "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(d.socket + ".breakers (keeps the store open)"), std::string::npos) << r.out;
}

}  // namespace
