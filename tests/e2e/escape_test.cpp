// A root hook must not get more than its limits (docs/security.md): each test here is a
// hostile hook (a shell script) that escaped on the code before, run through the real
// binary as root, checked from outside through /proc, the cgroup filesystem and the mount
// table. cgroup-v1 and none run here; the cgroup-v2 twins are in tests/vm/init.sh.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include "support/harness.h"

using nlohmann::json;

namespace {

std::string write_script(const std::string& dir, const std::string& name, const std::string& text) {
    const std::string path = dir + "/" + name;
    std::ofstream(path) << text;
    ::chmod(path.c_str(), 0755);
    return path;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// Where this process's v1 `controller` cgroup is, as the run cgroups' parent sees it.
std::string run_parent(const std::string& controller) {
    std::ifstream self("/proc/self/cgroup");
    std::string line, path = "/";
    const std::string key = ":" + controller + ":";
    while (std::getline(self, line))
        if (line.find(key) != std::string::npos) path = line.substr(line.find(key) + key.size());
    return "/sys/fs/cgroup/" + controller + (path == "/" ? std::string() : path) + "/hookwarden";
}

std::string policy_file(const std::string& dir, const json& sandbox) {
    const std::string path = dir + "/policy.json";
    std::ofstream(path) << json{{"version", 1}, {"defaults", {{"sandbox", sandbox}}}}.dump();
    return path;
}

hwtest::Options with_event() {
    hwtest::Options options;
    options.stdin_data = R"({"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}})";
    return options;
}

// What a root hook does to lift its limits when it can see its cgroups: every limit file
// of every run cgroup and leaf it can find, to "unlimited".
const char* kLiftLimits = R"(
for ctrl in memory pids; do
  own=$(sed -n "s/^[0-9]*:$ctrl:\(.*\)$/\1/p" /proc/self/cgroup)
  for d in /sys/fs/cgroup/$ctrl$own $(find /sys/fs/cgroup/$ctrl -maxdepth 6 -type d -path '*hookwarden/hw-*' 2>/dev/null); do
    echo -1 > $d/memory.memsw.limit_in_bytes; echo -1 > $d/memory.limit_in_bytes; echo max > $d/pids.max
  done 2>/dev/null
done
)";

// A root hook writes -1 to its memory.limit_in_bytes (and memsw) and "max" to its
// pids.max, then uses more: the limits must hold (200 MB under 50 MB, 100 threads under
// 16 pids, before the fix).
TEST(Escape, RootHookCannotLiftItsMemoryLimit) {
    if (!hwtest::is_root() || !hwtest::cgroup_v1_available()) GTEST_SKIP() << "needs root and cgroup-v1";
    const std::string dir = hwtest::temp_dir();
    const std::string token = hwtest::unique_token();
    const std::string hook = write_script(dir, "lift.sh", std::string(kLiftLimits) + "exec " +
                                                              hwtest::helper("hw_alloc") + " 150 100 " + token + "\n");
    auto r = hwtest::run({"run", "--backend", "cgroup-v1", "--memory", "50", "--timeout", "20000", "--", "sh", hook},
                         with_event());
    ASSERT_TRUE(r.record.is_object()) << r.err;
    EXPECT_EQ(r.record["outcome"], "oom") << r.record.dump();
    EXPECT_LE(r.record["peak_memory_bytes"].get<std::int64_t>(), 52LL * 1024 * 1024) << r.record.dump();
    EXPECT_EQ(r.record["confinement"]["cgroupfs"], "read-only");
    EXPECT_EQ(r.record["confinement"]["cap_sys_admin"], "dropped");
}

TEST(Escape, RootHookCannotLiftItsPidsLimit) {
    if (!hwtest::is_root() || !hwtest::cgroup_v1_available()) GTEST_SKIP() << "needs root and cgroup-v1";
    const std::string dir = hwtest::temp_dir();
    const std::string token = hwtest::unique_token();
    const std::string hook =
        write_script(dir, "pids.sh", std::string(kLiftLimits) + "exec " + hwtest::helper("hw_forkbomb") + " " + token + " 100\n");
    auto r = hwtest::run({"run", "--backend", "cgroup-v1", "--pids", "16", "--", "sh", hook}, with_event());
    ASSERT_TRUE(r.record.is_object()) << r.err;
    EXPECT_EQ(r.record["outcome"], "ok") << r.err;
    EXPECT_LT(std::atol(r.out.c_str()), 16) << "forks under --pids 16 after rewriting pids.max: " << r.out;
    EXPECT_TRUE(hwtest::survivors(token).empty());
    hwtest::kill_all_with(token);
}

