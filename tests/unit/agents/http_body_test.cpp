// The JSON form of a verdict for a Claude Code http hook (docs/serve.md): every exit
// becomes the body Claude Code reads as an exit-0 stdout, and a block stays a block.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "agents/claude/protocol.h"

using hookwarden::agents::Answer;
using hookwarden::agents::claude::http_body;
using nlohmann::json;

namespace {

json body(const std::string& event, int exit_code, const std::string& out, const std::string& err) {
    return json::parse(http_body(event, Answer(exit_code, out, err)));
}

}  // namespace

TEST(HttpBody, ExitZero) {
    EXPECT_EQ(body("PreToolUse", 0, "", ""), json::object());
    EXPECT_EQ(body("PreToolUse", 0, " {\"systemMessage\": \"hi\"}\n", ""), (json{{"systemMessage", "hi"}}));
    EXPECT_EQ(body("PreToolUse", 0, "plain", ""), json::object());
    EXPECT_EQ(body("UserPromptSubmit", 0, "context line\n", ""),
              (json{{"hookSpecificOutput", {{"hookEventName", "UserPromptSubmit"}, {"additionalContext", "context line"}}}}));
}

TEST(HttpBody, ExitTwoIsTheEventsBlock) {
    EXPECT_EQ(body("PreToolUse", 2, "{\"ignored\":1}", "no rm\n"),
              (json{{"hookSpecificOutput",
                     {{"hookEventName", "PreToolUse"}, {"permissionDecision", "deny"}, {"permissionDecisionReason", "no rm"}}}}));
    for (const char* event : {"Stop", "UserPromptSubmit", "PostToolUse", "SubagentStop"})
        EXPECT_EQ(body(event, 2, "", "why"), (json{{"decision", "block"}, {"reason", "why"}})) << event;
    EXPECT_EQ(body("PermissionRequest", 2, "", "why")["hookSpecificOutput"]["decision"]["behavior"], "deny");
    // No JSON block for the event: stopping the agent, never an allow.
    EXPECT_EQ(body("TaskCreated", 2, "", "why")["continue"], false);
    EXPECT_EQ(body("PreToolUse", 2, "", "")["hookSpecificOutput"]["permissionDecision"], "deny");
}

TEST(HttpBody, OtherExitIsANonBlockingError) {
    EXPECT_EQ(body("PreToolUse", 1, "{\"hookSpecificOutput\":{}}", "boom\n"),
              (json{{"systemMessage", "hookwarden: hook failed (exit 1): boom"}}));
}
