// `hookwarden run` end to end: the real binary, real processes, the real cgroup-v1
// backend of this machine and the `none` backend. Every test that starts processes
// checks afterwards that none of them survived.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "support/harness.h"

using hwtest::helper;
using hwtest::Options;
using hwtest::Result;

namespace {

class RunBackend : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        if (GetParam() == "cgroup-v1" && !hwtest::cgroup_v1_available())
            GTEST_SKIP() << "cgroup-v1 backend unavailable here (needs root and v1 memory/pids hierarchies); "
                            "see 'hookwarden doctor'";
        token_ = hwtest::unique_token();
    }
    void TearDown() override {
        if (!token_.empty()) {
            auto left = hwtest::survivors(token_, 2000);
            EXPECT_TRUE(left.empty()) << left.size() << " process(es) of the hook survived";
            hwtest::kill_all_with(token_);
        }
    }

    Result run(std::vector<std::string> limits, std::vector<std::string> command, Options options = {}) {
        std::vector<std::string> args{"run", "--backend", GetParam()};
        args.insert(args.end(), limits.begin(), limits.end());
        args.push_back("--");
        args.insert(args.end(), command.begin(), command.end());
        if (options.stdin_data.empty()) options.stdin_data = R"({"hook_event_name":"PreToolUse","tool_name":"Bash"})";
        return hwtest::run(args, options);
    }

    std::string token_;
};

TEST_P(RunBackend, SleepingTreeIsKilledAtTheTimeout) {
    auto r = run({"--timeout", "300", "--kill-grace", "100"}, {helper("hw_tree"), "sleepers", token_});
    EXPECT_EQ(r.record["outcome"], "timeout");
    EXPECT_EQ(r.record["backend"], GetParam());
    EXPECT_GE(r.record["wall_ms"].get<double>(), 300);
    EXPECT_LT(r.elapsed_ms, 300 + 100 + 1500) << "run must return soon after timeout + grace";
    // Default degradation is allow: exit 0 and a systemMessage naming the hook.
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("systemMessage"), std::string::npos);
    EXPECT_NE(r.out.find("timeout"), std::string::npos);
}

TEST_P(RunBackend, SetsidTreeIgnoringSigtermIsKilledAfterTheGrace) {
    auto r = run({"--timeout", "300", "--kill-grace", "200"}, {helper("hw_tree"), "setsid-term", token_});
    EXPECT_EQ(r.record["outcome"], "timeout");
    EXPECT_GE(r.record["wall_ms"].get<double>(), 300 + 200 - 5) << "SIGTERM is ignored, so only SIGKILL ends it";
    EXPECT_LT(r.elapsed_ms, 300 + 200 + 1500);
}

TEST_P(RunBackend, GrandchildHoldingStdoutDoesNotDelayTheAnswer) {
    auto r = run({"--timeout", "30000"}, {helper("hw_tree"), "daemon", token_});
    EXPECT_EQ(r.record["outcome"], "ok");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, "hello\n");
    EXPECT_GE(r.record["leftovers_killed"].get<int>(), 1);
    EXPECT_LT(r.elapsed_ms, 5000) << "must not wait for the daemon's sleep or its stdout";
}

TEST_P(RunBackend, PeakMemoryOfAKnownAllocation) {
    auto r = run({"--memory", "512"}, {helper("hw_alloc"), "200", "200", token_});
    ASSERT_EQ(r.record["outcome"], "ok") << r.err;
    double peak = r.record["peak_memory_bytes"].get<double>();
    double expected = 200.0 * 1024 * 1024;
    EXPECT_NEAR(peak, expected, expected * 0.10) << "source: " << r.record["peak_memory_source"];
    EXPECT_FALSE(r.record["peak_memory_source"].get<std::string>().empty());
}

TEST_P(RunBackend, AllocationOverTheMemoryLimit) {
    auto r = run({"--memory", "64"}, {helper("hw_alloc"), "400", "100", token_});
    EXPECT_NE(r.record["outcome"], "ok");
    if (GetParam() == "none") {
        // Per-process RLIMIT_DATA: the allocation fails inside the hook; no OOM kill to see.
        EXPECT_EQ(r.record["outcome"], "error");
        EXPECT_NE(r.err.find("allocation failed"), std::string::npos) << r.err;
    } else {
        EXPECT_EQ(r.record["outcome"], "oom");
        EXPECT_TRUE(r.record["oom_killed"].get<bool>());
        EXPECT_LE(r.record["peak_memory_bytes"].get<double>(), 64.0 * 1024 * 1024 * 1.05);
    }
}

TEST_P(RunBackend, ForkBombIsHeldByThePidsLimit) {
    Options options;
    if (GetParam() == "none" && hwtest::is_root()) {
        // RLIMIT_NPROC does not apply to root: the none backend can hold a fork bomb
        // only for ordinary users, so run this one as nobody.
        options.prefix = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    }
    auto r = run({"--pids", "20", "--timeout", "5000"}, {helper("hw_forkbomb"), token_, "2000"}, options);
    ASSERT_EQ(r.record["outcome"], "ok") << r.err;
    long forked = std::stol(r.out);
    EXPECT_LT(forked, 20) << "the pids limit must stop the fork bomb";
    EXPECT_GE(r.record["leftovers_killed"].get<int>(), 1);
}

