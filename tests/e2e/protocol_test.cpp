// The agent protocol end to end: the real binary fed the fixture events of
// hooks-examples/events, with policies written for each test. Checks exit codes, stdout
// JSON and stderr exactly as Claude Code would read them.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/harness.h"

using nlohmann::json;

namespace {

std::string fixture(const std::string& name) {
    std::ifstream in(hwtest::source_dir() + "/hooks-examples/events/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string write_policy(const json& policy) {
    std::string path = hwtest::temp_dir() + "/policy.json";
    std::ofstream(path) << policy.dump(2);
    return path;
}

json hook(const std::string& event, const std::string& matcher, const std::string& script, json extra = json::object()) {
    json h = {{"event", event}, {"command", {"sh", "-c", script}}};
    if (!matcher.empty()) h["matcher"] = matcher;
    for (auto& [k, v] : extra.items()) h[k] = v;
    return h;
}

hwtest::Result run_hook(const std::string& policy, const std::string& name, const std::string& event_file,
                        std::vector<std::string> extra = {}, hwtest::Options options = {}) {
    std::vector<std::string> args{"run", "--policy", policy, "--name", name};
    args.insert(args.end(), extra.begin(), extra.end());
    options.stdin_data = fixture(event_file);
    return hwtest::run(args, options);
}

json stdout_json(const hwtest::Result& r) {
    json parsed = json::parse(r.out, nullptr, false);
    return parsed.is_discarded() ? json() : parsed;
}

TEST(Protocol, OwnAnswersAreRelayedUnchanged) {
    std::string allow_json = R"({"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow"}})";
    auto policy = write_policy({{"version", 1},
                                {"hooks",
                                 {{"says-json", hook("PreToolUse", "Bash", "cat >/dev/null; echo '" + allow_json + "'")},
                                  {"blocks", hook("PreToolUse", "Bash", "cat >/dev/null; echo 'no rm -rf' >&2; exit 2")},
                                  {"fails", hook("PreToolUse", "Bash", "cat >/dev/null; echo oops >&2; exit 1")}}}});
    auto ok = run_hook(policy, "says-json", "PreToolUse-bash.json");
    EXPECT_EQ(ok.exit_code, 0);
    EXPECT_EQ(ok.out, allow_json + "\n");
    EXPECT_EQ(ok.record["answer"], "own");

    auto blocked = run_hook(policy, "blocks", "PreToolUse-bash.json");
    EXPECT_EQ(blocked.exit_code, 2);
    EXPECT_EQ(blocked.err, "no rm -rf\n");
    EXPECT_EQ(blocked.record["outcome"], "blocked");

    auto failed = run_hook(policy, "fails", "PreToolUse-bash.json");
    EXPECT_EQ(failed.exit_code, 1);
    EXPECT_EQ(failed.err, "oops\n");
    EXPECT_EQ(failed.record["outcome"], "error");
    EXPECT_EQ(failed.record["answer"], "own");
    EXPECT_EQ(failed.record["event"], "PreToolUse");
    EXPECT_EQ(failed.record["matcher_target"], "Bash");
}

// Every degradation action on every failure outcome, for the events whose answers differ.
struct Failure {
    const char* name;
    const char* outcome;
    json hook_body;
    bool needs_cgroup;
};

class Degradation : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(Degradation, AnswersAsThePolicySays) {
    const auto& [action, event] = GetParam();
    const std::string event_file = event == "PreToolUse" ? "PreToolUse-bash.json"
                                   : event == "Stop"     ? "Stop.json"
                                                         : "PostToolUse-edit.json";
    const std::string helpers = HOOKWARDEN_HELPERS_DIR;
    std::vector<Failure> failures = {
        {"hangs", "timeout", {{"command", {"sh", "-c", "sleep 30"}}, {"limits", {{"timeout_ms", 200}}}}, false},
        {"crashes", "crash", {{"command", {"sh", "-c", "kill -SEGV $$"}}}, false},
        {"missing", "spawn_error", {{"command", {"/no/such/hook"}}}, false},
        {"eats-memory", "oom", {{"command", {helpers + "/hw_alloc", "400"}}, {"limits", {{"memory_mb", 32}}}}, true},
    };
    json hooks = json::object();
    for (auto& f : failures) {
        json body = f.hook_body;
        body["event"] = event;
        body["on_failure"] = action;
        if (action == "fallback") body["fallback"] = {{"output", {{"systemMessage", "fallback answer"}}}};
        hooks[f.name] = body;
    }
    auto policy = write_policy({{"version", 1}, {"hooks", hooks}});
    for (auto& f : failures) {
        if (f.needs_cgroup && !hwtest::cgroup_v1_available()) continue;
        SCOPED_TRACE(std::string(f.name) + " / " + action + " / " + event);
        auto r = run_hook(policy, f.name, event_file);
        EXPECT_EQ(r.record["outcome"], f.outcome);
        EXPECT_EQ(r.record["answer"], action);
        json out = stdout_json(r);
        bool ask_acts_as_block = action == "ask" && event != "PreToolUse";
        if (action == "allow") {
            EXPECT_EQ(r.exit_code, 0);
            ASSERT_TRUE(out.is_object()) << r.out;
            EXPECT_NE(out.value("systemMessage", "").find(f.name), std::string::npos) << r.out;
            EXPECT_FALSE(out.contains("hookSpecificOutput")) << "fail-open must not auto-approve";
        } else if (action == "fallback") {
            EXPECT_EQ(r.exit_code, 0);
            EXPECT_EQ(out.value("systemMessage", ""), "fallback answer");
        } else if (action == "ask" && !ask_acts_as_block) {
            EXPECT_EQ(r.exit_code, 0);
            EXPECT_EQ(out["hookSpecificOutput"]["permissionDecision"], "ask") << r.out;
        } else {  // block, or ask where it acts as block
            EXPECT_EQ(r.exit_code, 2);
            EXPECT_NE(r.err.find(f.name), std::string::npos) << r.err;
            EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one-line reason: " << r.err;
            if (event == "PreToolUse") {
                EXPECT_EQ(out["hookSpecificOutput"]["permissionDecision"], "deny") << r.out;
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(ActionsByEvent, Degradation,
                         ::testing::Combine(::testing::Values("allow", "block", "ask", "fallback"),
                                            ::testing::Values("PreToolUse", "PostToolUse", "Stop")));

TEST(Protocol, StopHookActiveIsNeverBlockedTwice) {
    auto policy = write_policy(
        {{"version", 1},
         {"hooks", {{"hangs", {{"event", "Stop"}, {"command", {"sh", "-c", "sleep 30"}}, {"on_failure", "block"}}}}}});
    auto first = run_hook(policy, "hangs", "Stop.json");
    EXPECT_EQ(first.exit_code, 2);
    EXPECT_EQ(first.record["outcome"], "timeout");
    EXPECT_LE(first.record["limits"]["timeout_ms"].get<int>(), 500) << "built-in Stop timeout";
    auto again = run_hook(policy, "hangs", "Stop-active.json");
    EXPECT_EQ(again.exit_code, 0) << again.err;
}

TEST(Protocol, MalformedInputStillReachesTheHook) {
    auto policy = write_policy({{"version", 1}, {"hooks", {{"echo", hook("PreToolUse", "", "cat")}}}});
    hwtest::Options options;
    options.stdin_data = "this is {not json";
    auto r = hwtest::run({"run", "--policy", policy, "--name", "echo", "--event", "PreToolUse"}, options);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, "this is {not json");
    EXPECT_EQ(r.record["event"], "PreToolUse");
}

TEST(Protocol, InvalidPolicyKeepsBuiltInEnforcement) {
    std::string path = hwtest::temp_dir() + "/policy.json";
    std::ofstream(path) << R"({"version": 1, "hooks": {"x": {"event": "Stop", "comand": ["true"]}}})";
    hwtest::Options options;
    options.stdin_data = fixture("Stop.json");
    auto r = hwtest::run({"run", "--policy", path, "--", "sh", "-c", "sleep 30"}, options);
    EXPECT_EQ(r.record["outcome"], "timeout");
    EXPECT_EQ(r.record["limits"]["timeout_ms"], 500) << "built-in Stop timeout still applies";
    EXPECT_NE(r.err.find("invalid"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("comand"), std::string::npos) << r.err;
    bool noted = false;
    for (auto& e : r.record["errors"]) noted = noted || e.get<std::string>().find("policy invalid") != std::string::npos;
    EXPECT_TRUE(noted) << r.record["errors"];
    EXPECT_LT(r.elapsed_ms, 5000);
}

// dispatch: which hooks run for which target (Claude Code's matcher semantics), and how
// their answers merge.
std::string context_hook(const std::string& name) {
    return "cat >/dev/null; printf '{\"hookSpecificOutput\":{\"hookEventName\":\"PreToolUse\",\"additionalContext\":\"" +
           name + "\"}}'";
}

std::string dispatch_tool(const std::string& policy, const std::string& tool) {
    json event = json::parse(fixture("PreToolUse-bash.json"));
    event["tool_name"] = tool;
    hwtest::Options options;
    options.stdin_data = event.dump();
    auto r = hwtest::run({"dispatch", "--policy", policy}, options);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json out = json::parse(r.out, nullptr, false);
    if (!out.is_object()) return "";
    return out["hookSpecificOutput"].value("additionalContext", "");
}

TEST(Dispatch, MatchersBehaveLikeClaudeCode) {
    json hooks = {
        {"exact", hook("PreToolUse", "Bash", context_hook("exact"))},
        {"list", hook("PreToolUse", "Edit|Write", context_hook("list"))},
        {"comma", hook("PreToolUse", "Read, Grep", context_hook("comma"))},
        {"regex", hook("PreToolUse", "Notebook.*", context_hook("regex"))},
        {"mcp", hook("PreToolUse", "mcp__memory__.*", context_hook("mcp"))},
        {"star", hook("PreToolUse", "*", context_hook("star"))},
        {"empty", hook("PreToolUse", "", context_hook("empty"))},
        {"other-event", hook("PostToolUse", "*", context_hook("other-event"))},
    };
    auto policy = write_policy({{"version", 1}, {"hooks", hooks}});
    auto contexts = [&](const std::string& tool) { return dispatch_tool(policy, tool); };
    auto has = [](const std::string& text, const std::string& name) {
        std::stringstream ss(text);
        std::string line;
        while (std::getline(ss, line))
            if (line == name) return true;
        return false;
    };
    std::string bash = contexts("Bash");
    EXPECT_TRUE(has(bash, "exact") && has(bash, "star") && has(bash, "empty")) << bash;
    EXPECT_FALSE(has(bash, "list") || has(bash, "regex") || has(bash, "mcp") || has(bash, "other-event")) << bash;
    std::string bash_output = contexts("BashOutput");
    EXPECT_FALSE(has(bash_output, "exact")) << "exact names are anchored";
    std::string write = contexts("Write");
    EXPECT_TRUE(has(write, "list")) << write;
    EXPECT_TRUE(has(contexts("Grep"), "comma"));
    EXPECT_TRUE(has(contexts("NotebookEdit"), "regex"));
    std::string mcp = contexts("mcp__memory__create_entities");
    EXPECT_TRUE(has(mcp, "mcp") && has(mcp, "star")) << mcp;
    EXPECT_FALSE(has(contexts("mcp__github__create_issue"), "mcp"));
}

TEST(Dispatch, MergesAnswers) {
    auto decision = [](const std::string& d) {
        return "cat >/dev/null; printf '{\"hookSpecificOutput\":{\"hookEventName\":\"PreToolUse\",\"permissionDecision\":\"" +
               d + "\",\"permissionDecisionReason\":\"" + d + " says so\",\"additionalContext\":\"ctx-" + d + "\"}}'";
    };
    auto ask_allow = write_policy({{"version", 1},
                                   {"hooks",
                                    {{"allows", hook("PreToolUse", "Bash", decision("allow"))},
                                     {"asks", hook("PreToolUse", "Bash", decision("ask"))}}}});
    hwtest::Options options;
    options.stdin_data = fixture("PreToolUse-bash.json");
    auto r = hwtest::run({"dispatch", "--policy", ask_allow}, options);
    EXPECT_EQ(r.exit_code, 0);
    json out = json::parse(r.out, nullptr, false);
    ASSERT_TRUE(out.is_object()) << r.out;
    EXPECT_EQ(out["hookSpecificOutput"]["permissionDecision"], "ask");
    std::string ctx = out["hookSpecificOutput"].value("additionalContext", "");
    EXPECT_NE(ctx.find("ctx-allow"), std::string::npos) << ctx;
    EXPECT_NE(ctx.find("ctx-ask"), std::string::npos) << ctx;

    auto deny_ask_allow = write_policy({{"version", 1},
                                        {"hooks",
                                         {{"allows", hook("PreToolUse", "Bash", decision("allow"))},
                                          {"denies", hook("PreToolUse", "Bash", decision("deny"))},
                                          {"asks", hook("PreToolUse", "Bash", decision("ask"))}}}});
    r = hwtest::run({"dispatch", "--policy", deny_ask_allow}, options);
    out = json::parse(r.out, nullptr, false);
    ASSERT_TRUE(out.is_object()) << r.out;
    EXPECT_EQ(out["hookSpecificOutput"]["permissionDecision"], "deny");

    auto exit2 = write_policy({{"version", 1},
                               {"hooks",
                                {{"allows", hook("PreToolUse", "Bash", decision("allow"))},
                                 {"exits-2", hook("PreToolUse", "Bash", "cat >/dev/null; echo 'nope' >&2; exit 2")}}}});
    r = hwtest::run({"dispatch", "--policy", exit2}, options);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("nope"), std::string::npos) << r.err;
}

TEST(Dispatch, SaysSoWhenNoPolicyIsFound) {
    const std::string dir = hwtest::temp_dir();
    hwtest::Options options;
    options.stdin_data = fixture("PreToolUse-bash.json");
    options.cwd = dir;
    options.env = {"HOME=" + dir, "XDG_CONFIG_HOME=" + dir, "HOOKWARDEN_POLICY=", "CLAUDE_PROJECT_DIR="};
    auto r = hwtest::run({"dispatch"}, options);
    EXPECT_EQ(r.exit_code, 0) << "nothing to run is not the agent's failure";
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("no policy found"), std::string::npos) << r.err;
}

TEST(Dispatch, RunsHooksInParallel) {
    json hooks = json::object();
    for (int i = 0; i < 4; ++i) hooks["sleeper-" + std::to_string(i)] = hook("PreToolUse", "*", "cat >/dev/null; sleep 0.4");
    auto policy = write_policy({{"version", 1}, {"hooks", hooks}});
    hwtest::Options options;
    options.stdin_data = fixture("PreToolUse-bash.json");
    auto r = hwtest::run({"dispatch", "--policy", policy}, options);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_LT(r.elapsed_ms, 4 * 400) << "four 400 ms hooks must overlap";
}

}  // namespace
