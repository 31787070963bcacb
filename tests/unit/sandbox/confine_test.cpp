// The parent's side of the per-hook sandbox: environment patterns, path expansion, and
// what prepare() says will be in force. The child's side is tested end to end
// (tests/e2e/sandbox_test.cpp) because it only exists between fork and exec.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/confine.h"

using hookwarden::NetworkMode;
using hookwarden::SandboxConfig;
namespace sb = hookwarden::sandbox;

namespace {

std::vector<std::string> names(const std::vector<std::string>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) out.push_back(e.substr(0, e.find('=')));
    return out;
}

struct Env {
    std::vector<std::string> storage;
    std::vector<char*> pointers;
    explicit Env(std::vector<std::string> entries) : storage(std::move(entries)) {
        for (auto& e : storage) pointers.push_back(e.data());
        pointers.push_back(nullptr);
    }
    char* const* get() { return pointers.data(); }
};

}  // namespace

TEST(EnvPatterns, GlobOnNamesCaseSensitive) {
    EXPECT_TRUE(sb::env_name_matches("PATH", "PATH"));
    EXPECT_FALSE(sb::env_name_matches("PATH", "PATHS"));
    EXPECT_FALSE(sb::env_name_matches("PATH", "path"));
    EXPECT_TRUE(sb::env_name_matches("CLAUDE_*", "CLAUDE_PROJECT_DIR"));
    EXPECT_TRUE(sb::env_name_matches("CLAUDE_*", "CLAUDE_"));
    EXPECT_FALSE(sb::env_name_matches("CLAUDE_*", "MY_CLAUDE_X"));
    EXPECT_TRUE(sb::env_name_matches("*_TOKEN", "GITHUB_TOKEN"));
    EXPECT_FALSE(sb::env_name_matches("*_TOKEN", "GITHUB_TOKENS"));
    EXPECT_TRUE(sb::env_name_matches("*SECRET*", "MY_SECRET_THING"));
    EXPECT_TRUE(sb::env_name_matches("*SECRET*", "SECRET"));
    EXPECT_TRUE(sb::env_name_matches("AWS_*", "AWS_SECRET_ACCESS_KEY"));
    EXPECT_TRUE(sb::env_name_matches("LC_?", "LC_X"));
    EXPECT_TRUE(sb::env_name_matches("[AB]_KEY", "B_KEY"));
}

TEST(EnvPatterns, AllowListThenScrubAndCount) {
    Env env({"PATH=/usr/bin", "HOME=/root", "CLAUDE_PROJECT_DIR=/p", "GITHUB_TOKEN=t", "OPENAI_API_KEY=k",
             "AWS_REGION=eu", "EDITOR=vi", "EMPTY=", "WEIRD"});
    std::int64_t removed = -1;
    auto all = sb::filter_env(env.get(), {}, {}, removed);
    EXPECT_EQ(all.size(), 9u);
    EXPECT_EQ(removed, 0);

    auto scrubbed = sb::filter_env(env.get(), {}, {"*_TOKEN", "*_KEY", "*SECRET*", "AWS_*"}, removed);
    EXPECT_EQ(names(scrubbed), (std::vector<std::string>{"PATH", "HOME", "CLAUDE_PROJECT_DIR", "EDITOR", "EMPTY", "WEIRD"}));
    EXPECT_EQ(removed, 3);

    // Scrub wins over allow: an allowed CLAUDE_API_KEY would still be removed.
    Env env2({"PATH=/usr/bin", "CLAUDE_API_KEY=x", "CLAUDE_PROJECT_DIR=/p", "EDITOR=vi"});
    auto allowed = sb::filter_env(env2.get(), {"PATH", "HOME", "CLAUDE_*"}, {"*_KEY"}, removed);
    EXPECT_EQ(names(allowed), (std::vector<std::string>{"PATH", "CLAUDE_PROJECT_DIR"}));
    EXPECT_EQ(removed, 2);
    EXPECT_EQ(allowed[0], "PATH=/usr/bin") << "values pass unchanged";
}

TEST(WritablePaths, ExpandsVariablesAndDropsUnsetOnes) {
    ::setenv("HW_TEST_DIR", "/srv/project", 1);
    ::unsetenv("HW_TEST_UNSET");
    ::setenv("HW_TEST_EMPTY", "", 1);
    std::string out, unset;
    EXPECT_TRUE(sb::expand_path("$HW_TEST_DIR", out, unset));
    EXPECT_EQ(out, "/srv/project");
    EXPECT_TRUE(sb::expand_path("${HW_TEST_DIR}/build", out, unset));
    EXPECT_EQ(out, "/srv/project/build");
    EXPECT_TRUE(sb::expand_path("$HW_TEST_DIR/.cache", out, unset));
    EXPECT_EQ(out, "/srv/project/.cache");
    EXPECT_TRUE(sb::expand_path("/tmp", out, unset));
    EXPECT_EQ(out, "/tmp");
    EXPECT_TRUE(sb::expand_path("/a/$/b", out, unset)) << "a lone $ is literal";
    EXPECT_EQ(out, "/a/$/b");
    EXPECT_FALSE(sb::expand_path("$HW_TEST_UNSET/x", out, unset));
    EXPECT_EQ(unset, "HW_TEST_UNSET");
    EXPECT_FALSE(sb::expand_path("${HW_TEST_EMPTY}", out, unset)) << "empty would mean the current directory";
    EXPECT_EQ(unset, "HW_TEST_EMPTY");
}