// A root hook moves itself to the root of every hierarchy (v1 and the unified mount) and
// leaves a daemon behind: outside its run cgroups nobody would kill it.
TEST(Escape, RootHookCannotMoveOutOfItsCgroups) {
    if (!hwtest::is_root() || !hwtest::cgroup_v1_available()) GTEST_SKIP() << "needs root and cgroup-v1";
    const std::string dir = hwtest::temp_dir();
    const std::string token = hwtest::unique_token();
    const std::string hook = write_script(dir, "move.sh",
                                          "for f in /sys/fs/cgroup/*/cgroup.procs /sys/fs/cgroup/*/tasks; do echo $$ > $f; done 2>/dev/null\n"
                                          "grep -v '::/$' /proc/self/cgroup | grep -v ':/$' >&2\n"
                                          "setsid sh -c 'sleep 30; :' " + token + " &\nsleep 0.2; exit 0\n");
    auto r = hwtest::run({"run", "--backend", "cgroup-v1", "--", "sh", hook}, with_event());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(hwtest::survivors(token).empty()) << "the daemon left its run cgroups and survived the run";
    hwtest::kill_all_with(token);
}

// With CAP_SYS_ADMIN kept (the policy's opt-out), a hook can mount a cgroupfs of its own:
// in its cgroup namespace it shows only the leaf, so the sub-cgroups it makes there are
// inside its run cgroup, and removing the run cgroup must remove them first (rmdir of a
// cgroup with children fails: before, such a run cgroup stayed forever).
TEST(Escape, SubCgroupsAHookMakesAreRemovedWithItsRunCgroup) {
    if (!hwtest::is_root() || !hwtest::cgroup_v1_available()) GTEST_SKIP() << "needs root and cgroup-v1";
    const std::string dir = hwtest::temp_dir();
    const std::string token = hwtest::unique_token();
    const std::string mnt = dir + "/cg";
    ::mkdir(mnt.c_str(), 0755);
    const std::string hook = write_script(
        dir, "sub.sh",
        "echo $PPID > " + dir + "/supervisor.pid\n"
        "mount -t cgroup -o pids none " + mnt + " || exit 3\n"
        "ls " + mnt + " | grep -q hookwarden && touch " + dir + "/sees-above\n"
        "mkdir -p " + mnt + "/a/b && echo $$ > " + mnt + "/a/b/cgroup.procs || exit 4\n"
        "sh -c 'sleep 30; :' " + token + " &\nsleep 30\n");
    auto options = with_event();
    auto r = hwtest::run({"run", "--policy", policy_file(dir, {{"keep_cap_sys_admin", true}}), "--backend", "cgroup-v1",
                          "--timeout", "500", "--", "sh", hook},
                         options);
    ASSERT_TRUE(r.record.is_object()) << r.err;
    EXPECT_EQ(r.record["outcome"], "timeout") << r.err;
    EXPECT_EQ(r.record["confinement"]["cap_sys_admin"], "kept");
    EXPECT_FALSE(exists(dir + "/sees-above")) << "a cgroupfs mounted by the hook showed more than its leaf";
    EXPECT_TRUE(hwtest::survivors(token).empty()) << "a process in a sub-cgroup of the leaf survived";
    const std::string run_cgroup = run_parent("pids") + "/hw-" + read_text(dir + "/supervisor.pid").substr(0, 12);
    std::string trimmed = run_cgroup;
    while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == ' ')) trimmed.pop_back();
    for (int i = 0; i < 100 && exists(trimmed); ++i) ::usleep(20000);  // the guardian removes it after the answer
    EXPECT_FALSE(exists(trimmed)) << trimmed << " (with the hook's sub-cgroups) was left behind";
    hwtest::kill_all_with(token);
}

