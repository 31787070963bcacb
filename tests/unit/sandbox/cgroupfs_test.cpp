// The names of run cgroups: what new_run_name makes is what is_run_name recognises, and
// nothing a user or a unit would plausibly name a cgroup (the daemon refuses clients in
// such a cgroup: serve/peer.h). And the reading of /proc/PID/cgroup tables.
#include <gtest/gtest.h>

#include "sandbox/cgroupfs.h"

namespace cg = hookwarden::sandbox::cgroupfs;

TEST(RunNames, EveryNameNewRunNameMakesIsRecognised) {
    for (int i = 0; i < 3; ++i) {
        const std::string name = cg::new_run_name();
        EXPECT_TRUE(cg::is_run_name(name)) << name;
    }
    EXPECT_TRUE(cg::is_run_name("hw-1"));
    EXPECT_TRUE(cg::is_run_name("hw-4194304-12"));
}

TEST(RunNames, OtherNamesAreNot) {
    for (const char* name : {"", "hw-", "hw--1", "hw-1-", "hw-1-2-3", "hw-12a", "hw-x", "hwx-1", "xhw-1", "hookwarden",
                             "hw-1.scope", "supervisors", "hook"})
        EXPECT_FALSE(cg::is_run_name(name)) << name;
}

// A hybrid host's table as the kernel writes it: v1 hierarchies by their controllers
// (several to a line), the v2 one as "0::".
constexpr const char* kHybrid =
    "12:freezer:/hookwarden/hw-77\n"
    "4:cpu,cpuacct:/user.slice\n"
    "1:name=systemd:/user.slice/session-3.scope\n"
    "0::/user.slice/session-3.scope\n";

TEST(CgroupTables, EachControllerAndTheV2HierarchyAreFound) {
    EXPECT_EQ(cg::path_in(kHybrid, "freezer"), "/hookwarden/hw-77");
    EXPECT_EQ(cg::path_in(kHybrid, "cpuacct"), "/user.slice");
    EXPECT_EQ(cg::path_in(kHybrid, "cpu"), "/user.slice");
    EXPECT_EQ(cg::path_in(kHybrid, ""), "/user.slice/session-3.scope");
    EXPECT_FALSE(cg::path_in(kHybrid, "memory"));
    EXPECT_FALSE(cg::path_in(kHybrid, "cpu,cpuacct")) << "a controller, not a line's list";
    EXPECT_FALSE(cg::path_in("12:freezer:/a\n", "")) << "no v2 line";
    EXPECT_EQ(cg::path_in("0::/a/b", ""), "/a/b") << "no final newline";
}

TEST(CgroupTables, MalformedLinesAreSkipped) {
    const auto lines = cg::memberships("garbage\n\n3:pids\n0::/x\n");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].controllers, "");
    EXPECT_EQ(lines[0].path, "/x");
    EXPECT_TRUE(cg::memberships("").empty());
}
