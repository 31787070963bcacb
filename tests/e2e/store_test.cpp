// Breakers and the run store through the real binary: many concurrent `hookwarden run`
// processes on one store, every breaker transition with real failing hooks.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "support/harness.h"

using nlohmann::json;

namespace {

std::string sqlite_scalar(const std::string& state_dir, const std::string& sql) {
    std::string command = "sqlite3 '" + state_dir + "/hookwarden.db' \"" + sql + "\"";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return "";
    char buffer[256] = {0};
    std::string out;
    while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
    ::pclose(pipe);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

std::string write_policy(const json& breaker) {
    std::string path = hwtest::temp_dir() + "/policy.json";
    std::ofstream(path) << json{{"version", 1}, {"defaults", {{"breaker", breaker}}}}.dump();
    return path;
}

const char* kEvent = R"({"hook_event_name":"PreToolUse","tool_name":"Bash","session_id":"s1"})";

hwtest::Result run_in(const std::string& state, const std::string& policy, const std::string& name,
                      std::vector<std::string> command, std::vector<std::string> extra = {}) {
    hwtest::Options options;
    options.state_dir = state;
    options.stdin_data = kEvent;
    std::vector<std::string> args{"run", "--policy", policy, "--name", name};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("--");
    args.insert(args.end(), command.begin(), command.end());
    return hwtest::run(args, options);
}

TEST(Store, ConcurrentRunsLoseNoRecord) {
    if (::access("/usr/bin/sqlite3", X_OK) != 0) GTEST_SKIP() << "sqlite3 CLI not installed";
    const std::string state = hwtest::temp_dir();
    // Every 5th run fails; with these thresholds no window of 20 can trip the breaker
    // (at most 10 of 20 can be failures, and no run is slow even on a loaded machine),
    // so every run is really run and recorded.
    const std::string policy = write_policy({{"consecutive_failures", 50}, {"failure_rate", 0.9}, {"window", 20},
                                             {"min_calls", 20}, {"slow_call_ms", 600000}});
    constexpr int kProcesses = 32, kRuns = 50;
    std::vector<pid_t> children;
    for (int p = 0; p < kProcesses; ++p) {
        pid_t pid = ::fork();
        if (pid == 0) {
            int agent_errors = 0;
            for (int i = 0; i < kRuns; ++i) {
                // Every 5th run fails, so breaker counts are checkable against the records.
                auto r = run_in(state, policy, "hook-" + std::to_string(p % 4),
                                {"sh", "-c", i % 5 == 0 ? "exit 1" : "exit 0"}, {"--backend", "none"});
                if (r.exit_code != (i % 5 == 0 ? 1 : 0) || r.err.find("hookwarden") != std::string::npos)
                    ++agent_errors;
            }
            ::_exit(agent_errors == 0 ? 0 : 1);
        }
        children.push_back(pid);
    }
    int failed_children = 0;
    for (pid_t pid : children) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed_children;
    }
    EXPECT_EQ(failed_children, 0) << "some runs surfaced errors to the agent: "
                                  << sqlite_scalar(state, "SELECT outcome, breaker_before, count(*) FROM runs GROUP BY 1, 2");
    EXPECT_EQ(sqlite_scalar(state, "SELECT count(*) FROM runs"), std::to_string(kProcesses * kRuns));
    EXPECT_EQ(sqlite_scalar(state, "SELECT count(*) FROM runs WHERE outcome='error'"),
              std::to_string(kProcesses * kRuns / 5));
    // Breaker counters agree with the records, hook by hook.
    auto status = hwtest::run({"status"}, [&] {
        hwtest::Options o;
        o.state_dir = state;
        o.with_record = false;
        return o;
    }());
    EXPECT_EQ(status.exit_code, 0) << status.err;
    for (int h = 0; h < 4; ++h) EXPECT_NE(status.out.find("hook-" + std::to_string(h)), std::string::npos) << status.out;
}

TEST(Breaker, ConsecutiveFailuresOpenItAndTheHookIsNotStarted) {
    const std::string state = hwtest::temp_dir();
    const std::string marker = state + "/started";
    const std::string policy = write_policy({{"consecutive_failures", 3}, {"open_ms", 60000}});
    for (int i = 0; i < 3; ++i) {
        auto r = run_in(state, policy, "flaky", {"sh", "-c", "exit 1"});
        EXPECT_EQ(r.record["outcome"], "error");
    }
    auto r = run_in(state, policy, "flaky", {"sh", "-c", "touch " + marker + "; exit 0"});
    EXPECT_EQ(r.record["outcome"], "breaker_open");
    EXPECT_EQ(r.record["breaker_before"], "open");
    EXPECT_EQ(r.exit_code, 0) << "default on_failure allow";
    EXPECT_NE(r.out.find("circuit breaker"), std::string::npos) << r.out;
    EXPECT_NE(::access(marker.c_str(), F_OK), 0) << "an open breaker must not start the hook";
}

TEST(Breaker, TimeoutsCountAsFailures) {
    const std::string state = hwtest::temp_dir();
    const std::string policy = write_policy({{"consecutive_failures", 2}, {"open_ms", 60000}});
    for (int i = 0; i < 2; ++i)
        EXPECT_EQ(run_in(state, policy, "slow", {"sh", "-c", "sleep 5"}, {"--timeout", "100"}).record["outcome"], "timeout");
    EXPECT_EQ(run_in(state, policy, "slow", {"true"}).record["outcome"], "breaker_open");
}

TEST(Breaker, OomCountsAsFailure) {
    if (!hwtest::cgroup_v1_available()) GTEST_SKIP() << "OOM detection needs a cgroup backend";
    const std::string state = hwtest::temp_dir();
    const std::string policy = write_policy({{"consecutive_failures", 1}, {"open_ms", 60000}});
    auto r = run_in(state, policy, "hog", {hwtest::helper("hw_alloc"), "300"}, {"--memory", "32"});
    EXPECT_EQ(r.record["outcome"], "oom");
    EXPECT_EQ(r.record["breaker_after"], "open");
}

TEST(Breaker, HalfOpenGrantsExactlyThePermittedProbesUnderConcurrency) {
    const std::string state = hwtest::temp_dir();
    const std::string policy =
        write_policy({{"consecutive_failures", 1}, {"open_ms", 300}, {"half_open_probes", 2}});
    EXPECT_EQ(run_in(state, policy, "probe-me", {"sh", "-c", "exit 1"}).record["outcome"], "error");
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    // 8 concurrent runs of a hook that now succeeds slowly: exactly 2 are let through.
    const std::string ran = state + "/ran";
    std::vector<pid_t> children;
    for (int i = 0; i < 8; ++i) {
        pid_t pid = ::fork();
        if (pid == 0) {
            auto r = run_in(state, policy, "probe-me", {"sh", "-c", "sleep 0.5; echo x >> " + ran});
            ::_exit(r.record["outcome"] == "ok" ? 10 : r.record["outcome"] == "breaker_open" ? 11 : 12);
        }
        children.push_back(pid);
    }
    int ok = 0, skipped = 0, other = 0;
    for (pid_t pid : children) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        (code == 10 ? ok : code == 11 ? skipped : other)++;
    }
    EXPECT_EQ(ok, 2);
    EXPECT_EQ(skipped, 6);
    EXPECT_EQ(other, 0);
    std::ifstream in(ran);
    int lines = 0;
    for (std::string line; std::getline(in, line);) ++lines;
    EXPECT_EQ(lines, 2) << "exactly the permitted probes ran";
    // Both probes succeeded: closed again.
    EXPECT_EQ(run_in(state, policy, "probe-me", {"true"}).record["breaker_before"], "closed");
}