// A file in /dev/shm (and a tmpfs the hook mounts) used to stay in RAM after the run,
// charged to no live run: five runs under 50 MB each held 249 MB.
void expect_shm_gone_with_the_run(const std::string& backend) {
    SCOPED_TRACE(backend);
    const std::string dir = hwtest::temp_dir();
    const std::string token = hwtest::unique_token();
    const std::string shm_file = "/dev/shm/" + token;
    const std::string hook = write_script(dir, "shm.sh",
                                          "dd if=/dev/zero of=" + shm_file + " bs=1M count=20 2>/dev/null || exit 3\n"
                                          "ls -l " + shm_file + " >&2\nexit 0\n");
    auto r = hwtest::run({"run", "--backend", backend, "--", "sh", hook}, with_event());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find(token), std::string::npos) << "the hook could not write its /dev/shm: " << r.err;
    EXPECT_FALSE(exists(shm_file)) << shm_file << " outlived the run";
    ASSERT_TRUE(r.record.is_object());
    EXPECT_EQ(r.record["confinement"]["dev_shm"], "private");
    ::unlink(shm_file.c_str());
}

TEST(Escape, DevShmDiesWithTheRun) {
    if (!hwtest::is_root()) GTEST_SKIP() << "needs root";
    expect_shm_gone_with_the_run("none");
    if (hwtest::cgroup_v1_available()) expect_shm_gone_with_the_run("cgroup-v1");
}

// /dev/shm is charged to the hook's memory limit: 80 MB there under --memory 50 fails.
TEST(Escape, DevShmCountsAgainstTheMemoryLimit) {
    if (!hwtest::is_root() || !hwtest::cgroup_v1_available()) GTEST_SKIP() << "needs root and cgroup-v1";
    const std::string dir = hwtest::temp_dir();
    const std::string hook = write_script(dir, "shm.sh", "dd if=/dev/zero of=/dev/shm/big bs=1M count=80 2>/dev/null; exit 0\n");
    auto r = hwtest::run({"run", "--backend", "cgroup-v1", "--memory", "50", "--", "sh", hook}, with_event());
    ASSERT_TRUE(r.record.is_object()) << r.err;
    EXPECT_TRUE(r.record["oom_killed"].get<bool>()) << r.record.dump();
    EXPECT_LE(r.record["peak_memory_bytes"].get<std::int64_t>(), 52LL * 1024 * 1024);
}

bool mounted_at(const std::string& point) {
    std::istringstream table(read_text("/proc/self/mountinfo"));
    std::string line;
    while (std::getline(table, line))
        if (line.find(" " + point + " ") != std::string::npos) return true;
    return false;
}

// A tmpfs the hook mounts (CAP_SYS_ADMIN kept) lives in its own mount namespace: never
// seen outside, gone with the run.
TEST(Escape, MountsOfTheHookDieWithTheRun) {
    if (!hwtest::is_root()) GTEST_SKIP() << "needs root";
    for (const std::string backend : {"none", "cgroup-v1"}) {
        if (backend == "cgroup-v1" && !hwtest::cgroup_v1_available()) continue;
        SCOPED_TRACE(backend);
        const std::string dir = hwtest::temp_dir();
        const std::string point = dir + "/mnt";
        ::mkdir(point.c_str(), 0755);
        const std::string hook = write_script(dir, "mnt.sh",
                                              "mount -t tmpfs none " + point + " || exit 3\n"
                                              "dd if=/dev/zero of=" + point + "/f bs=1M count=10 2>/dev/null\n"
                                              "touch " + dir + "/mounted; sleep 0.3; exit 0\n");
        auto options = with_event();
        bool seen_outside = false;
        std::thread watcher([&] {
            for (int i = 0; i < 200 && !exists(dir + "/mounted"); ++i) ::usleep(5000);
            seen_outside = mounted_at(point);
        });
        auto r = hwtest::run({"run", "--policy", policy_file(dir, {{"keep_cap_sys_admin", true}}), "--backend", backend,
                              "--", "sh", hook},
                             options);
        watcher.join();
        EXPECT_EQ(r.exit_code, 0) << r.err;
        EXPECT_TRUE(exists(dir + "/mounted")) << r.err;
        EXPECT_FALSE(seen_outside) << "the hook's mount propagated to the host";
        EXPECT_FALSE(mounted_at(point));
        EXPECT_FALSE(exists(point + "/f"));
    }
}

