// Event parsing on the real fixtures: the matcher target per event is what policy
// matchers and records are keyed on.
#include <gtest/gtest.h>

#include <string>

#include "agents/claude/protocol.h"
#include "util/fs.h"

namespace hookwarden::agents::claude {
namespace {

std::string fixture(const std::string& name) {
    const auto text = fs::read_file(std::string(HOOKWARDEN_SOURCE_DIR) + "/hooks-examples/events/" + name);
    EXPECT_TRUE(text.has_value()) << name;
    return text.value_or("");
}

struct Expect {
    const char* file;
    const char* event;
    const char* target;
};

TEST(ParseEvent, MatcherTargetPerEventFromFixtures) {
    const Expect cases[] = {
        {"PreToolUse-bash.json", "PreToolUse", "Bash"},
        {"PreToolUse-bash-destructive.json", "PreToolUse", "Bash"},
        {"PreToolUse-write.json", "PreToolUse", "Write"},
        {"PreToolUse-write-secret.json", "PreToolUse", "Write"},
        {"PreToolUse-mcp.json", "PreToolUse", "mcp__memory__create_entities"},
        {"PostToolUse-edit.json", "PostToolUse", "Edit"},
        {"UserPromptSubmit.json", "UserPromptSubmit", ""},
        {"Notification.json", "Notification", "permission_prompt"},
        {"Stop.json", "Stop", ""},
        {"Stop-active.json", "Stop", ""},
        {"SubagentStop.json", "SubagentStop", "Explore"},
        {"SessionStart.json", "SessionStart", "startup"},
        {"SessionEnd.json", "SessionEnd", "prompt_input_exit"},
        {"PreCompact.json", "PreCompact", "auto"},
    };
    for (const Expect& c : cases) {
        const EventInfo info = parse_event(fixture(c.file));
        EXPECT_TRUE(info.is_json) << c.file << ": " << info.parse_error;
        EXPECT_EQ(info.event, c.event) << c.file;
        EXPECT_EQ(info.matcher_target, c.target) << c.file;
        EXPECT_EQ(info.session_id, "8f14e45f-ceea-4e7a-9b7c-3f0e2a1d5b6c") << c.file;
    }
}

TEST(ParseEvent, StopHookActive) {
    EXPECT_FALSE(parse_event(fixture("Stop.json")).stop_hook_active);
    EXPECT_TRUE(parse_event(fixture("Stop-active.json")).stop_hook_active);
    EXPECT_FALSE(parse_event(fixture("SubagentStop.json")).stop_hook_active);
}

TEST(ParseEvent, ToolNameKeptForToolEvents) {
    EXPECT_EQ(parse_event(fixture("PreToolUse-mcp.json")).tool_name, "mcp__memory__create_entities");
    EXPECT_EQ(parse_event(fixture("Stop.json")).tool_name, "");
}

TEST(ParseEvent, OnlyTopLevelFieldsCount) {
    // A tool_input that carries keys named like the top-level ones must not leak into
    // the result (nested "tool_name", "hook_event_name", "stop_hook_active").
    const std::string input = R"({"tool_input": {"tool_name": "Evil", "hook_event_name": "Stop",
        "stop_hook_active": true, "nested": [{"source": "x"}]},
        "hook_event_name": "PreToolUse", "tool_name": "Bash", "session_id": "s1"})";
    const EventInfo info = parse_event(input);
    ASSERT_TRUE(info.is_json);
    EXPECT_EQ(info.event, "PreToolUse");
    EXPECT_EQ(info.matcher_target, "Bash");
    EXPECT_EQ(info.session_id, "s1");
    EXPECT_FALSE(info.stop_hook_active);
}

TEST(ParseEvent, KeyOrderDoesNotMatter) {
    const EventInfo info = parse_event(R"({"source": "resume", "session_id": "a", "hook_event_name": "SessionStart"})");
    EXPECT_EQ(info.event, "SessionStart");
    EXPECT_EQ(info.matcher_target, "resume");
}

TEST(ParseEvent, EventOverrideChoosesTheTarget) {
    const std::string input = R"({"hook_event_name": "PreToolUse", "tool_name": "Bash", "trigger": "manual"})";
    EXPECT_EQ(parse_event(input, "PreCompact").event, "PreCompact");
    EXPECT_EQ(parse_event(input, "PreCompact").matcher_target, "manual");
    EXPECT_EQ(parse_event(input, "").matcher_target, "Bash");
}

TEST(ParseEvent, MalformedInputIsTolerated) {
    // (Trailing data and invalid UTF-8 are read as the agents read them: event_text_test.cpp.)
    for (const char* input : {"", "   ", "not json", "{\"hook_event_name\": \"Stop\"", "[1,2,3]", "\"PreToolUse\"",
                              "42", "{\"a\": \"\x01\"}"}) {
        const EventInfo info = parse_event(input);
        EXPECT_FALSE(info.is_json) << input;
        EXPECT_FALSE(info.parse_error.empty()) << input;
        EXPECT_EQ(info.matcher_target, "") << input;
    }
    // --event still names the event when stdin is useless.
    const EventInfo info = parse_event("garbage", "Notification");
    EXPECT_FALSE(info.is_json);
    EXPECT_EQ(info.event, "Notification");
}

TEST(ParseEvent, NonStringFieldsAreIgnored) {
    const EventInfo info = parse_event(R"({"hook_event_name": 7, "tool_name": null, "stop_hook_active": "yes"})");
    EXPECT_TRUE(info.is_json);
    EXPECT_EQ(info.event, "");
    EXPECT_EQ(info.tool_name, "");
    EXPECT_FALSE(info.stop_hook_active);
}

TEST(ParseEvent, LargeToolInput) {
    std::string content(8 << 20, 'a');
    const std::string input = R"({"hook_event_name":"PreToolUse","tool_name":"Write","tool_input":{"content":")" +
                              content + R"("}})";
    const EventInfo info = parse_event(input);
    EXPECT_TRUE(info.is_json);
    EXPECT_EQ(info.matcher_target, "Write");
}

TEST(MatcherField, PerEvent) {
    EXPECT_EQ(matcher_field("PreToolUse"), "tool_name");
    EXPECT_EQ(matcher_field("PostToolUseFailure"), "tool_name");
    EXPECT_EQ(matcher_field("PermissionRequest"), "tool_name");
    EXPECT_EQ(matcher_field("SessionStart"), "source");
    EXPECT_EQ(matcher_field("SessionEnd"), "reason");
    EXPECT_EQ(matcher_field("Notification"), "notification_type");
    EXPECT_EQ(matcher_field("PostCompact"), "trigger");
    EXPECT_EQ(matcher_field("SubagentStart"), "agent_type");
    EXPECT_EQ(matcher_field("UserPromptSubmit"), "");
    EXPECT_EQ(matcher_field("Stop"), "");
}

}  // namespace
}  // namespace hookwarden::agents::claude
