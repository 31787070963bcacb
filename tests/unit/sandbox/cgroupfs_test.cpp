// The names of run cgroups: what new_run_name makes is what is_run_name recognises, and
// nothing a user or a unit would plausibly name a cgroup (the daemon refuses clients in
// such a cgroup: serve/peer.h).
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
