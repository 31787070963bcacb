// `hookwarden install` through the real binary, and the commands it writes run as an
// agent runs them: `sh -c COMMAND` with the event JSON on stdin, from the project
// directory, with a PATH that has no hookwarden on it.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

#include "support/harness.h"

using nlohmann::ordered_json;
namespace stdfs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void spit(const std::string& path, const std::string& text, bool executable = false) {
    stdfs::create_directories(stdfs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << text;
    if (executable) stdfs::permissions(path, stdfs::perms::owner_all);
}

std::string sq(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

struct Shell {
    int exit_code = -1;
    std::string out, err;
    double elapsed_ms = 0;
};

// Runs `command` the way an agent runs a hook command.
Shell as_agent(const std::string& project, const std::string& command, const std::string& event) {
    std::string dir = hwtest::temp_dir();
    spit(dir + "/event.json", event);
    std::string line = "cd " + sq(project) + " && env -i PATH=/usr/bin:/bin HOME=" + sq(dir) +
                       " HOOKWARDEN_STATE_DIR=" + sq(dir + "/state") + " CLAUDE_PROJECT_DIR=" + sq(project) +
                       " /bin/sh -c " + sq(command) + " < " + sq(dir + "/event.json") + " > " +
                       sq(dir + "/out") + " 2> " + sq(dir + "/err");
    auto start = std::chrono::steady_clock::now();
    int status = std::system(line.c_str());
    Shell r;
    r.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(dir + "/out");
    r.err = slurp(dir + "/err");
    return r;
}

const char* kBashEvent =
    R"({"session_id":"s1","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"rm -rf /"},"cwd":"/"})";

// `run --agent` comes with the agent adapters; until this binary has it, the installed
// commands cannot run here.
bool run_takes_agent() {
    hwtest::Options o;
    o.with_record = false;
    return hwtest::run({"run", "--help"}, o).out.find("--agent") != std::string::npos;
}

class Project {
public:
    Project() : dir_(hwtest::temp_dir()) {}
    std::string dir() const { return dir_; }
    std::string settings() const { return dir_ + "/.claude/settings.json"; }
    hwtest::Result hookwarden(std::vector<std::string> args) const {
        hwtest::Options o;
        o.with_record = false;
        o.cwd = dir_;
        return hwtest::run(args, o);
    }
    std::string command_of(const std::string& event, int group = 0, int hook = 0) const {
        return ordered_json::parse(slurp(settings()))["hooks"][event][group]["hooks"][hook]["command"];
    }

private:
    std::string dir_;
};