// A hook that freezes itself in a v1 freezer cgroup: the answer came ~2.9 s after a
// 0.3 s timeout and frozen processes stayed. Now the freezer is out of reach (read-only
// cgroupfs); with CAP_SYS_ADMIN kept it can mount one, and is thawed before the kill.
void expect_freeze_answered_in_time(bool keep_cap_sys_admin) {
    SCOPED_TRACE(keep_cap_sys_admin ? "CAP_SYS_ADMIN kept" : "default");
    const std::string dir = hwtest::temp_dir();
    const std::string token = hwtest::unique_token();
    const std::string mnt = dir + "/freezer";
    ::mkdir(mnt.c_str(), 0755);
    const std::string hook = write_script(
        dir, "freeze.sh",
        "root=/sys/fs/cgroup/freezer\n"
        "mount -t cgroup -o freezer none " + mnt + " 2>/dev/null && root=" + mnt + "\n"
        "d=$root/" + token + "; mkdir $d || exit 0\n"
        "sh -c 'sleep 30; :' " + token + " &\n"
        "echo $! > $d/cgroup.procs; echo $$ > $d/cgroup.procs; echo FROZEN > $d/freezer.state\nsleep 30\n");
    auto r = hwtest::run({"run", "--policy", policy_file(dir, {{"keep_cap_sys_admin", keep_cap_sys_admin}}), "--backend",
                          "cgroup-v1", "--timeout", "300", "--kill-grace", "200", "--", "sh", hook},
                         with_event());
    EXPECT_LT(r.elapsed_ms, 300 + 200 + 600) << "answered long after timeout + grace";
    EXPECT_TRUE(hwtest::survivors(token).empty()) << "frozen processes were left behind";
    hwtest::kill_all_with(token);
    const std::string left = "/sys/fs/cgroup/freezer/" + token;
    if (exists(left)) {  // only the opt-out can make one; the test cleans it up
        std::ofstream(left + "/freezer.state") << "THAWED";
        ::usleep(100000);
        ::rmdir(left.c_str());
    }
}

TEST(Escape, AHookFreezingItselfIsAnsweredInTimeAndLeavesNothing) {
    if (!hwtest::is_root() || !hwtest::cgroup_v1_available()) GTEST_SKIP() << "needs root and cgroup-v1";
    if (!exists("/sys/fs/cgroup/freezer/freezer.state") && !exists("/sys/fs/cgroup/freezer/cgroup.procs"))
        GTEST_SKIP() << "no v1 freezer hierarchy";
    expect_freeze_answered_in_time(false);
    expect_freeze_answered_in_time(true);
}

std::vector<int> pids_with_env(const std::string& entry) {
    std::vector<int> pids;
    DIR* proc = ::opendir("/proc");
    while (dirent* e = proc ? ::readdir(proc) : nullptr) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        std::string env = read_text(std::string("/proc/") + e->d_name + "/environ");
        std::string cmd = read_text(std::string("/proc/") + e->d_name + "/cmdline");
        if (env.find(entry + '\0') != std::string::npos && cmd.rfind("hookwarden", 0) == 0) pids.push_back(std::atoi(e->d_name));
    }
    if (proc) ::closedir(proc);
    return pids;
}