TEST(Breaker, ProbeWhoseSupervisorDiedExpires) {
    const std::string state = hwtest::temp_dir();
    const std::string policy = write_policy({{"consecutive_failures", 1}, {"open_ms", 200}, {"half_open_probes", 1}});
    EXPECT_EQ(run_in(state, policy, "orphaned", {"sh", "-c", "exit 1"}).record["outcome"], "error");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    // The probe's supervisor is SIGKILLed: it never reports back.
    hwtest::Options options;
    options.state_dir = state;
    options.stdin_data = kEvent;
    options.kill_after_ms = 300;
    auto killed = hwtest::run({"run", "--policy", policy, "--name", "orphaned", "--timeout", "600", "--kill-grace", "50",
                               "--", "sh", "-c", "sleep 5"},
                              options);
    EXPECT_EQ(killed.signal, SIGKILL);
    // While the probe is out, nothing else runs.
    EXPECT_EQ(run_in(state, policy, "orphaned", {"true"}).record["outcome"], "breaker_open");
    // The probe expires (timeout + grace + 5 s margin) and a new one is granted.
    std::this_thread::sleep_for(std::chrono::milliseconds(5600));
    auto after = run_in(state, policy, "orphaned", {"true"});
    EXPECT_EQ(after.record["outcome"], "ok");
    EXPECT_EQ(after.record["breaker_before"], "half_open");
    EXPECT_EQ(after.record["breaker_after"], "closed");
}

