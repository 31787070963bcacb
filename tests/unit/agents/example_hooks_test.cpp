// The example hooks on their fixture events: their verdicts are what the README, the
// docs and the e2e tests promise. Needs python3 (the hooks are stdlib-only).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "agents/claude/protocol.h"
#include "util/fs.h"

namespace hookwarden::agents::claude {
namespace {

using nlohmann::json;
namespace stdfs = std::filesystem;

const std::string kSource = HOOKWARDEN_SOURCE_DIR;

struct Result {
    int exit_code = -1;
    std::string out;
};

std::string quote(const std::string& text) {
    std::string quoted = "'";
    for (char ch : text) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    return quoted + "'";
}

// stdin from a file, stdout captured, stderr left to the test log.
Result run_hook(const std::string& command, const std::string& stdin_file) {
    Result result;
    FILE* pipe = ::popen((command + " < " + quote(stdin_file)).c_str(), "r");
    if (pipe == nullptr) return result;
    char buffer[4096];
    std::size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, n);
    const int status = ::pclose(pipe);
    if (status != -1 && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    return result;
}

std::string event(const std::string& name) { return kSource + "/hooks-examples/events/" + name; }
// The system interpreter when there is one: version-manager shims (pyenv) cost ~0.3 s a start.
std::string python() {
    static const std::string exe = stdfs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    return exe;
}
std::string hook(const std::string& name) { return python() + " " + quote(kSource + "/hooks-examples/" + name); }

class ExampleHooks : public ::testing::Test {
protected:
    void SetUp() override {
        if (std::system((python() + " -c pass >/dev/null 2>&1").c_str()) != 0) GTEST_SKIP() << "python3 not available";
    }
};

std::string decision_of(const Result& r) {
    if (r.out.empty()) return "";
    const json out = json::parse(r.out, nullptr, false);
    if (out.is_discarded()) return "not json: " + r.out;
    return out["hookSpecificOutput"].value("permissionDecision", "");
}

TEST_F(ExampleHooks, GuardBashDeniesTheDestructiveCommand) {
    const Result r = run_hook(hook("guard_bash.py"), event("PreToolUse-bash-destructive.json"));
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(decision_of(r), "deny");
    EXPECT_NE(r.out.find("guard_bash"), std::string::npos);
}

TEST_F(ExampleHooks, GuardBashAllowsThePlainCommandSilently) {
    const Result r = run_hook(hook("guard_bash.py"), event("PreToolUse-bash.json"));
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, "");  // no decision: Claude Code's own permission rules apply
}

TEST_F(ExampleHooks, GuardBashIgnoresOtherTools) {
    const Result r = run_hook(hook("guard_bash.py"), event("PreToolUse-write-secret.json"));
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, "");
}

TEST_F(ExampleHooks, SecretScanDeniesWithoutEchoingTheSecret) {
    const Result r = run_hook(hook("secret_scan.py"), event("PreToolUse-write-secret.json"));
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(decision_of(r), "deny");
    EXPECT_NE(r.out.find("AWS access key ID"), std::string::npos);
    const json input = json::parse(fs::read_file(event("PreToolUse-write-secret.json")).value_or("{}"));
    const std::string content = input["tool_input"]["content"];
    const auto at = content.find("AKIA");
    ASSERT_NE(at, std::string::npos);
    EXPECT_EQ(r.out.find(content.substr(at, 20)), std::string::npos) << "the key leaked into the reason";
}

TEST_F(ExampleHooks, SecretScanAllowsCleanWrites) {
    for (const char* name : {"PreToolUse-write.json", "PostToolUse-edit.json", "PreToolUse-bash.json"}) {
        const Result r = run_hook(hook("secret_scan.py"), event(name));
        EXPECT_EQ(r.exit_code, 0) << name;
        EXPECT_EQ(r.out, "") << name;
    }
}

TEST_F(ExampleHooks, FormatOnEditNeverFails) {
    // The fixture's file does not exist here: a no-op, still exit 0.
    const Result r = run_hook("sh " + quote(kSource + "/hooks-examples/format_on_edit.sh"),
                              event("PostToolUse-edit.json"));
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, "");
}

TEST_F(ExampleHooks, StopCheckBlocksOnceWhileTodoIsOpen) {
    const stdfs::path dir = stdfs::temp_directory_path() / ("hw-stop-check-" + std::to_string(::getpid()));
    stdfs::create_directories(dir / ".hookwarden");
    std::ofstream(dir / ".hookwarden" / "todo-open") << "- cover the discount code with tests\n";
    auto with_cwd = [&](const std::string& fixture) {
        json input = json::parse(fs::read_file(event(fixture)).value_or("{}"));
        input["cwd"] = dir.string();
        const stdfs::path file = dir / fixture;
        std::ofstream(file) << input.dump();
        return file.string();
    };

    Result r = run_hook(hook("stop_check.py"), with_cwd("Stop.json"));
    EXPECT_EQ(r.exit_code, 0);
    json out = json::parse(r.out, nullptr, false);
    ASSERT_FALSE(out.is_discarded()) << r.out;
    EXPECT_EQ(out["decision"], "block");
    EXPECT_NE(out["reason"].get<std::string>().find("discount code"), std::string::npos);

    r = run_hook(hook("stop_check.py"), with_cwd("Stop-active.json"));
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, "") << "blocked although stop_hook_active";

    stdfs::remove(dir / ".hookwarden" / "todo-open");
    r = run_hook(hook("stop_check.py"), with_cwd("Stop.json"));
    EXPECT_EQ(r.out, "");
    stdfs::remove_all(dir);
}

TEST_F(ExampleHooks, EveryFixtureParses) {
    for (const auto& entry : stdfs::directory_iterator(kSource + "/hooks-examples/events")) {
        const std::string text = fs::read_file(entry.path().string()).value_or("");
        const EventInfo info = parse_event(text);
        EXPECT_TRUE(info.is_json) << entry.path() << ": " << info.parse_error;
        EXPECT_FALSE(info.event.empty()) << entry.path();
        const json doc = json::parse(text);
        for (const char* key : {"session_id", "transcript_path", "cwd", "permission_mode", "hook_event_name"})
            EXPECT_TRUE(doc.contains(key)) << entry.path() << " lacks " << key;
    }
}

TEST_F(ExampleHooks, ExamplesAreExecutable) {
    for (const char* name : {"guard_bash.py", "secret_scan.py", "format_on_edit.sh", "stop_check.py",
                             "misbehave/hang.sh", "misbehave/leak_memory.py", "misbehave/fork_bomb.sh",
                             "misbehave/crash.sh", "misbehave/daemon.sh", "misbehave/flood.sh",
                             "misbehave/ignore_term.sh", "misbehave/slow.sh"}) {
        const auto perms = stdfs::status(kSource + "/hooks-examples/" + name).permissions();
        EXPECT_NE(perms & stdfs::perms::owner_exec, stdfs::perms::none) << name;
    }
}

}  // namespace
}  // namespace hookwarden::agents::claude
