// Policy sandbox.pid_namespace (docs/sandbox.md, docs/security.md): the hook is pid 1 of a
// PID namespace of its own. Real hooks (shell scripts) through the real binary, checked
// from outside through /proc: the hook sees only its own tree, cannot name any process
// outside it (its supervisor, guardian, the agent), still dies at its timeout although
// pid 1 ignores signals it has no handler for, and its exit status is relayed.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
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

std::string policy_file(const std::string& dir, const json& sandbox, const std::string& on_failure = "allow") {
    const std::string path = dir + "/policy.json";
    std::ofstream(path) << json{{"version", 1}, {"defaults", {{"sandbox", sandbox}, {"on_failure", on_failure}}}}.dump();
    return path;
}

hwtest::Options with_event() {
    hwtest::Options options;
    options.stdin_data = R"({"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"rm -rf /"}})";
    return options;
}

std::vector<std::string> backends() {
    std::vector<std::string> list{"none"};
    if (hwtest::cgroup_v1_available()) list.push_back("cgroup-v1");
    return list;
}

// A process outside every run: it stands for the agent, the supervisor and the guardian.
struct Bystander {
    pid_t pid = -1;
    Bystander() {
        pid = ::fork();
        if (pid == 0) {
            ::execl("/bin/sleep", "sleep", "60", static_cast<char*>(nullptr));
            ::_exit(127);
        }
    }
    ~Bystander() {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }
    // 'R', 'S', 'T' (stopped), 'Z' or 'X' (gone), from /proc/<pid>/stat.
    char state() const {
        const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
        const std::size_t close = stat.rfind(')');
        return close == std::string::npos || close + 2 >= stat.size() ? 'X' : stat[close + 2];
    }
};

TEST(PidNamespace, TheHookIsPid1AndSeesOnlyItsOwnTree) {
    if (!hwtest::is_root()) GTEST_SKIP() << "needs root (the unprivileged case is its own test)";
    for (const std::string& backend : backends()) {
        SCOPED_TRACE(backend);
        const std::string dir = hwtest::temp_dir();
        const std::string hook = write_script(dir, "look.sh",
                                              "sleep 5 & echo $$ > " + dir + "/self\n"
                                              "ls /proc | grep -E '^[0-9]+$' | sort -n | tr '\\n' ' ' > " + dir + "/proc\n"
                                              "ps -e -o pid= | wc -l > " + dir + "/ps\nkill $!\n");
        auto r = hwtest::run({"run", "--policy", policy_file(dir, {{"pid_namespace", true}}), "--backend", backend, "--",
                              "sh", hook},
                             with_event());
        ASSERT_EQ(r.exit_code, 0) << r.err;
        ASSERT_TRUE(r.record.is_object()) << r.err;
        EXPECT_EQ(r.record["confinement"]["pid_namespace"], "private") << r.record["confinement"].dump();
        EXPECT_EQ(read_text(dir + "/self"), "1\n");
        // sh itself (1), the sleep, ls and grep/sort of the pipeline: no process of the host.
        const std::string procs = read_text(dir + "/proc");
        EXPECT_EQ(procs.rfind("1 ", 0), 0U) << procs;
        EXPECT_EQ(procs.find(" " + std::to_string(::getpid()) + " "), std::string::npos) << procs;
        EXPECT_LE(std::count(procs.begin(), procs.end(), ' '), 8) << "the hook sees more than its tree: " << procs;
        EXPECT_LE(std::atoi(read_text(dir + "/ps").c_str()), 8) << "ps -e lists more than the hook's tree";
    }
}

// kill -9 / -STOP of any outside pid: no such process in the hook's namespace (ESRCH,
// where Landlock's scoping says EPERM), and $PPID is 0 there. The guard still blocks.
TEST(PidNamespace, TheHookCannotSignalAnyProcessOutsideItsTree) {
    if (!hwtest::is_root()) GTEST_SKIP() << "needs root";
    for (const std::string& backend : backends()) {
        SCOPED_TRACE(backend);
        Bystander outside;
        const std::string dir = hwtest::temp_dir();
        const std::string target = std::to_string(outside.pid);
        const std::string hook = write_script(
            dir, "kill.sh",
            "echo \"$PPID\" > " + dir + "/ppid\n"
            "kill -STOP " + target + " 2> " + dir + "/stop.err && echo stopped-outside >&2\n"
            "kill -9 " + target + " 2> " + dir + "/kill.err && echo killed-outside >&2\n"
            "kill -0 " + std::to_string(::getpid()) + " 2>/dev/null && echo sees-the-agent >&2\n"
            "echo 'no rm -rf' >&2; exit 2\n");
        auto r = hwtest::run({"run", "--policy", policy_file(dir, {{"pid_namespace", true}}, "block"), "--backend",
                              backend, "--", "sh", hook},
                             with_event());
        EXPECT_EQ(r.signal, 0) << "the hook killed its supervisor";
        EXPECT_EQ(r.exit_code, 2) << r.err;
        EXPECT_NE(r.err.find("no rm -rf"), std::string::npos) << r.err;
        for (const char* escaped : {"stopped-outside", "killed-outside", "sees-the-agent"})
            EXPECT_EQ(r.err.find(escaped), std::string::npos) << r.err;
        EXPECT_EQ(read_text(dir + "/ppid"), "0\n");
        EXPECT_NE(read_text(dir + "/kill.err").find("No such process"), std::string::npos) << read_text(dir + "/kill.err");
        EXPECT_NE(read_text(dir + "/stop.err").find("No such process"), std::string::npos);
        EXPECT_EQ(outside.state(), 'S') << "the outside process was stopped or killed";
        ASSERT_TRUE(r.record.is_object()) << r.err;
        EXPECT_EQ(r.record["outcome"], "blocked");
    }
}

