// Merging parallel hooks' answers the way Claude Code combines them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agents/claude/protocol.h"

namespace hookwarden::agents::claude {
namespace {

using nlohmann::json;

HookAnswer own(const std::string& hook, int exit_code, const std::string& out, const std::string& err = "") {
    Outcome outcome = exit_code == 0 ? Outcome::ok : exit_code == 2 ? Outcome::blocked : Outcome::error;
    return HookAnswer{hook, outcome, Answer{exit_code, out, err}};
}

HookAnswer pre(const std::string& hook, const std::string& decision, const std::string& reason = "") {
    json out = {{"hookSpecificOutput",
                 {{"hookEventName", "PreToolUse"}, {"permissionDecision", decision}, {"permissionDecisionReason", reason}}}};
    return own(hook, 0, out.dump());
}

json parsed(const Answer& answer) {
    json out = json::parse(answer.stdout_data, nullptr, false);
    EXPECT_FALSE(out.is_discarded()) << answer.stdout_data;
    return out;
}

TEST(Merge, EmptyAndSingle) {
    std::vector<std::string> warnings;
    const Answer none = merge("PreToolUse", {}, warnings);
    EXPECT_EQ(none.exit_code, 0);
    EXPECT_EQ(none.stdout_data, "");
    // One hook: relayed byte for byte, whatever it is.
    const HookAnswer one = own("a", 1, "plain {", "oops");
    const Answer same = merge("PreToolUse", {one}, warnings);
    EXPECT_EQ(same.exit_code, 1);
    EXPECT_EQ(same.stdout_data, "plain {");
    EXPECT_EQ(same.stderr_data, "oops");
    EXPECT_TRUE(warnings.empty());
}

TEST(Merge, PermissionDecisionPrecedence) {
    std::vector<std::string> warnings;
    auto decision = [&](std::vector<HookAnswer> answers) {
        const Answer a = merge("PreToolUse", answers, warnings);
        EXPECT_EQ(a.exit_code, 0);
        return parsed(a)["hookSpecificOutput"]["permissionDecision"].get<std::string>();
    };
    EXPECT_EQ(decision({pre("a", "allow"), pre("b", "ask")}), "ask");
    EXPECT_EQ(decision({pre("a", "ask"), pre("b", "allow")}), "ask");
    EXPECT_EQ(decision({pre("a", "allow"), pre("b", "deny"), pre("c", "ask")}), "deny");
    EXPECT_EQ(decision({pre("a", "ask"), pre("b", "defer")}), "defer");
    EXPECT_EQ(decision({pre("a", "defer"), pre("b", "deny")}), "deny");
    EXPECT_EQ(decision({pre("a", "allow"), pre("b", "allow")}), "allow");
    EXPECT_EQ(decision({pre("a", "allow"), own("b", 0, "")}), "allow");
}

TEST(Merge, ReasonsOfTheWinningDecisionAreKept) {
    std::vector<std::string> warnings;
    const Answer a = merge("PreToolUse", {pre("a", "deny", "rm -rf /"), pre("b", "allow", "fine"),
                                          pre("c", "deny", "force push")}, warnings);
    const json out = parsed(a);
    EXPECT_EQ(out["hookSpecificOutput"]["hookEventName"], "PreToolUse");
    EXPECT_EQ(out["hookSpecificOutput"]["permissionDecisionReason"], "rm -rf /\nforce push");
}

TEST(Merge, AnyExitTwoBlocks) {
    std::vector<std::string> warnings;
    const Answer a = merge("PreToolUse",
                           {pre("a", "allow"), own("b", 2, "", "dangerous command\n"), own("c", 2, "", "")},
                           warnings);
    EXPECT_EQ(a.exit_code, 2);
    EXPECT_EQ(a.stderr_data, "dangerous command\nhook 'c' blocked\n");
    // Agents that parse stdout on exit 2 must read the same verdict.
    EXPECT_EQ(parsed(a)["hookSpecificOutput"]["permissionDecision"], "deny");
}

TEST(Merge, ExitTwoOnStopBlocksWithDecision) {
    std::vector<std::string> warnings;
    const Answer a = merge("Stop", {own("a", 0, ""), own("b", 2, "", "tests fail")}, warnings);
    EXPECT_EQ(a.exit_code, 2);
    EXPECT_EQ(a.stderr_data, "tests fail\n");
    EXPECT_EQ(parsed(a)["decision"], "block");
}

TEST(Merge, ExitTwoWarnsAboutContextClaudeCodeWillDrop) {
    std::vector<std::string> warnings;
    const json ctx = {{"hookSpecificOutput", {{"hookEventName", "PreToolUse"}, {"additionalContext", "note"}}}};
    merge("PreToolUse", {own("a", 0, ctx.dump()), own("b", 2, "", "no")}, warnings);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("exit 2"), std::string::npos);
}

TEST(Merge, AllAdditionalContextsKeptInOrder) {
    std::vector<std::string> warnings;
    auto ctx = [](const std::string& hook, const std::string& text) {
        json out = {{"hookSpecificOutput", {{"hookEventName", "PostToolUse"}, {"additionalContext", text}}}};
        return own(hook, 0, out.dump());
    };
    const Answer a = merge("PostToolUse", {ctx("a", "first"), ctx("b", "second"), ctx("c", "third")}, warnings);
    EXPECT_EQ(a.exit_code, 0);
    EXPECT_EQ(parsed(a)["hookSpecificOutput"]["additionalContext"], "first\nsecond\nthird");
    EXPECT_TRUE(warnings.empty());
}

TEST(Merge, PlainTextIsContextForUserPromptSubmit) {
    std::vector<std::string> warnings;
    // Plain text only: passed through as plain text, as Claude Code would take it.
    Answer a = merge("UserPromptSubmit", {own("a", 0, "branch: main\n"), own("b", 0, "tests: green\n")}, warnings);
    EXPECT_EQ(a.stdout_data, "branch: main\ntests: green\n");
    // Mixed with JSON: the plain text becomes additionalContext, in policy order.
    const json ctx = {{"hookSpecificOutput", {{"hookEventName", "UserPromptSubmit"}, {"additionalContext", "json"}}},
                      {"systemMessage", "hi"}};
    a = merge("UserPromptSubmit", {own("a", 0, "plain first"), own("b", 0, ctx.dump())}, warnings);
    const json out = parsed(a);
    EXPECT_EQ(out["hookSpecificOutput"]["additionalContext"], "plain first\njson");
    EXPECT_EQ(out["systemMessage"], "hi");
    EXPECT_TRUE(warnings.empty());
}

TEST(Merge, PlainTextDroppedWithWarningWhereItIsNotContext) {
    std::vector<std::string> warnings;
    const Answer a = merge("PreToolUse", {own("a", 0, "just logging"), pre("b", "allow")}, warnings);
    EXPECT_EQ(parsed(a)["hookSpecificOutput"]["permissionDecision"], "allow");
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("'a'"), std::string::npos);
}

