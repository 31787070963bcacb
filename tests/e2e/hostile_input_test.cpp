// Input an agent (or a hook, or a local user) can hand hookwarden that used to cost the
// policy its verdict: events the agents' own JSON accepts, and paths that answered a
// stopping agent with exit 2 forever. Through the real binary.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

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
