// Input an agent (or a hook, or a local user) can hand hookwarden that used to cost the
// policy its verdict: events the agents' own JSON accepts, and paths that answered a
// stopping agent with exit 2 forever. Through the real binary.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "support/harness.h"

using nlohmann::json;

namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A fail-closed guard on Bash that hangs after saving the bytes it was given.
std::string guard_policy(const std::string& seen_path) {
    const std::string policy = hwtest::temp_dir() + "/policy.json";
    std::ofstream(policy) << json{{"version", 1},
                                  {"events", {{"PreToolUse", {{"on_failure", "block"}}}}},
                                  {"hooks",
                                   {{"guard",
                                     {{"event", "PreToolUse"},
                                      {"matcher", "Bash"},
                                      {"command", {"sh", "-c", "cat > '" + seen_path + "'; sleep 5"}},
                                      {"limits", {{"timeout_ms", 400}}}}}}}}
                                 .dump();
    return policy;
}

// What agents emit and their own JSON readers accept: a lone surrogate escape (a
// JavaScript string), a raw invalid byte (read as U+FFFD), data after the object. Each
// used to leave the event unrecognised, and the fail-closed guard answered allow.
TEST(LenientEvent, WhatAgentsEmitKeepsTheEventsFailClosedVerdict) {
    const std::string prefix = R"({"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"rm -rf /)";
    const std::string inputs[] = {prefix + R"(\ud800"}})", prefix + "\xff\"}}", prefix + "\"}}\n{\"trailing\":1}\n"};
    for (const std::string& input : inputs) {
        for (const char* command : {"run", "dispatch"}) {
            SCOPED_TRACE(std::string(command) + " " + input);
            const std::string seen = hwtest::temp_dir() + "/seen";
            const std::string policy = guard_policy(seen);
            hwtest::Options options;
            options.stdin_data = input;
            std::vector<std::string> args{"dispatch", "--policy", policy};
            if (std::string(command) == "run") args = {"run", "--policy", policy, "--name", "guard"};
            auto r = hwtest::run(args, options);
            EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
            EXPECT_NE(r.out.find("\"permissionDecision\":\"deny\""), std::string::npos) << r.out;
            EXPECT_EQ(read_all(seen), input) << "the hook must get the agent's bytes unchanged";
            if (std::string(command) == "run") {
                EXPECT_EQ(r.record.value("event", ""), "PreToolUse");
                EXPECT_NE(r.record["errors"].dump().find("event input:"), std::string::npos) << r.record["errors"];
            }
        }
    }
}

// JSON that breaks off (truncated, a raw control byte) keeps the name read before the
// break; the matcher target is unknown, so the guard with a matcher runs and blocks.
TEST(LenientEvent, AnEventThatBreaksOffStillRunsItsGuards) {
    const std::string seen = hwtest::temp_dir() + "/seen";
    hwtest::Options options;
    options.stdin_data = "{\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"\x01";
    auto r = hwtest::run({"dispatch", "--policy", guard_policy(seen)}, options);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_EQ(read_all(seen), options.stdin_data);
    // Not JSON at all: the settings command's --event names the event and its policy.
    options.stdin_data = "not json";
    r = hwtest::run({"dispatch", "--policy", guard_policy(seen), "--event", "PreToolUse"}, options);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
}

}  // namespace