TEST(Merge, ContinueFalseWins) {
    std::vector<std::string> warnings;
    const Answer a = merge("PostToolUse",
                           {own("a", 0, R"({"continue": true})"),
                            own("b", 0, R"({"continue": false, "stopReason": "build broken"})"),
                            own("c", 0, R"({"continue": false, "stopReason": "later"})")},
                           warnings);
    const json out = parsed(a);
    EXPECT_EQ(out["continue"], false);
    EXPECT_EQ(out["stopReason"], "build broken");
}

TEST(Merge, SystemMessagesJoinedAndDecisionBlockWins) {
    std::vector<std::string> warnings;
    const Answer a = merge("Stop",
                           {own("a", 0, R"({"systemMessage": "one"})"),
                            own("b", 0, R"({"decision": "block", "reason": "todo open", "systemMessage": "two"})"),
                            own("c", 0, R"({"systemMessage": "three"})")},
                           warnings);
    const json out = parsed(a);
    EXPECT_EQ(out["systemMessage"], "one\ntwo\nthree");
    EXPECT_EQ(out["decision"], "block");
    EXPECT_EQ(out["reason"], "todo open");
}

TEST(Merge, UpdatedInputConflictFirstWinsWithWarning) {
    std::vector<std::string> warnings;
    auto rewrite = [](const std::string& hook, const std::string& command) {
        json out = {{"hookSpecificOutput",
                     {{"hookEventName", "PreToolUse"},
                      {"permissionDecision", "allow"},
                      {"updatedInput", {{"command", command}}}}}};
        return own(hook, 0, out.dump());
    };
    Answer a = merge("PreToolUse", {rewrite("first", "ls -la"), rewrite("second", "ls")}, warnings);
    EXPECT_EQ(parsed(a)["hookSpecificOutput"]["updatedInput"]["command"], "ls -la");
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("'first'"), std::string::npos);
    EXPECT_NE(warnings[0].find("'second'"), std::string::npos);

    // The same rewrite twice is no conflict.
    warnings.clear();
    a = merge("PreToolUse", {rewrite("first", "ls"), rewrite("second", "ls")}, warnings);
    EXPECT_EQ(parsed(a)["hookSpecificOutput"]["updatedInput"]["command"], "ls");
    EXPECT_TRUE(warnings.empty());
}