// Something (the hook, where signals are not scoped) SIGKILLs the guardian and then the
// supervisor: the tree used to survive both. The supervisor sees its guardian die, kills
// the tree at once and answers by the policy.
void expect_no_survivor_after_guardian_and_supervisor_die(const std::string& backend) {
    SCOPED_TRACE(backend);
    const std::string dir = hwtest::temp_dir();
    const std::string token = hwtest::unique_token();
    const std::string hook = write_script(dir, "victim.sh",
                                          "echo $PPID > " + dir + "/supervisor.pid\n"
                                          "setsid sh -c 'sleep 30; :' " + token + " &\nsleep 30\n");
    auto options = with_event();
    options.env.push_back("HWTEST_RUN=" + token);
    std::thread killer([&] {
        const std::string pid_file = dir + "/supervisor.pid";
        for (int i = 0; i < 400 && read_text(pid_file).empty(); ++i) ::usleep(5000);
        ::usleep(100000);
        const int supervisor = std::atoi(read_text(pid_file).c_str());
        for (int pid : pids_with_env("HWTEST_RUN=" + token))
            if (pid != supervisor) ::kill(pid, SIGKILL);  // the guardian
        ::usleep(100000);
        if (supervisor > 0) ::kill(supervisor, SIGKILL);
    });
    auto r = hwtest::run({"run", "--backend", backend, "--on-failure", "block", "--timeout", "10000", "--", "sh", hook}, options);
    killer.join();
    EXPECT_TRUE(hwtest::survivors(token, 2000).empty()) << "the tree outlived its guardian and supervisor";
    if (r.signal == 0) {
        EXPECT_EQ(r.exit_code, 2) << "not answered by on_failure: " << r.err;
        ASSERT_TRUE(r.record.is_object()) << r.err;
        EXPECT_EQ(r.record["outcome"], "internal_error");
    }
    hwtest::kill_all_with(token);
}

TEST(Escape, KillingTheGuardianThenTheSupervisorLeavesNoSurvivor) {
    if (!hwtest::is_root()) GTEST_SKIP() << "needs root";
    expect_no_survivor_after_guardian_and_supervisor_die("none");
    if (hwtest::cgroup_v1_available()) expect_no_survivor_after_guardian_and_supervisor_die("cgroup-v1");
}

std::vector<std::string> records_in(const std::string& state_dir) {
    hwtest::Options options;
    options.with_record = false;
    options.state_dir = state_dir;
    auto r = hwtest::run({"report", "--format", "jsonl"}, options);
    std::vector<std::string> hooks;
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line))
        if (!line.empty()) hooks.push_back(json::parse(line).value("hook", ""));
    return hooks;
}

// hookwarden in a hook of hookwarden: the inner run's guardian was killed with the outer
// hook's leftovers before it committed, so the inner record was lost every time and its
// run cgroups leaked. The inner run now runs under the outer's limits, commits its record
// itself and leaves nothing.
TEST(Escape, NestedRunRecordsAndCleansUp) {
    const std::string dir = hwtest::temp_dir();
    const std::string state = dir + "/state";
    for (const std::string backend : {"none", "cgroup-v1"}) {
        if (backend == "cgroup-v1" && !hwtest::cgroup_v1_available()) continue;
        SCOPED_TRACE(backend);
        const std::string inner = write_script(dir, "inner.sh", "echo $PPID > " + dir + "/inner.pid\necho inner-ran\n");
        auto options = with_event();
        options.with_record = false;
        options.state_dir = state;
        auto r = hwtest::run({"run", "--name", "outer-" + backend, "--backend", backend, "--", hwtest::binary(), "run",
                              "--name", "inner-" + backend, "--", "sh", inner},
                             options);
        EXPECT_EQ(r.exit_code, 0) << r.err;
        EXPECT_NE(r.out.find("inner-ran"), std::string::npos) << r.out;
        std::vector<std::string> hooks;
        for (int i = 0; i < 100; ++i) {
            hooks = records_in(state);
            if (std::count(hooks.begin(), hooks.end(), "inner-" + backend) && std::count(hooks.begin(), hooks.end(), "outer-" + backend))
                break;
            ::usleep(20000);
        }
        EXPECT_EQ(std::count(hooks.begin(), hooks.end(), "inner-" + backend), 1) << "the inner run's record was lost";
        EXPECT_EQ(std::count(hooks.begin(), hooks.end(), "outer-" + backend), 1);
        std::string inner_pid = read_text(dir + "/inner.pid");
        while (!inner_pid.empty() && inner_pid.back() == '\n') inner_pid.pop_back();
        for (const char* controller : {"memory", "pids"})
            EXPECT_FALSE(exists(run_parent(controller) + "/hw-" + inner_pid)) << "the inner run's cgroup leaked";
    }
}

}  // namespace