namespace {

std::string stop_policy() {
    const std::string policy = hwtest::temp_dir() + "/policy.json";
    std::ofstream(policy) << json{{"version", 1},
                                  {"hooks",
                                   {{"check",
                                     {{"event", "Stop"},
                                      {"command", {"sleep", "5"}},
                                      {"limits", {{"timeout_ms", 300}}},
                                      {"on_failure", "block"}}}}}}
                                 .dump();
    return policy;
}

struct StopCase {
    const char* what;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string input;
};

// Exit 2 on a Stop hook makes the agent continue; with stop_hook_active set it already
// is continuing because of one, and exit 2 again would keep it from ever stopping. These
// paths skipped the guard that degraded answers have.
TEST(StopLoop, NoPathAnswersExit2WhileAStopHookIsActive) {
    const std::string active = R"({"hook_event_name":"Stop","stop_hook_active":true})";
    const std::string policy = stop_policy();
    const StopCase cases[] = {
        {"a usage error of run", {"run", "--timeout", "abc", "--", "true"}, {}, active},
        {"an unknown option of run", {"run", "--bogus", "--", "true"}, {}, active},
        {"run without a command", {"run"}, {}, active},
        {"a usage error of dispatch", {"dispatch", "--jobs", "0"}, {}, active},
        {"an invalid HOOKWARDEN_LOG", {"run", "--on-failure", "block", "--", "sh", "-c", "exit 2"}, {"HOOKWARDEN_LOG=bogus"},
         active},
        {"an unparsable Stop event", {"run", "--policy", policy, "--name", "check"}, {},
         "{\"hook_event_name\":\"Stop\",\"x\":\"\x01\",\"stop_hook_active\":true}"},
        {"an unparsable event without a name", {"run", "--on-failure", "block", "--timeout", "300", "--", "sleep", "5"}, {},
         "{\"x\":\"\x01\",\"stop_hook_active\":true}"},
        {"dispatch without an event name", {"dispatch", "--policy", policy}, {},
         "{\"x\":\"\x01\",\"stop_hook_active\":true}"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.what);
        hwtest::Options options;
        options.with_record = false;
        options.env = c.env;
        options.stdin_data = c.input;
        auto r = hwtest::run(c.args, options);
        if (std::string(c.what) == "an invalid HOOKWARDEN_LOG") {
            // The hook's own exit 2 is its answer; the log setting only warns.
            EXPECT_EQ(r.exit_code, 2) << r.err;
            EXPECT_NE(r.err.find("unknown log level"), std::string::npos) << r.err;
            continue;
        }
        EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    }
}

// The same usage errors without stop_hook_active still block: a misconfigured guard
// fails closed.
TEST(StopLoop, UsageErrorsOfHookCommandsStillBlockOtherwise) {
    hwtest::Options options;
    options.with_record = false;
    options.stdin_data = R"({"hook_event_name":"PreToolUse","tool_name":"Bash"})";
    EXPECT_EQ(hwtest::run({"run", "--timeout", "abc", "--", "true"}, options).exit_code, 2);
    EXPECT_EQ(hwtest::run({"dispatch", "--jobs", "0"}, options).exit_code, 2);
    options.env = {"HOOKWARDEN_LOG=bogus"};
    auto r = hwtest::run({"run", "--", "true"}, options);
    EXPECT_EQ(r.exit_code, 0) << "an invalid log level never decides the answer: " << r.err;
    options.stdin_data.clear();  // status reads no stdin
    EXPECT_EQ(hwtest::run({"status"}, options).exit_code, 2) << "other commands still refuse it";
}

}  // namespace

namespace {

// A deny whose JSON reason is longer than the output limit: the JSON relayed cut at the
// limit read as no decision, so the deny was lost. Over the limit is a failure of the
// hook's answer, answered by on_failure, and recorded as output_overflow.
TEST(OutputOverflow, AnAnswerOverTheLimitIsAnsweredByThePolicyNotRelayedTruncated) {
    const std::string script =
        "cat >/dev/null; printf '{\"hookSpecificOutput\":{\"hookEventName\":\"PreToolUse\",\"permissionDecision\":"
        "\"deny\",\"permissionDecisionReason\":\"%s\"}}' \"$(head -c 5000 /dev/zero | tr '\\0' x)\"";
    const std::string policy = hwtest::temp_dir() + "/policy.json";
    std::ofstream(policy) << json{{"version", 1},
                                  {"hooks",
                                   {{"guard",
                                     {{"event", "PreToolUse"},
                                      {"command", {"sh", "-c", script}},
                                      {"limits", {{"output_kb", 1}}},
                                      {"on_failure", "block"}}}}}}
                                 .dump();
    hwtest::Options options;
    options.stdin_data = R"({"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"rm -rf /"}})";
    const std::string records = hwtest::temp_dir() + "/records.json";
    for (const char* command : {"run", "dispatch"}) {
        SCOPED_TRACE(command);
        std::vector<std::string> args{"dispatch", "--policy", policy, "--record", records};
        if (std::string(command) == "run") args = {"run", "--policy", policy, "--name", "guard"};
        auto r = hwtest::run(args, options);
        EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
        const json answer = json::parse(r.out, nullptr, false);
        ASSERT_FALSE(answer.is_discarded()) << "a truncated JSON answer was relayed: " << r.out.substr(0, 200);
        EXPECT_EQ(answer["hookSpecificOutput"].value("permissionDecision", ""), "deny") << r.out;
        EXPECT_NE(r.err.find("more output than its limit"), std::string::npos) << r.err;
        json record = r.record;
        if (std::string(command) == "dispatch") {
            std::ifstream in(records);
            record = json::parse(in, nullptr, false).at(0);
        }
        EXPECT_EQ(record.value("outcome", ""), "output_overflow") << record.dump();
        EXPECT_EQ(record.value("answer", ""), "block");
        EXPECT_TRUE(record.value("stdout_truncated", false));
    }
}

}  // namespace