TEST(Prepare, DefaultsConfineNothingButNoNewPrivsAndSignals) {
    Env env({"PATH=/usr/bin", "GITHUB_TOKEN=t"});
    auto p = sb::prepare(SandboxConfig{}, env.get());
    EXPECT_TRUE(p->refusal.empty());
    EXPECT_EQ(p->report.network, "host");
    EXPECT_EQ(p->report.filesystem, "unrestricted");
    EXPECT_EQ(p->report.env_scrubbed, 0);
    EXPECT_TRUE(p->report.no_new_privs);
    EXPECT_EQ(p->child.envp, nullptr) << "no env rules: the supervisor's environment, untouched";
    EXPECT_FALSE(p->child.new_netns);
    // The one confinement on by default: where the kernel scopes signals (Landlock ABI 6+),
    // a ruleset that restricts nothing but signals, and never stops the hook from starting.
    if (sb::landlock_abi() >= 6) {
        EXPECT_GE(p->child.landlock_fd, 0);
        EXPECT_TRUE(p->child.landlock_optional);
        EXPECT_EQ(p->report.signals.rfind("scoped-landlock-abi-", 0), 0u) << p->report.signals;
    } else {
        EXPECT_EQ(p->child.landlock_fd, -1);
        EXPECT_EQ(p->report.signals, "unscoped");
    }
}

TEST(Prepare, EverythingOn) {
    ::setenv("HW_TEST_DIR", "/tmp", 1);
    ::unsetenv("HW_TEST_UNSET");
    Env env({"PATH=/usr/bin", "GITHUB_TOKEN=t", "HOME=/root"});
    SandboxConfig c;
    c.network = NetworkMode::none;
    c.read_only = true;
    c.writable = {"$HW_TEST_DIR", "$HW_TEST_UNSET", "/nonexistent-hw-test"};
    c.env_scrub = {"*_TOKEN"};
    auto p = sb::prepare(c, env.get());
    EXPECT_EQ(p->report.network, "none");
    EXPECT_TRUE(p->child.new_netns);
    EXPECT_EQ(p->child.new_userns, ::geteuid() != 0);
    EXPECT_EQ(p->report.env_scrubbed, 1);
    ASSERT_NE(p->child.envp, nullptr);
    EXPECT_STREQ(p->child.envp[0], "PATH=/usr/bin");
    EXPECT_STREQ(p->child.envp[1], "HOME=/root");
    EXPECT_EQ(p->child.envp[2], nullptr);
    if (sb::landlock_abi() > 0) {
        EXPECT_TRUE(p->refusal.empty()) << p->refusal;
        EXPECT_EQ(p->report.filesystem.rfind("landlock-abi-", 0), 0u) << p->report.filesystem;
        EXPECT_GE(p->child.landlock_fd, 0);
        EXPECT_EQ(p->report.writable, (std::vector<std::string>{"/tmp", "/dev/null"}));
        ASSERT_EQ(p->report.notes.size(), 2u);
        EXPECT_NE(p->report.notes[0].find("HW_TEST_UNSET is unset"), std::string::npos) << p->report.notes[0];
        EXPECT_NE(p->report.notes[1].find("/nonexistent-hw-test"), std::string::npos) << p->report.notes[1];
    } else {
        EXPECT_FALSE(p->refusal.empty()) << "default \"unavailable\": \"refuse\"";
        EXPECT_EQ(p->report.filesystem, "unrestricted");
    }
}

TEST(Prepare, NetnsFailureAtSpawnIsReportedNotClaimed) {
    SandboxConfig c;
    c.network = NetworkMode::none;
    c.refuse_unavailable = false;
    auto p = sb::prepare(c, nullptr);
    EXPECT_TRUE(p->child.netns_optional);
    p->child.netns_error = EPERM;
    p->finish();
    EXPECT_EQ(p->report.network, "host");
    ASSERT_EQ(p->report.unavailable.size(), 1u);
    EXPECT_NE(p->report.unavailable[0].find("network none"), std::string::npos);
}

