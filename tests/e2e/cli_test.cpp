// Bad input to `hookwarden run`: each gets a clear message and a defined exit code.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>

#include "support/harness.h"

namespace {

hwtest::Options no_record() {
    hwtest::Options options;
    options.with_record = false;
    return options;
}

TEST(RunUsage, UnknownOptionIsAUsageError) {
    auto r = hwtest::run({"run", "--tmeout", "5", "--", "/bin/true"}, no_record());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--tmeout"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty());
}

TEST(RunUsage, MissingCommandIsAUsageError) {
    auto r = hwtest::run({"run", "--timeout", "5"}, no_record());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("command"), std::string::npos) << r.err;
}

TEST(RunUsage, BadLimitValuesAreUsageErrors) {
    for (const char* value : {"0", "-5", "abc", "1.5"}) {
        for (const char* flag : {"--timeout", "--memory", "--pids", "--cpu", "--kill-grace", "--output-limit"}) {
            auto r = hwtest::run({"run", flag, value, "--", "/bin/true"}, no_record());
            EXPECT_EQ(r.exit_code, 2) << flag << " " << value;
            EXPECT_NE(r.err.find(flag), std::string::npos) << flag << " " << value << ": " << r.err;
        }
    }
}

TEST(RunUsage, UnknownBackendIsAUsageError) {
    auto r = hwtest::run({"run", "--backend", "cgroup-v3", "--", "/bin/true"}, no_record());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("cgroup-v3"), std::string::npos) << r.err;
}

TEST(RunSpawn, MissingCommandIsASpawnErrorAnsweredByTheDegradationPolicy) {
    auto r = hwtest::run({"run", "--backend", "none", "--", "/no/such/hook"});
    EXPECT_EQ(r.record["outcome"], "spawn_error");
    EXPECT_EQ(r.exit_code, 0) << "default on_failure is allow";
    EXPECT_NE(r.out.find("could not be started"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("No such file"), std::string::npos) << r.out;

    auto blocked = hwtest::run({"run", "--on-failure", "block", "--", "no-such-hook-in-path"});
    EXPECT_EQ(blocked.record["outcome"], "spawn_error");
    EXPECT_EQ(blocked.exit_code, 2);
    EXPECT_NE(blocked.err.find("no-such-hook-in-path"), std::string::npos) << blocked.err;
}

TEST(RunSpawn, NonExecutableFileIsASpawnError) {
    std::string path = hwtest::temp_dir() + "/not-executable.sh";
    std::ofstream(path) << "#!/bin/sh\nexit 0\n";
    ::chmod(path.c_str(), 0644);
    auto r = hwtest::run({"run", "--", path});
    EXPECT_EQ(r.record["outcome"], "spawn_error");
    EXPECT_NE(r.out.find("Permission denied"), std::string::npos) << r.out;
}

TEST(Doctor, ReportsTheBackendAutoPicks) {
    auto r = hwtest::run({"doctor"}, no_record());
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1);
    EXPECT_NE(r.out.find("auto picks:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("cgroup-v1:"), std::string::npos);
    EXPECT_NE(r.out.find("none:"), std::string::npos);
}

}  // namespace