// The issue's case: a 2.5 s guard with no timeout blocks under Claude Code (600 s
// default); after install it must still block, not be killed at a 2000 ms SLA.
TEST(Install, SlowGuardWithoutTimeoutStillBlocks) {
    if (!run_takes_agent()) GTEST_SKIP() << "this hookwarden has no `run --agent` yet";
    Project p;
    spit(p.dir() + "/guard.sh", "#!/bin/sh\nsleep 2.5\necho 'rm -rf is not allowed' >&2\nexit 2\n", true);
    spit(p.settings(), R"({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "./guard.sh"}]}]}})");
    auto before = as_agent(p.dir(), "./guard.sh", kBashEvent);
    ASSERT_EQ(before.exit_code, 2);
    auto r = p.hookwarden({"install"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("absolute path " + hwtest::binary()), std::string::npos) << r.out;
    std::string command = p.command_of("PreToolUse");
    EXPECT_EQ(command.rfind(hwtest::binary() + " run --agent claude", 0), 0u) << command;
    // The agent's PATH has no hookwarden: the absolute path is what runs.
    auto after = as_agent(p.dir(), command, kBashEvent);
    EXPECT_EQ(after.exit_code, 2) << after.err;
    EXPECT_NE(after.err.find("rm -rf is not allowed"), std::string::npos) << after.err;
    EXPECT_GE(after.elapsed_ms, 2400);
}

// The same with --enforce-slas: the SLA is a kill, and the guard is answered by on_failure.
TEST(Install, EnforcedSlaKillsTheSlowGuard) {
    if (!run_takes_agent()) GTEST_SKIP() << "this hookwarden has no `run --agent` yet";
    Project p;
    spit(p.dir() + "/guard.sh", "#!/bin/sh\nsleep 2.5\nexit 2\n", true);
    spit(p.settings(), R"({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "./guard.sh"}]}]}})");
    ASSERT_EQ(p.hookwarden({"install", "--enforce-slas"}).exit_code, 0);
    auto after = as_agent(p.dir(), p.command_of("PreToolUse"), kBashEvent);
    EXPECT_EQ(after.exit_code, 0) << after.err;  // allow (fail-open), the policy's default
    EXPECT_LT(after.elapsed_ms, 2490);
}

// A fail-closed policy sets Claude Code's own switch, and a hook's exit 1 (a
// non-blocking error to Claude Code without the switch) still does not block.
TEST(Install, FailClosedSwitchAndExitOneStaysNonBlocking) {
    Project p;
    spit(p.dir() + "/.hookwarden/policy.json", R"({"version": 1, "events": {"PreToolUse": {"on_failure": "block"}}})");
    spit(p.dir() + "/lint.sh", "#!/bin/sh\necho '{\"decision\":\"block\"}'\necho 'lint crashed' >&2\nexit 1\n", true);
    spit(p.settings(), R"({"hooks": {"PreToolUse": [{"hooks": [{"type": "command", "command": "./lint.sh"}]}]}})");
    auto r = p.hookwarden({"install"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto hook = ordered_json::parse(slurp(p.settings()))["hooks"]["PreToolUse"][0]["hooks"][0];
    EXPECT_EQ(hook["onFailure"], "block");
    EXPECT_NE(hook["command"].get<std::string>().find(" --exit-0-or-2 "), std::string::npos);
    EXPECT_NE(r.out.find("onFailure: \"block\""), std::string::npos) << r.out;
    if (!run_takes_agent()) GTEST_SKIP() << "this hookwarden has no `run --agent` yet";
    auto after = as_agent(p.dir(), hook["command"], kBashEvent);
    EXPECT_EQ(after.exit_code, 0) << after.err;
    EXPECT_EQ(after.out, "") << "stdout of an exit 1 is not read by the agent, so it is not relayed";
    EXPECT_NE(after.err.find("lint crashed"), std::string::npos);
}

// run --exit-0-or-2 (what install writes beside an agent's fail-closed switch): the hook's
// own 0 and 2 pass, any other exit becomes 0 without stdout, and a fail-closed degraded
// answer still blocks.
TEST(Install, ExitZeroOrTwoOnly) {
    hwtest::Options o;
    o.stdin_data = kBashEvent;
    auto exit_with = [&](int code) {
        return hwtest::run({"run", "--exit-0-or-2", "--", "sh", "-c",
                            "echo out; echo err >&2; exit " + std::to_string(code)},
                           o);
    };
    auto one = exit_with(1);
    EXPECT_EQ(one.exit_code, 0);
    EXPECT_EQ(one.out, "");
    EXPECT_EQ(one.err, "err\n");
    EXPECT_EQ(one.record["exit_code"], 1) << "the record keeps the hook's own code";
    auto three = exit_with(3);
    EXPECT_EQ(three.exit_code, 0);
    auto two = exit_with(2);
    EXPECT_EQ(two.exit_code, 2);
    EXPECT_EQ(two.err, "err\n");
    auto zero = exit_with(0);
    EXPECT_EQ(zero.exit_code, 0);
    EXPECT_EQ(zero.out, "out\n");
    auto hung = hwtest::run({"run", "--exit-0-or-2", "--timeout", "200", "--on-failure", "block", "--", "sleep", "5"}, o);
    EXPECT_EQ(hung.record["outcome"], "timeout");
    bool blocks = hung.exit_code == 2 || hung.out.find("\"deny\"") != std::string::npos;
    EXPECT_TRUE(blocks) << hung.exit_code << " " << hung.out;
}

TEST(Install, DryRunShowsEveryChangeAndWritesNothing) {
    Project p;
    const std::string text = R"({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "./stop.sh", "timeout": 2}]}]}})";
    spit(p.settings(), text);
    auto r = p.hookwarden({"install", "--dry-run"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("--- a/" + p.settings()), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\n+{\"hooks\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"command\":\"" + hwtest::binary() + " run --agent claude --name stop -- ./stop.sh\""),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("stop (Stop): Claude Code's timeout 2 s -> hookwarden's limit 1500 ms"), std::string::npos)
        << r.out;
    EXPECT_EQ(slurp(p.settings()), text);
    EXPECT_FALSE(stdfs::exists(p.dir() + "/.hookwarden"));
}

TEST(Install, RoundTripIsByteForByteAndIdempotent) {
    Project p;
    const std::string text =
        "{\n\t\"hooks\": {\"PreToolUse\": [{\"matcher\": \"Bash\", \"hooks\": [{\"type\": \"command\", \"command\": "
        "\"./a.sh && ./b.sh\"}, {\"type\": \"command\", \"args\": [\"./c.sh\", \"x y\"]}]}]}\n}\n";
    spit(p.settings(), text);
    ASSERT_EQ(p.hookwarden({"install"}).exit_code, 0);
    const std::string installed = slurp(p.settings());
    auto again = p.hookwarden({"install"});
    EXPECT_EQ(again.exit_code, 0);
    EXPECT_NE(again.out.find("nothing to do (2 hooks already run under hookwarden)"), std::string::npos) << again.out;
    EXPECT_EQ(slurp(p.settings()), installed);
    ASSERT_EQ(p.hookwarden({"uninstall"}).exit_code, 0);
    EXPECT_EQ(slurp(p.settings()), text);
}

TEST(Install, EveryAgentRoundTrips) {
    struct Case {
        const char *agent, *file, *text, *wrapped_key;
    };
    const Case cases[] = {
        {"codex", ".codex/hooks.json",
         R"({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "./g.sh", "timeout": 30}]}]}})",
         "command"},
        {"gemini", ".gemini/settings.json",
         R"({"hooks": {"BeforeTool": [{"matcher": "run_shell_command", "hooks": [{"name": "g", "type": "command", "command": "./g.sh", "timeout": 5000}]}]}})",
         "command"},
        {"copilot", ".github/hooks/guards.json",
         R"({"version": 1, "hooks": {"preToolUse": [{"type": "command", "bash": "./g.sh", "powershell": "./g.ps1", "timeoutSec": 10}]}})",
         "bash"},
        {"cursor", ".cursor/hooks.json",
         R"({"version": 1, "hooks": {"beforeShellExecution": [{"command": "./g.sh", "timeout": 10, "failClosed": true}]}})",
         "command"},
    };
    for (const auto& c : cases) {
        Project p;
        std::string path = p.dir() + "/" + c.file;
        spit(path, c.text);
        hwtest::Options o;
        o.with_record = false;
        o.cwd = p.dir();
        o.env = {"CODEX_HOME=" + p.dir() + "/codex-home"};
        auto r = hwtest::run({"install", "--agent", c.agent}, o);
        ASSERT_EQ(r.exit_code, 0) << c.agent << ": " << r.err;
        std::string installed = slurp(path);
        EXPECT_NE(installed.find(hwtest::binary() + " run --agent " + c.agent), std::string::npos) << c.agent << installed;
        EXPECT_EQ(hwtest::run({"install", "--agent", c.agent}, o).exit_code, 0);
        EXPECT_EQ(slurp(path), installed) << c.agent << ": a second install changes nothing";
        ASSERT_EQ(hwtest::run({"uninstall", "--agent", c.agent}, o).exit_code, 0) << c.agent;
        EXPECT_EQ(slurp(path), c.text) << c.agent;
    }
}

TEST(Install, DoctorListsTheSettingsFiles) {
    Project p;
    spit(p.settings(), R"({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "./s.sh"}]}]}})");
    spit(p.dir() + "/.cursor/hooks.json", R"({"version": 1, "hooks": {"stop": [{"command": "./s.sh"}]}})");
    ASSERT_EQ(p.hookwarden({"install"}).exit_code, 0);
    auto r = p.hookwarden({"doctor"});
    EXPECT_NE(r.out.find("claude project " + p.settings() + ": 1 command hook, all wrapped"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("cursor project " + p.dir() + "/.cursor/hooks.json: 1 command hook, none wrapped"),
              std::string::npos)
        << r.out;
}

}  // namespace