TEST(Merge, FailedHooksAreReportedToTheUser) {
    std::vector<std::string> warnings;
    const Answer a = merge("PreToolUse", {pre("a", "allow"), own("b", 1, "", "Traceback: boom\nmore")}, warnings);
    EXPECT_EQ(a.exit_code, 0);
    const std::string message = parsed(a)["systemMessage"];
    EXPECT_NE(message.find("hook 'b' failed (exit 1)"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(Merge, AllFailedIsANonBlockingError) {
    std::vector<std::string> warnings;
    const Answer a = merge("PreToolUse", {own("a", 1, "", "first"), own("b", 3, "", "second")}, warnings);
    EXPECT_EQ(a.exit_code, 1);
    EXPECT_EQ(a.stderr_data, "first\nsecond\n");
}

TEST(Merge, DegradedAnswersMergeLikeOwnOnes) {
    std::vector<std::string> warnings;
    OnFailure allow;
    OnFailure ask;
    ask.action = FailureAction::ask;
    const Answer a = merge("PreToolUse",
                           {HookAnswer{"slow", Outcome::timeout, degrade(allow, "PreToolUse", "slow", Outcome::timeout, "")},
                            HookAnswer{"oom", Outcome::oom, degrade(ask, "PreToolUse", "oom", Outcome::oom, "")},
                            pre("ok", "allow")},
                           warnings);
    EXPECT_EQ(a.exit_code, 0);
    const json out = parsed(a);
    EXPECT_EQ(out["hookSpecificOutput"]["permissionDecision"], "ask");
    const std::string message = out["systemMessage"];
    EXPECT_NE(message.find("'slow'"), std::string::npos);
    EXPECT_NE(message.find("'oom'"), std::string::npos);
}

TEST(Merge, PermissionRequestDenyWins) {
    std::vector<std::string> warnings;
    auto req = [](const std::string& hook, const std::string& behavior, const std::string& message) {
        json out = {{"hookSpecificOutput",
                     {{"hookEventName", "PermissionRequest"},
                      {"decision", {{"behavior", behavior}, {"message", message}}}}}};
        return own(hook, 0, out.dump());
    };
    const Answer a = merge("PermissionRequest", {req("a", "allow", ""), req("b", "deny", "no")}, warnings);
    EXPECT_EQ(parsed(a)["hookSpecificOutput"]["decision"]["behavior"], "deny");
    EXPECT_EQ(parsed(a)["hookSpecificOutput"]["decision"]["message"], "no");
}

TEST(Merge, UnknownKeysFirstWins) {
    std::vector<std::string> warnings;
    const Answer a = merge("PostToolUse",
                           {own("a", 0, R"({"suppressOutput": true, "x": 1})"), own("b", 0, R"({"x": 2})")},
                           warnings);
    const json out = parsed(a);
    EXPECT_EQ(out["x"], 1);
    EXPECT_EQ(out["suppressOutput"], true);
    EXPECT_EQ(warnings.size(), 1u);
}

TEST(Merge, NotJsonThatLooksLikeJson) {
    std::vector<std::string> warnings;
    const Answer a = merge("SessionStart", {own("a", 0, "{not json"), own("b", 0, R"({"systemMessage": "m"})")},
                           warnings);
    const json out = parsed(a);
    EXPECT_EQ(out["hookSpecificOutput"]["additionalContext"], "{not json");
    EXPECT_EQ(out["hookSpecificOutput"]["hookEventName"], "SessionStart");
}

}  // namespace
}  // namespace hookwarden::agents::claude
