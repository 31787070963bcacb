// A hook is untrusted code: what it does to the processes around it must not change its
// verdict. Each test here is a hostile hook that flipped a fail-closed answer before.
#include <gtest/gtest.h>

#include <fstream>
#include <sys/stat.h>

#include "support/harness.h"

using nlohmann::json;

namespace {

// A guard that kills "stale copies of itself" by command line, as guards that must not
// run twice do, then blocks. hookwarden's own argv used to contain the guard's command,
// so the guard killed its supervisor and the agent saw exit 137 (a non-blocking error).
TEST(HostileHook, KillingOtherCopiesOfItselfByCommandLineSparesTheSupervisor) {
    const std::string token = hwtest::unique_token();
    const std::string script = hwtest::temp_dir() + "/guard-" + token + ".sh";
    std::ofstream(script) << "for p in $(pgrep -f 'guard-" << token << "'); do [ \"$p\" != $$ ] && kill -9 \"$p\"; done\n"
                          << "echo 'no rm -rf' >&2\nexit 2\n";
    ::chmod(script.c_str(), 0755);
    for (const char* command : {"run", "dispatch"}) {
        SCOPED_TRACE(command);
        std::string policy = hwtest::temp_dir() + "/policy.json";
        std::ofstream(policy) << json{{"version", 1},
                                      {"hooks", {{"guard", {{"event", "PreToolUse"}, {"command", {"sh", script}}}}}}}
                                     .dump();
        hwtest::Options options;
        options.stdin_data = R"({"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"rm -rf /"}})";
        std::vector<std::string> args{command, "--policy", policy};
        if (std::string(command) == "run") args = {"run", "--policy", policy, "--", "sh", script};
        auto r = hwtest::run(args, options);
        EXPECT_EQ(r.signal, 0) << "the supervisor was killed by the hook";
        EXPECT_EQ(r.exit_code, 2) << r.err;
        EXPECT_NE(r.err.find("no rm -rf"), std::string::npos) << r.err;
    }
}

}  // namespace

namespace {

// `kill -9 $PPID` / `kill -STOP $PPID`: the supervisor must survive and answer. Where the
// kernel scopes signals (Landlock ABI 6+), the kill is refused; elsewhere the test skips.
void expect_parent_signal_refused(const std::string& backend, const char* signal) {
    std::string policy = hwtest::temp_dir() + "/policy.json";
    const std::string script = std::string("kill -") + signal +
                               " $PPID 2>/dev/null && echo signalled-parent >&2; echo 'no rm -rf' >&2; exit 2";
    std::ofstream(policy) << json{{"version", 1},
                                  {"hooks",
                                   {{"guard",
                                     {{"event", "PreToolUse"},
                                      {"command", {"sh", "-c", script}},
                                      {"limits", {{"timeout_ms", 1000}}},
                                      {"on_failure", "block"}}}}}}
                                 .dump();
    hwtest::Options options;
    options.stdin_data = R"({"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"rm -rf /"}})";
    auto r = hwtest::run({"run", "--policy", policy, "--name", "guard", "--backend", backend}, options);
    if (r.record.is_object() && r.record["confinement"].value("signals", "unscoped") == "unscoped")
        GTEST_SKIP() << "this kernel cannot scope a hook's signals (Landlock ABI < 6)";
    EXPECT_EQ(r.signal, 0) << "the hook killed its supervisor";
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.err.find("signalled-parent"), std::string::npos) << r.err;
    EXPECT_LT(r.elapsed_ms, 3000) << "a stopped supervisor held the agent";
    ASSERT_TRUE(r.record.is_object());
    EXPECT_EQ(r.record["outcome"], "blocked");
}

TEST(HostileHook, CannotKillItsSupervisor) {
    expect_parent_signal_refused("none", "9");
    if (hwtest::cgroup_v1_available()) expect_parent_signal_refused("cgroup-v1", "9");
}

TEST(HostileHook, CannotStopItsSupervisor) {
    expect_parent_signal_refused("none", "STOP");
    if (hwtest::cgroup_v1_available()) expect_parent_signal_refused("cgroup-v1", "STOP");
}

}  // namespace

namespace {

// A 40 KB tool name against a regex matcher used to crash dispatch (SIGSEGV): the guard
// must run and block.
TEST(HostileInput, AHugeToolNameStillRunsTheRegexMatchedGuard) {
    std::string policy = hwtest::temp_dir() + "/policy.json";
    std::ofstream(policy) << json{{"version", 1},
                                  {"hooks",
                                   {{"guard",
                                     {{"event", "PreToolUse"},
                                      {"matcher", "mcp__.*"},
                                      {"command", {"sh", "-c", "cat >/dev/null; echo 'checked' >&2; exit 2"}}}}}}}
                                 .dump();
    hwtest::Options options;
    options.with_record = false;
    options.stdin_data = json{{"hook_event_name", "PreToolUse"}, {"tool_name", "mcp__" + std::string(40 * 1024, 'x')},
                              {"tool_input", json::object()}}
                             .dump();
    auto r = hwtest::run({"dispatch", "--policy", policy}, options);
    EXPECT_EQ(r.signal, 0);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("checked"), std::string::npos) << r.err;
}

}  // namespace

namespace {

// `policy check /dev/zero` aborted with std::bad_alloc; a FIFO policy with no writer hung
// `run` past every timeout. Both are refused at once, and `run` goes on under the
// built-in limits.
TEST(HostileInput, APolicyThatIsNoRegularFileIsRefusedAtOnce) {
    hwtest::Options options;
    options.with_record = false;
    auto zero = hwtest::run({"policy", "check", "/dev/zero"}, options);
    EXPECT_EQ(zero.signal, 0);
    EXPECT_EQ(zero.exit_code, 2) << zero.err;
    EXPECT_NE(zero.err.find("not a regular file"), std::string::npos) << zero.err;

    const std::string fifo = hwtest::temp_dir() + "/policy.json";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    hwtest::Options run_options;
    run_options.stdin_data = R"({"hook_event_name":"PreToolUse","tool_name":"Bash"})";
    auto r = hwtest::run({"run", "--policy", fifo, "--", "/bin/true"}, run_options);
    EXPECT_LT(r.elapsed_ms, 3000) << "a FIFO policy held the run";
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("not a regular file"), std::string::npos) << r.err;
}

}  // namespace