// `kill -9 $PPID` is `kill -9 0` in there: its own group, in which pid 1 (the hook) ignores
// even SIGKILL; the supervisor is untouched and the guard's block stands.
TEST(PidNamespace, KillingItsParentLeavesTheSupervisorAndTheBlock) {
    if (!hwtest::is_root()) GTEST_SKIP() << "needs root";
    const std::string dir = hwtest::temp_dir();
    auto r = hwtest::run({"run", "--policy", policy_file(dir, {{"pid_namespace", true}}, "block"), "--", "sh", "-c",
                          "kill -9 $PPID; kill -STOP $PPID; echo 'no rm -rf' >&2; exit 2"},
                         with_event());
    EXPECT_EQ(r.signal, 0) << "the hook killed its supervisor";
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("no rm -rf"), std::string::npos) << r.err;
    ASSERT_TRUE(r.record.is_object()) << r.err;
    EXPECT_EQ(r.record["outcome"], "blocked") << r.record.dump();
    EXPECT_LT(r.elapsed_ms, 3000);
}

// Pid 1 ignores SIGTERM without a handler (sh has none): the timeout's SIGKILL after the
// grace still takes it and the whole tree down, in time.
TEST(PidNamespace, TheTimeoutStillKillsThePid1HookAndItsTree) {
    if (!hwtest::is_root()) GTEST_SKIP() << "needs root";
    for (const std::string& backend : backends()) {
        SCOPED_TRACE(backend);
        const std::string dir = hwtest::temp_dir();
        const std::string token = hwtest::unique_token();
        const std::string hook = write_script(dir, "hang.sh",
                                              "setsid sh -c 'sleep 30; :' " + token + " &\n"
                                              "sh -c 'trap \"\" TERM; sleep 30; :' " + token + " &\nsleep 30\n");
        auto r = hwtest::run({"run", "--policy", policy_file(dir, {{"pid_namespace", true}}), "--backend", backend,
                              "--timeout", "300", "--", "sh", hook},
                             with_event());
        ASSERT_TRUE(r.record.is_object()) << r.err;
        EXPECT_EQ(r.record["outcome"], "timeout");
        EXPECT_LT(r.elapsed_ms, 300 + r.record["limits"]["kill_grace_ms"].get<double>() + 1500) << r.record.dump();
        EXPECT_TRUE(hwtest::survivors(token).empty()) << "a process of the hook's namespace survived";
        hwtest::kill_all_with(token);
    }
}

TEST(PidNamespace, ExitStatusIsTheHooks) {
    if (!hwtest::is_root()) GTEST_SKIP() << "needs root";
    for (const std::string& backend : backends()) {
        SCOPED_TRACE(backend);
        const std::string dir = hwtest::temp_dir();
        for (int code : {0, 1, 2, 3}) {
            auto r = hwtest::run({"run", "--policy", policy_file(dir, {{"pid_namespace", true}}), "--backend", backend,
                                  "--", "sh", "-c", "echo out; exit " + std::to_string(code)},
                                 with_event());
            EXPECT_EQ(r.exit_code, code) << r.err;
            EXPECT_EQ(r.out, "out\n");
            ASSERT_TRUE(r.record.is_object()) << r.err;
            EXPECT_EQ(r.record["exit_code"], code);
        }
        // Pid 1 ignores a signal it has no handler for, even one it sends itself: the run
        // ends with the hook's own exit code, as the hook itself decided.
        auto r = hwtest::run({"run", "--policy", policy_file(dir, {{"pid_namespace", true}}), "--backend", backend,
                              "--", "sh", "-c", "kill -SEGV $$; sleep 0.2; exit 5"},
                             with_event());
        ASSERT_TRUE(r.record.is_object()) << r.err;
        EXPECT_EQ(r.record["exit_code"], 5) << "pid 1 ignores a signal without handler, also its own";
    }
}

