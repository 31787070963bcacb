// Every hook event Claude Code documents, through the real binary: `policy check`
// accepts a hook for each, and `dispatch`, fed each event's realistic payload
// (tests/data/events/<event>.json), runs that event's hooks as Claude Code would choose
// them (matcher or not) and, when the hook fails under `on_failure: block`, answers in
// the form that event reads. The expectations below are written out per event on
// purpose: they restate docs/protocol.md's table rather than read the binary's own.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "support/harness.h"

using nlohmann::json;

namespace {

// How a fail-closed answer looks for the event.
enum class Form {
    permission_decision,  // exit 2 + hookSpecificOutput.permissionDecision "deny"
    permission_request,   // exit 2 + hookSpecificOutput.decision.behavior "deny"
    decision,             // exit 2 + {"decision": "block"}
    exit_code,            // exit 2 + reason on stderr, nothing on stdout
    cannot,               // nothing to block: exit 2 shows the reason, which says so
};

struct Event {
    const char* name;
    const char* target;  // the payload's matcher target; "" = Claude Code ignores matchers
    Form form;
};

const Event kEvents[] = {
    {"SessionStart", "startup", Form::cannot},
    {"Setup", "init", Form::cannot},
    {"UserPromptSubmit", "", Form::decision},
    {"UserPromptExpansion", "review", Form::decision},
    {"PreToolUse", "Bash", Form::permission_decision},
    {"PermissionRequest", "Write", Form::permission_request},
    {"PermissionDenied", "Bash", Form::cannot},
    {"PostToolUse", "Edit", Form::decision},
    {"PostToolUseFailure", "Bash", Form::decision},
    {"PostToolBatch", "", Form::decision},
    {"Notification", "permission_prompt", Form::cannot},
    {"MessageDisplay", "", Form::cannot},
    {"SubagentStart", "Explore", Form::cannot},
    {"SubagentStop", "Explore", Form::decision},
    {"TaskCreated", "", Form::exit_code},
    {"TaskCompleted", "", Form::exit_code},
    {"Stop", "", Form::decision},
    {"StopFailure", "rate_limit", Form::cannot},
    {"TeammateIdle", "", Form::exit_code},
    {"InstructionsLoaded", "session_start", Form::cannot},
    {"ConfigChange", "project_settings", Form::decision},
    {"CwdChanged", "", Form::cannot},
    {"DirectoryAdded", "slash_command", Form::cannot},
    {"FileChanged", "", Form::cannot},
    {"WorktreeCreate", "", Form::exit_code},
    {"WorktreeRemove", "", Form::cannot},
    {"PreCompact", "auto", Form::exit_code},
    {"PostCompact", "auto", Form::cannot},
    {"Elicitation", "tickets", Form::exit_code},
    {"ElicitationResult", "tickets", Form::exit_code},
    {"SessionEnd", "prompt_input_exit", Form::cannot},
};

std::string payload(const std::string& event) {
    std::ifstream in(hwtest::source_dir() + "/tests/data/events/" + event + ".json");
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_FALSE(ss.str().empty()) << "no payload for " << event;
    return ss.str();
}

std::string write_policy(const json& policy) {
    std::string path = hwtest::temp_dir() + "/policy.json";
    std::ofstream(path) << policy.dump(2);
    return path;
}

json quiet_hook(const std::string& event, const std::string& matcher) {
    json h = {{"event", event}, {"command", {"sh", "-c", "cat >/dev/null"}}};
    if (!matcher.empty()) h["matcher"] = matcher;
    return h;
}

// `dispatch` with stdin `input`; the result's record is dispatch's array of run records
// (the harness adds --record for `run` only).
hwtest::Result dispatch_input(const std::string& policy, const std::string& input) {
    const std::string record_path = hwtest::temp_dir() + "/dispatch-record.json";
    hwtest::Options options;
    options.stdin_data = input;
    options.with_record = false;
    hwtest::Result r = hwtest::run({"dispatch", "--record", record_path, "--policy", policy}, options);
    std::ifstream in(record_path);
    std::stringstream ss;
    ss << in.rdbuf();
    r.record = json::parse(ss.str(), nullptr, false);
    return r;
}

hwtest::Result dispatch(const std::string& policy, const std::string& event) {
    return dispatch_input(policy, payload(event));
}

std::set<std::string> hooks_that_ran(const hwtest::Result& r) {
    std::set<std::string> names;
    if (r.record.is_array())
        for (const auto& record : r.record) names.insert(record.value("hook", ""));
    return names;
}

TEST(Events, PolicyCheckAcceptsAHookForEveryEvent) {
    json hooks = json::object();
    json layers = json::object();
    for (const Event& e : kEvents) {
        hooks[std::string(e.name) + "-guard"] = quiet_hook(e.name, e.target);
        layers[e.name] = {{"on_failure", "block"}};
    }
    auto policy = write_policy({{"version", 1}, {"events", layers}, {"hooks", hooks}});
    hwtest::Options no_record;
    no_record.with_record = false;
    auto r = hwtest::run({"policy", "check", policy}, no_record);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("OK (31 hooks, 31"), std::string::npos) << r.out;
}