// Every cgroup and cgroup2 mount of /proc/self/mounts, no more, no less: the ones the
// child makes read-only in a root hook's mount namespace.
TEST(CgroupMounts, ListsEveryCgroupFilesystem) {
    std::ifstream mounts("/proc/self/mounts");
    std::vector<std::string> expected;
    std::string device, point, type, rest;
    while (mounts >> device >> point >> type && std::getline(mounts, rest))
        if (type == "cgroup" || type == "cgroup2") expected.push_back(point);
    std::vector<std::string> listed;
    for (const auto& [mount_point, flags] : sb::cgroup_mounts()) listed.push_back(mount_point);
    std::sort(expected.begin(), expected.end());
    std::sort(listed.begin(), listed.end());
    EXPECT_EQ(listed, expected);
}

namespace {

// How many of `mounts` are at `point` with at least `flags`.
int listed_with(const std::vector<std::pair<std::string, unsigned long>>& mounts, const std::string& point,
                unsigned long flags) {
    return static_cast<int>(std::count_if(mounts.begin(), mounts.end(), [&](const auto& m) {
        return m.first == point && (m.second & flags) == flags;
    }));
}

// In a mount namespace of its own (a forked child, so the host sees nothing): the list
// read before a cgroup2 mount appears, with it, and after it went. Exit status: 0 when
// each list was right, else the number of the first wrong one.
int mount_appears_and_goes(const std::string& point) {
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return 10;
    const unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    if (listed_with(sb::cgroup_mounts(), point, 0) != 0) return 1;
    if (::mount("none", point.c_str(), "cgroup2", flags, nullptr) != 0) return 11;
    if (listed_with(sb::cgroup_mounts(), point, flags) != 1) return 2;
    if (listed_with(sb::cgroup_mounts(), point, flags) != 1) return 3;  // unchanged: the same
    if (::umount(point.c_str()) != 0) return 12;
    if (listed_with(sb::cgroup_mounts(), point, 0) != 0) return 4;
    return 0;
}

}  // namespace

// The table is read again after each mount and unmount (the kept /proc/self/mountinfo
// polls the change), also in a process forked from one that read it, in a namespace of
// its own; a mount point with a space (escaped as \040) and its flags come out as mounted.
TEST(CgroupMounts, FollowsEachMountAndUnmount) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount";
    sb::cgroup_mounts();  // read here first: the child starts from this process's table
    char dir[] = "/tmp/hw-cgroup mounts-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    const pid_t child = ::fork();
    if (child == 0) ::_exit(mount_appears_and_goes(dir));
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ::rmdir(dir);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "1-4: the list before, with, again with, after the mount; 10+: setup";
    std::vector<std::pair<std::string, unsigned long>> here = sb::cgroup_mounts();
    EXPECT_EQ(listed_with(here, dir, 0), 0) << "the child's mount is not in this namespace";
}

TEST(Prepare, RootHookGetsReadOnlyCgroupsAPrivateShmAndNoCapSysAdmin) {
    auto p = sb::prepare(SandboxConfig{}, nullptr);
    if (::geteuid() != 0) {
        EXPECT_FALSE(p->child.new_mount_ns);
        EXPECT_EQ(p->report.cgroupfs, "host");
        EXPECT_EQ(p->report.cap_sys_admin, "not-root");
        return;
    }
    EXPECT_TRUE(p->child.new_mount_ns);
    EXPECT_TRUE(p->child.drop_cap_sys_admin);
    EXPECT_EQ(p->report.cgroupfs, "read-only");
    EXPECT_EQ(p->report.cap_sys_admin, "dropped");
    std::size_t count = 0;
    while (p->child.readonly_mounts && p->child.readonly_mounts[count]) ++count;
    EXPECT_EQ(count, sb::cgroup_mounts().size());
    EXPECT_EQ(p->report.dev_shm, p->child.private_shm ? "private" : "host");

    SandboxConfig keep;
    keep.keep_cap_sys_admin = true;
    auto kept = sb::prepare(keep, nullptr);
    EXPECT_TRUE(kept->child.new_mount_ns) << "the namespaces stay; only the capability is kept";
    EXPECT_FALSE(kept->child.drop_cap_sys_admin);
    EXPECT_EQ(kept->report.cap_sys_admin, "kept");
}

TEST(Prepare, MountNamespaceFailureAtSpawnIsReportedNotClaimed) {
    if (::geteuid() != 0) GTEST_SKIP() << "root only";
    auto p = sb::prepare(SandboxConfig{}, nullptr);
    p->child.mount_stage = "cgroupfs-ro";
    p->child.mount_error = EPERM;
    p->child.caps_error = EPERM;
    p->finish();
    EXPECT_EQ(p->report.cgroupfs, "host");
    EXPECT_EQ(p->report.dev_shm, "host");
    EXPECT_EQ(p->report.cap_sys_admin, "kept");
    ASSERT_EQ(p->report.notes.size(), 2u);
    EXPECT_NE(p->report.notes[0].find("cgroupfs-ro"), std::string::npos) << p->report.notes[0];
}