namespace {

// A newline in a `run --name` split the row of `status` and of the table report, so a
// hook could print a line that looked like another hook's. Escaped, like the
// annotations of `check --github`.
TEST(HostileNames, ControlCharactersInANameAreEscapedInStatusAndReports) {
    const std::string state = hwtest::temp_dir() + "/state";
    const std::string name = "guard\nforged 99 runs\x01";
    hwtest::Options options;
    options.state_dir = state;
    options.stdin_data = R"({"hook_event_name":"PreToolUse","tool_name":"Bash"})";
    ASSERT_EQ(hwtest::run({"run", "--name", name, "--", "true"}, options).exit_code, 0);
    options.stdin_data.clear();
    options.with_record = false;
    for (const std::vector<std::string>& args : {std::vector<std::string>{"status"}, {"report"},
                                                 {"report", "--format", "markdown"}}) {
        SCOPED_TRACE(args.back());
        auto r = hwtest::run(args, options);
        EXPECT_EQ(r.exit_code, 0) << r.err;
        EXPECT_EQ(r.out.find("\nforged"), std::string::npos) << r.out;
        EXPECT_EQ(r.out.find('\x01'), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("guard\\nforged"), std::string::npos) << r.out;
    }
}

}  // namespace

namespace {

// FNV-1a of the hook name: the key of its pending markers (store/handoff.cpp). Restated
// here so that the test plants exactly what a hook could.
std::string hook_key(const std::string& hook) {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : hook) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
    return text;
}

// A hook that plants pending/<other hook>.1 in the state directory it inherits made
// every later run of that hook wait 2 s for a "guardian" that never commits.
TEST(StateDir, APlantedPendingMarkerDoesNotDelayAnotherHook) {
    const std::string state = hwtest::temp_dir() + "/state";
    hwtest::Options options;
    options.state_dir = state;
    options.stdin_data = R"({"hook_event_name":"PreToolUse","tool_name":"Bash"})";
    ASSERT_EQ(hwtest::run({"run", "--name", "victim", "--", "true"}, options).exit_code, 0);
    const std::string plant = "mkdir -p \"$HOOKWARDEN_STATE_DIR/pending\"; printf 'hookwarden-guardian 1\\n' > "
                              "\"$HOOKWARDEN_STATE_DIR/pending/" + hook_key("victim") + ".1\"; : > "
                              "\"$HOOKWARDEN_STATE_DIR/pending/" + hook_key("victim") + ".1.x\"";
    ASSERT_EQ(hwtest::run({"run", "--name", "planter", "--", "sh", "-c", plant}, options).exit_code, 0);
    for (int i = 0; i < 3; ++i) {
        auto r = hwtest::run({"run", "--name", "victim", "--", "true"}, options);
        EXPECT_LT(r.elapsed_ms, 1500) << "waited for a forged marker";
        EXPECT_EQ(r.record["errors"].dump().find("still being committed"), std::string::npos) << r.record["errors"];
    }
}

// A state directory another user owns (or can write) is refused with a clear message,
// nothing is written into it, and the hook still runs with its answer relayed.
TEST(StateDir, ADirectoryAnotherUserControlsIsRefused) {
    if (!hwtest::is_root()) GTEST_SKIP() << "needs root to give a directory to another user";
    const std::string state = hwtest::temp_dir() + "/theirs";
    ASSERT_EQ(::mkdir(state.c_str(), 0755), 0);
    ASSERT_EQ(::chown(state.c_str(), 65534, 65534), 0);
    hwtest::Options options;
    options.state_dir = state;
    options.stdin_data = R"({"hook_event_name":"PreToolUse","tool_name":"Bash"})";
    auto r = hwtest::run({"run", "--", "sh", "-c", "echo 'no' >&2; exit 2"}, options);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("belongs to uid 65534"), std::string::npos) << r.err;
    EXPECT_NE(r.record["errors"].dump().find("refused"), std::string::npos) << r.record["errors"];
    EXPECT_NE(::access((state + "/hookwarden.db").c_str(), F_OK), 0) << "nothing is written into it";
    EXPECT_NE(::access((state + "/pending").c_str(), F_OK), 0);
    options.stdin_data.clear();
    auto status = hwtest::run({"status"}, options);
    EXPECT_EQ(status.exit_code, 2);
    EXPECT_NE(status.err.find("belongs to uid 65534"), std::string::npos) << status.err;
}

// --record files hold the event's matcher target and errors: created 0600, and a link at
// their name is replaced, never written through.
TEST(StateDir, RecordFilesArePrivateAndNeverFollowALink) {
    const std::string record = hwtest::temp_dir() + "/out.json";
    const std::string target = hwtest::temp_dir() + "/precious";
    std::ofstream(target) << "keep\n";
    ASSERT_EQ(::symlink(target.c_str(), record.c_str()), 0);
    hwtest::Options options;
    options.with_record = false;
    options.stdin_data = R"({"hook_event_name":"PreToolUse","tool_name":"Bash"})";
    ASSERT_EQ(hwtest::run({"run", "--record", record, "--", "true"}, options).exit_code, 0);
    EXPECT_EQ(read_all(target), "keep\n");
    struct stat st {};
    ASSERT_EQ(::lstat(record.c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
}

}  // namespace