TEST(Breaker, ManualOperations) {
    const std::string state = hwtest::temp_dir();
    const std::string policy = write_policy({{"consecutive_failures", 1}, {"open_ms", 60000}});
    hwtest::Options options;
    options.state_dir = state;
    options.with_record = false;
    EXPECT_EQ(hwtest::run({"breaker", "open", "manual"}, options).exit_code, 0);
    EXPECT_EQ(run_in(state, policy, "manual", {"true"}).record["outcome"], "breaker_open");
    EXPECT_EQ(hwtest::run({"breaker", "reset", "manual"}, options).exit_code, 0);
    EXPECT_EQ(run_in(state, policy, "manual", {"true"}).record["outcome"], "ok");
    EXPECT_EQ(hwtest::run({"breaker", "disable", "manual"}, options).exit_code, 0);
    for (int i = 0; i < 3; ++i) run_in(state, policy, "manual", {"sh", "-c", "exit 1"});
    EXPECT_EQ(run_in(state, policy, "manual", {"true"}).record["outcome"], "ok") << "disabled never trips";
    auto bad = hwtest::run({"breaker", "explode", "manual"}, options);
    EXPECT_EQ(bad.exit_code, 2);
}

TEST(StoreFaults, UnusableStateDirStillRunsTheHookAndAnswers) {
    std::string file = hwtest::temp_dir() + "/not-a-dir";
    std::ofstream(file) << "x";
    hwtest::Options options;
    options.state_dir = file;
    options.stdin_data = kEvent;
    auto r = hwtest::run({"run", "--", "sh", "-c", "echo fine; exit 2"}, options);
    EXPECT_EQ(r.exit_code, 2) << "the hook's own answer still reaches the agent";
    EXPECT_EQ(r.out, "fine\n");
    EXPECT_NE(r.err.find("store"), std::string::npos) << r.err;
}

TEST(StoreFaults, CorruptDatabaseIsMovedAsideAndRecreated) {
    const std::string state = hwtest::temp_dir();
    std::ofstream(state + "/hookwarden.db") << std::string(8192, 'g');
    hwtest::Options options;
    options.state_dir = state;
    options.stdin_data = kEvent;
    auto r = hwtest::run({"run", "--", "true"}, options);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.err.find("corrupt"), std::string::npos) << r.err;
    EXPECT_EQ(sqlite_scalar(state, "SELECT count(*) FROM runs"), "1");
}

}  // namespace