TEST_P(RunBackend, StdoutFloodIsCapped) {
    auto r = run({"--output-limit", "1024"},
                 {"sh", "-c", "head -c 52428800 /dev/zero; echo done >&2", token_});
    // Kept to the limit in memory, and never relayed cut: an answer over the limit is
    // incomplete, so the policy (allow by default) answers instead (docs/run.md).
    ASSERT_EQ(r.record["outcome"], "output_overflow") << r.err;
    EXPECT_EQ(r.record["answer"], "allow");
    EXPECT_EQ(r.record["stdout_bytes"].get<long>(), 52428800L);
    EXPECT_TRUE(r.record["stdout_truncated"].get<bool>());
    EXPECT_LT(r.out.size(), 4096u);
    EXPECT_NE(r.out.find("more output than its limit"), std::string::npos) << r.out.substr(0, 200);
}

TEST_P(RunBackend, LargeStdinIsDeliveredByteForByte) {
    std::string input;
    input.reserve(2 << 20);
    for (int i = 0; input.size() < (2u << 20); ++i) input += std::to_string(i * 7919) + (i % 13 ? ' ' : '\n');
    input.resize(2 << 20);
    Options options;
    options.stdin_data = input;
    auto r = run({"--output-limit", "4096"}, {"sh", "-c", "cat", token_}, options);
    ASSERT_EQ(r.record["outcome"], "ok") << r.err;
    EXPECT_EQ(r.out.size(), input.size());
    EXPECT_TRUE(r.out == input) << "stdin must reach the hook unchanged";
}

TEST_P(RunBackend, OnlyStandardFdsReachTheHook) {
    Options options;
    options.leak_fd = true;  // hookwarden itself inherits fd 7; the hook must not
    auto r = run({}, {helper("hw_fdprobe"), token_}, options);
    ASSERT_EQ(r.record["outcome"], "ok") << r.err;
    EXPECT_EQ(r.out, "0\n1\n2\n");
}

TEST_P(RunBackend, ExitCodesAndStderrAreRelayed) {
    for (int code : {0, 2, 3}) {
        auto r = run({}, {"sh", "-c", "echo out; echo why >&2; exit " + std::to_string(code), token_});
        EXPECT_EQ(r.exit_code, code);
        EXPECT_EQ(r.out, "out\n");
        EXPECT_EQ(r.err, "why\n");
        EXPECT_EQ(r.record["answer"], "own");
        EXPECT_EQ(r.record["outcome"], code == 0 ? "ok" : code == 2 ? "blocked" : "error");
    }
}

TEST_P(RunBackend, CrashIsClassifiedAsCrash) {
    auto r = run({}, {"sh", "-c", "kill -SEGV $$", token_});
    EXPECT_EQ(r.record["outcome"], "crash");
    EXPECT_EQ(r.record["signal"], SIGSEGV);
    EXPECT_EQ(r.record["answer"], "allow");
    EXPECT_EQ(r.exit_code, 0);
}

TEST_P(RunBackend, KilledSupervisorTakesItsHookDown) {
    Options options;
    options.kill_after_ms = 500;
    auto r = run({"--timeout", "60000"}, {helper("hw_tree"), "sleepers", token_}, options);
    EXPECT_EQ(r.signal, SIGKILL);
    // TearDown checks that no process of the tree survived.
}

TEST_P(RunBackend, CpuTimeOfTheTreeIsMeasured) {
    auto r = run({"--timeout", "5000"}, {"sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done", token_});
    ASSERT_EQ(r.record["outcome"], "ok");
    double cpu = r.record["cpu_user_ms"].get<double>() + r.record["cpu_sys_ms"].get<double>();
    EXPECT_GT(cpu, 20.0);
    EXPECT_LE(cpu, r.record["wall_ms"].get<double>() * 1.2 + 10);
}

INSTANTIATE_TEST_SUITE_P(Backends, RunBackend, ::testing::Values("cgroup-v1", "none"),
                         [](const auto& param_info) { return param_info.param == "cgroup-v1" ? std::string("CgroupV1") : std::string("None"); });

// A supervisor that dies while the guardian is also gone leaves a run cgroup behind;
// the next run's sweep removes it.
TEST(RunCgroup, StaleCgroupOfADeadSupervisorIsRemoved) {
    if (!hwtest::cgroup_v1_available()) GTEST_SKIP() << "cgroup-v1 backend unavailable here";
    std::ifstream self("/proc/self/cgroup");
    std::string line, pids_path = "/";
    while (std::getline(self, line))
        if (line.find(":pids:") != std::string::npos) pids_path = line.substr(line.find(":pids:") + 6);
    std::string parent = "/sys/fs/cgroup/pids" + (pids_path == "/" ? std::string() : pids_path) + "/hookwarden";
    std::string stale = parent + "/hw-999999999";  // no such pid can exist
    ASSERT_EQ(::mkdir(parent.c_str(), 0755) == 0 || errno == EEXIST, true);
    ASSERT_EQ(::mkdir(stale.c_str(), 0755), 0) << stale;
    auto r = hwtest::run({"run", "--backend", "cgroup-v1", "--", "/bin/true"});
    EXPECT_EQ(r.exit_code, 0);
    // The sweep happens in the guardian, after the answer: give it a moment.
    for (int i = 0; i < 100 && ::access(stale.c_str(), F_OK) == 0; ++i) ::usleep(20000);
    EXPECT_NE(::access(stale.c_str(), F_OK), 0) << "stale cgroup " << stale << " was not removed";
}

}  // namespace