// Per event: a hook whose matcher names the payload's target, and one whose matcher names
// nothing. The second runs only where Claude Code ignores matchers.
TEST(Events, DispatchRunsEachEventsHooksByItsMatcherRule) {
    json hooks = json::object();
    for (const Event& e : kEvents) {
        hooks[std::string(e.name) + "-hit"] = quiet_hook(e.name, *e.target ? e.target : "");
        hooks[std::string(e.name) + "-other"] = quiet_hook(e.name, "no-such-target");
    }
    auto policy = write_policy({{"version", 1}, {"hooks", hooks}});
    for (const Event& e : kEvents) {
        SCOPED_TRACE(e.name);
        auto r = dispatch(policy, e.name);
        EXPECT_EQ(r.exit_code, 0) << r.err;
        EXPECT_EQ(r.out, "");
        std::set<std::string> expected{std::string(e.name) + "-hit"};
        if (!*e.target) expected.insert(std::string(e.name) + "-other");
        EXPECT_EQ(hooks_that_ran(r), expected);
        for (const auto& record : r.record) {
            EXPECT_EQ(record["event"], e.name);
            EXPECT_EQ(record["matcher_target"], e.target);
            EXPECT_EQ(record["outcome"], "ok");
        }
    }
}

void expect_form(const Event& e, const hwtest::Result& r) {
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one-line reason: " << r.err;
    EXPECT_NE(r.err.find("hook '" + std::string(e.name) + "-fails'"), std::string::npos) << r.err;
    const bool cannot = e.form == Form::cannot;
    EXPECT_EQ(r.err.find("cannot be blocked") != std::string::npos, cannot) << r.err;
    EXPECT_EQ(r.err.find("blocked (fail-closed)") != std::string::npos, !cannot) << r.err;
    const std::string reason = r.err.substr(0, r.err.size() - 1);
    const json out = json::parse(r.out, nullptr, false);
    switch (e.form) {
        case Form::permission_decision:
            ASSERT_TRUE(out.is_object()) << r.out;
            EXPECT_EQ(out["hookSpecificOutput"]["hookEventName"], e.name);
            EXPECT_EQ(out["hookSpecificOutput"]["permissionDecision"], "deny");
            EXPECT_EQ(out["hookSpecificOutput"]["permissionDecisionReason"], reason);
            break;
        case Form::permission_request:
            ASSERT_TRUE(out.is_object()) << r.out;
            EXPECT_EQ(out["hookSpecificOutput"]["hookEventName"], e.name);
            EXPECT_EQ(out["hookSpecificOutput"]["decision"]["behavior"], "deny");
            break;
        case Form::decision:
            ASSERT_TRUE(out.is_object()) << r.out;
            EXPECT_EQ(out["decision"], "block");
            EXPECT_EQ(out["reason"], reason);
            EXPECT_FALSE(out.contains("hookSpecificOutput")) << r.out;
            break;
        case Form::exit_code:
        case Form::cannot:
            // A hookSpecificOutput naming another event would be rejected by the agent.
            EXPECT_EQ(r.out, "");
            break;
    }
}

TEST(Events, DegradedBlockHasTheFormEachEventReads) {
    json hooks = json::object();
    for (const Event& e : kEvents) {
        json h = {{"event", e.name}, {"command", {"/no/such/hook"}}, {"on_failure", "block"}};
        if (*e.target) h["matcher"] = e.target;
        hooks[std::string(e.name) + "-fails"] = h;
    }
    auto policy = write_policy({{"version", 1}, {"hooks", hooks}});
    for (const Event& e : kEvents) {
        SCOPED_TRACE(e.name);
        auto r = dispatch(policy, e.name);
        ASSERT_TRUE(r.record.is_array() && r.record.size() == 1) << r.record;
        EXPECT_EQ(r.record[0]["outcome"], "spawn_error");
        EXPECT_EQ(r.record[0]["answer"], "block");
        expect_form(e, r);
    }
}

// Stop and SubagentStop: a degraded block while stop_hook_active is set would keep the
// agent looping on a broken hook, so it answers allow instead.
TEST(Events, StopEventsAreNotBlockedAgainWhileAStopHookIsActive) {
    json hooks = json::object();
    for (const char* event : {"Stop", "SubagentStop"})
        hooks[std::string(event) + "-fails"] = {{"event", event}, {"command", {"/no/such/hook"}}, {"on_failure", "block"}};
    auto policy = write_policy({{"version", 1}, {"hooks", hooks}});
    for (const char* event : {"Stop", "SubagentStop"}) {
        SCOPED_TRACE(event);
        json active = json::parse(payload(event));
        active["stop_hook_active"] = true;
        auto r = dispatch_input(policy, active.dump());
        EXPECT_EQ(r.exit_code, 0) << r.err;
        const json out = json::parse(r.out, nullptr, false);
        ASSERT_TRUE(out.is_object()) << r.out;
        EXPECT_FALSE(out.contains("decision"));
        EXPECT_NE(out.value("systemMessage", "").find("not blocking again"), std::string::npos) << r.out;
    }
}

}  // namespace