// Inside a run without a PID namespace, a root hook has no CAP_SYS_ADMIN left: a nested
// hookwarden cannot make one, and `unavailable` decides (refuse: spawn_error answered by
// on_failure; run: it runs, and the record says what was not in force).
TEST(PidNamespace, UnavailableIsRefusedOrReportedByThePolicy) {
    if (!hwtest::is_root()) GTEST_SKIP() << "needs root";
    const std::string dir = hwtest::temp_dir();
    for (const std::string mode : {"refuse", "run"}) {
        SCOPED_TRACE(mode);
        const std::string inner_policy = dir + "/inner-" + mode + ".json";
        std::ofstream(inner_policy) << json{{"version", 1},
                                            {"defaults",
                                             {{"sandbox", {{"pid_namespace", true}, {"unavailable", mode}}},
                                              {"on_failure", "block"}}}}
                                           .dump();
        const std::string record = dir + "/inner-" + mode + ".record";
        auto options = with_event();
        auto r = hwtest::run({"run", "--backend", "none", "--", hwtest::binary(), "run", "--policy", inner_policy,
                              "--record", record, "--", "sh", "-c", "echo $$ $HOOKWARDEN_SUPERVISOR_PID"},
                             options);
        const json inner = json::parse(read_text(record), nullptr, false);
        ASSERT_TRUE(inner.is_object()) << r.err;
        if (mode == "refuse") {
            EXPECT_EQ(r.exit_code, 2) << r.err;
            EXPECT_EQ(inner["outcome"], "spawn_error") << inner.dump();
        } else {
            EXPECT_EQ(r.exit_code, 0) << r.err;
            std::istringstream fields(r.out);
            int self = 0;
            std::string supervisor;
            fields >> self >> supervisor;
            EXPECT_NE(self, 1) << r.out;
            // Without its namespace the hook's variable names its supervisor again, so a
            // hookwarden it starts still knows it is nested.
            EXPECT_GT(std::atoi(supervisor.c_str()), 1) << r.out;
            EXPECT_EQ(supervisor.find_first_not_of("0123456789"), std::string::npos) << r.out;
            EXPECT_EQ(inner["confinement"]["pid_namespace"], "host");
            ASSERT_FALSE(inner["confinement"]["unavailable"].empty()) << inner.dump();
            EXPECT_NE(inner["confinement"]["unavailable"][0].get<std::string>().find("pid_namespace"), std::string::npos);
        }
    }
}

// A hookwarden in a hook that already has a PID namespace knows it is nested (its
// supervisor's pid means nothing in there), records its run and leaves nothing.
TEST(PidNamespace, NestedRunInsideAPidNamespaceKnowsItIsNested) {
    if (!hwtest::is_root()) GTEST_SKIP() << "needs root";
    const std::string dir = hwtest::temp_dir();
    const std::string record = dir + "/inner.record";
    auto r = hwtest::run({"run", "--policy", policy_file(dir, {{"pid_namespace", true}}), "--backend", "none", "--",
                          hwtest::binary(), "run", "--policy", dir + "/policy.json", "--record", record, "--", "sh", "-c",
                          "echo $$"},
                         with_event());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const json inner = json::parse(read_text(record), nullptr, false);
    ASSERT_TRUE(inner.is_object()) << r.err;
    EXPECT_EQ(inner["confinement"]["pid_namespace"], "outer-run") << inner.dump();
    EXPECT_EQ(inner["confinement"]["cgroupfs"], "outer-run") << inner.dump();
    EXPECT_EQ(inner["outcome"], "ok");
}

// Unprivileged: the PID namespace comes with a user namespace, in which the hook keeps
// its uid.
TEST(PidNamespace, UnprivilegedUsesAUserNamespace) {
    if (!hwtest::is_root()) GTEST_SKIP() << "needs root to switch to an unprivileged user with setpriv";
    if (::access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "setpriv not installed";
    const std::string dir = hwtest::temp_dir();
    ::chmod(dir.c_str(), 0777);
    const std::string state = dir + "/nobody-state";
    ::mkdir(state.c_str(), 0777);
    ::chmod(state.c_str(), 0777);
    const std::string policy = policy_file(dir, {{"pid_namespace", true}});
    ::chmod(policy.c_str(), 0644);
    auto options = with_event();
    options.prefix = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    options.state_dir = state;
    options.with_record = false;
    auto r = hwtest::run({"run", "--policy", policy, "--backend", "none", "--", "sh", "-c",
                          "echo $$ $(id -u) $(ls /proc | grep -cE '^[0-9]+$')"},
                         options);
    if (r.err.find("pidns") != std::string::npos) GTEST_SKIP() << "user namespaces are not available here: " << r.err;
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::istringstream fields(r.out);
    int self = 0, uid = 0, procs = 0;
    fields >> self >> uid >> procs;
    EXPECT_EQ(self, 1) << r.out;
    EXPECT_EQ(uid, 65534) << "the hook keeps its uid inside the user namespace";
    EXPECT_LE(procs, 6) << "the hook sees more than its tree";
}

}  // namespace
