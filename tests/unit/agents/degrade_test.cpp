// Degraded answers: every action x every outcome that is not the hook's own x the events
// whose semantics differ. Checked the way Claude Code reads them: exit code first, then
// stdout JSON only where the exit code lets Claude Code look at it.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "agents/claude/protocol.h"

namespace hookwarden::agents::claude {
namespace {

using nlohmann::json;

const Outcome kNotOwn[] = {Outcome::timeout,      Outcome::oom,          Outcome::crash,
                           Outcome::spawn_error,  Outcome::breaker_open, Outcome::internal_error};
const char* const kEvents[] = {"PreToolUse",   "PermissionRequest", "PostToolUse", "UserPromptSubmit",
                               "Stop",         "SubagentStop",      "Notification", "SessionStart",
                               "SessionEnd",   "PreCompact"};

OnFailure action(FailureAction a) {
    OnFailure policy;
    policy.action = a;
    return policy;
}

json stdout_json(const Answer& answer) {
    json parsed = json::parse(answer.stdout_data, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << "stdout is not JSON: " << answer.stdout_data;
    return parsed;
}

bool single_line(const std::string& text) {
    const auto nl = text.find('\n');
    return nl == text.size() - 1;
}

TEST(Degrade, AllowIsExitZeroWithSystemMessageAndNoDecision) {
    for (const char* event : kEvents) {
        for (Outcome outcome : kNotOwn) {
            const Answer a = degrade(action(FailureAction::allow), event, "guard-bash", outcome, "2000 ms");
            SCOPED_TRACE(std::string(event) + " " + to_string(outcome));
            EXPECT_EQ(a.exit_code, 0);
            EXPECT_EQ(a.stderr_data, "");
            const json out = stdout_json(a);
            const std::string message = out.at("systemMessage");
            EXPECT_NE(message.find("hook 'guard-bash'"), std::string::npos) << message;
            EXPECT_NE(message.find("fail-open"), std::string::npos) << message;
            // Fail-open must not auto-approve what normal permission rules would prompt for.
            EXPECT_FALSE(out.contains("hookSpecificOutput"));
            EXPECT_FALSE(out.contains("decision"));
            EXPECT_FALSE(out.contains("continue"));
        }
    }
}

TEST(Degrade, MessagesSayWhatHappened) {
    const OnFailure allow = action(FailureAction::allow);
    auto message = [&](Outcome outcome, const std::string& detail) {
        return stdout_json(degrade(allow, "PreToolUse", "h", outcome, detail)).at("systemMessage").get<std::string>();
    };
    EXPECT_EQ(message(Outcome::timeout, "2000 ms"),
              "hookwarden: hook 'h' was killed after its timeout (2000 ms); allowed (fail-open)");
    EXPECT_NE(message(Outcome::oom, "").find("memory limit"), std::string::npos);
    EXPECT_NE(message(Outcome::crash, "signal 11").find("crashed (signal 11)"), std::string::npos);
    EXPECT_NE(message(Outcome::spawn_error, "").find("could not be started"), std::string::npos);
    EXPECT_NE(message(Outcome::breaker_open, "").find("circuit breaker is open"), std::string::npos);
    EXPECT_NE(message(Outcome::internal_error, "").find("hookwarden failed"), std::string::npos);
    // Details never break the one-line shape.
    EXPECT_EQ(message(Outcome::spawn_error, "line1\nline2").find('\n'), std::string::npos);
}

TEST(Degrade, BlockOnPreToolUseIsExitTwoWithReasonAndDenyJson) {
    for (Outcome outcome : kNotOwn) {
        const Answer a = degrade(action(FailureAction::block), "PreToolUse", "guard-bash", outcome, "");
        EXPECT_EQ(a.exit_code, 2);
        EXPECT_TRUE(single_line(a.stderr_data)) << a.stderr_data;
        EXPECT_NE(a.stderr_data.find("fail-closed"), std::string::npos);
        const json out = stdout_json(a);
        EXPECT_EQ(out["hookSpecificOutput"]["hookEventName"], "PreToolUse");
        EXPECT_EQ(out["hookSpecificOutput"]["permissionDecision"], "deny");
        EXPECT_EQ(out["hookSpecificOutput"]["permissionDecisionReason"].get<std::string>() + "\n", a.stderr_data);
    }
}

TEST(Degrade, BlockOnPermissionRequestDenies) {
    const Answer a = degrade(action(FailureAction::block), "PermissionRequest", "h", Outcome::timeout, "");
    EXPECT_EQ(a.exit_code, 2);
    const json out = stdout_json(a);
    EXPECT_EQ(out["hookSpecificOutput"]["hookEventName"], "PermissionRequest");
    EXPECT_EQ(out["hookSpecificOutput"]["decision"]["behavior"], "deny");
}

TEST(Degrade, BlockOnDecisionEventsIsExitTwoWithDecisionBlock) {
    for (const char* event : {"PostToolUse", "UserPromptSubmit", "Stop", "SubagentStop"}) {
        for (Outcome outcome : kNotOwn) {
            const Answer a = degrade(action(FailureAction::block), event, "h", outcome, "");
            SCOPED_TRACE(std::string(event) + " " + to_string(outcome));
            EXPECT_EQ(a.exit_code, 2);
            EXPECT_TRUE(single_line(a.stderr_data));
            const json out = stdout_json(a);
            EXPECT_EQ(out["decision"], "block");
            EXPECT_EQ(out["reason"].get<std::string>() + "\n", a.stderr_data);
            EXPECT_FALSE(out.contains("hookSpecificOutput"));
        }
    }
}

TEST(Degrade, BlockOnOtherEventsIsExitTwoWithStderrOnly) {
    for (const char* event : {"Notification", "SessionStart", "SessionEnd", "PreCompact", "SubagentStart"}) {
        const Answer a = degrade(action(FailureAction::block), event, "h", Outcome::crash, "");
        EXPECT_EQ(a.exit_code, 2) << event;
        EXPECT_TRUE(single_line(a.stderr_data)) << event;
        // hookSpecificOutput with a foreign hookEventName would be rejected by the agent.
        EXPECT_EQ(a.stdout_data, "") << event;
    }
}

TEST(Degrade, StopIsNeverBlockedTwice) {
    for (const char* event : {"Stop", "SubagentStop"}) {
        for (FailureAction act : {FailureAction::block, FailureAction::ask}) {
            const Answer a = degrade(action(act), event, "h", Outcome::timeout, "500 ms", true);
            EXPECT_EQ(a.exit_code, 0) << event;
            const json out = stdout_json(a);
            EXPECT_FALSE(out.contains("decision"));
            EXPECT_NE(out["systemMessage"].get<std::string>().find("not blocking again"), std::string::npos);
        }
    }
    // stop_hook_active only matters for Stop events.
    EXPECT_EQ(degrade(action(FailureAction::block), "PreToolUse", "h", Outcome::timeout, "", true).exit_code, 2);
}

TEST(Degrade, AskOnPreToolUseAsksTheUser) {
    for (Outcome outcome : kNotOwn) {
        const Answer a = degrade(action(FailureAction::ask), "PreToolUse", "h", outcome, "");
        EXPECT_EQ(a.exit_code, 0);
        const json out = stdout_json(a);
        EXPECT_EQ(out["hookSpecificOutput"]["hookEventName"], "PreToolUse");
        EXPECT_EQ(out["hookSpecificOutput"]["permissionDecision"], "ask");
        EXPECT_FALSE(out["hookSpecificOutput"]["permissionDecisionReason"].get<std::string>().empty());
    }
}

TEST(Degrade, AskOnPermissionRequestLeavesTheDialogToTheUser) {
    const Answer a = degrade(action(FailureAction::ask), "PermissionRequest", "h", Outcome::timeout, "");
    EXPECT_EQ(a.exit_code, 0);
    const json out = stdout_json(a);
    EXPECT_FALSE(out.contains("hookSpecificOutput"));
    EXPECT_TRUE(out.contains("systemMessage"));
}

TEST(Degrade, AskElsewhereActsAsBlock) {
    for (const char* event : {"PostToolUse", "UserPromptSubmit", "Stop", "Notification", "SessionStart"}) {
        for (Outcome outcome : kNotOwn) {
            const Answer ask = degrade(action(FailureAction::ask), event, "h", outcome, "x");
            const Answer block = degrade(action(FailureAction::block), event, "h", outcome, "x");
            EXPECT_EQ(ask.exit_code, 2) << event;
            EXPECT_EQ(ask.stdout_data, block.stdout_data) << event;
            EXPECT_EQ(ask.stderr_data, block.stderr_data) << event;
        }
    }
}

TEST(Degrade, FallbackOutputIsPrintedWithExitZero) {
    OnFailure policy = action(FailureAction::fallback);
    policy.fallback_output = R"({"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"ask"}})";
    for (const char* event : kEvents) {
        for (Outcome outcome : kNotOwn) {
            const Answer a = degrade(policy, event, "h", outcome, "");
            EXPECT_EQ(a.exit_code, 0);
            EXPECT_EQ(stdout_json(a), json::parse(*policy.fallback_output));
            EXPECT_EQ(a.stdout_data.back(), '\n');
        }
    }
}

TEST(Degrade, FallbackWithoutUsableOutputAllows) {
    OnFailure no_output = action(FailureAction::fallback);
    no_output.fallback_command = {"/bin/false"};
    Answer a = degrade(no_output, "PreToolUse", "h", Outcome::timeout, "");
    EXPECT_EQ(a.exit_code, 0);
    EXPECT_NE(stdout_json(a)["systemMessage"].get<std::string>().find("fail-open"), std::string::npos);

    OnFailure bad = action(FailureAction::fallback);
    bad.fallback_output = "not json";
    a = degrade(bad, "PreToolUse", "h", Outcome::timeout, "");
    EXPECT_EQ(a.exit_code, 0);
    EXPECT_NE(stdout_json(a)["systemMessage"].get<std::string>().find("not a JSON object"), std::string::npos);
}

TEST(Degrade, HostileHookNamesStayValidJson) {
    const Answer a = degrade(action(FailureAction::allow), "PreToolUse", "a\"b\\c\n\xff", Outcome::crash, "\x01");
    const json out = stdout_json(a);
    EXPECT_TRUE(out["systemMessage"].is_string());
}

}  // namespace
}  // namespace hookwarden::agents::claude
