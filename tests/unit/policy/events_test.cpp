// The validator accepts a hook and an event layer for every hook event Claude Code
// documents, and still rejects a name it does not document. The list is written out here
// on purpose: it is the documented set (docs/protocol.md), independent of the event table
// the validator reads, so a row lost from the table fails this test.
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "policy/policy.h"

using namespace hookwarden;
using namespace hookwarden::policy;

namespace {

const char* const kDocumentedEvents[] = {
    "SessionStart",       "Setup",          "UserPromptSubmit", "UserPromptExpansion", "PreToolUse",
    "PermissionRequest",  "PermissionDenied", "PostToolUse",    "PostToolUseFailure",  "PostToolBatch",
    "Notification",       "MessageDisplay", "SubagentStart",    "SubagentStop",        "TaskCreated",
    "TaskCompleted",      "Stop",           "StopFailure",      "TeammateIdle",        "InstructionsLoaded",
    "ConfigChange",       "CwdChanged",     "DirectoryAdded",   "FileChanged",         "WorktreeCreate",
    "WorktreeRemove",     "PreCompact",     "PostCompact",      "Elicitation",         "ElicitationResult",
    "SessionEnd",
};

std::string policy_for(const std::string& event) {
    nlohmann::json policy = {
        {"version", 1},
        {"events", {{event, {{"limits", {{"timeout_ms", 1500}}}}}}},
        {"hooks",
         {{"guard", {{"event", event}, {"matcher", "*"}, {"command", {"true"}}, {"on_failure", "block"}}}}},
    };
    return policy.dump(2);
}

TEST(Events, EveryDocumentedEventIsAccepted) {
    EXPECT_EQ(std::size(kDocumentedEvents), 31u);
    for (const char* event : kDocumentedEvents) {
        SCOPED_TRACE(event);
        const LoadResult result = load_string(policy_for(event), "events.json");
        for (const auto& error : result.errors) ADD_FAILURE() << error.to_string();
        ASSERT_TRUE(result.policy);
        ASSERT_EQ(result.policy->hooks.size(), 1u);
        EXPECT_EQ(result.policy->hooks.front().event, event);
        EXPECT_EQ(resolve(&*result.policy, "guard", "", {}).limits.timeout_ms, 1500) << "the event layer applies";
    }
}

TEST(Events, KnownEventsIncludeEveryDocumentedOne) {
    const auto& known = known_events();
    for (const char* event : kDocumentedEvents)
        EXPECT_NE(std::find(known.begin(), known.end(), event), known.end()) << event;
    // Claude Code's 31, then the names only other agents use (docs/agents.md), each once.
    EXPECT_EQ(known.size(), 66u);
    for (std::size_t i = 0; i < std::size(kDocumentedEvents); ++i)
        EXPECT_NE(std::find(std::begin(kDocumentedEvents), std::end(kDocumentedEvents), known[i]),
                  std::end(kDocumentedEvents))
            << known[i] << " listed before one of Claude Code's own";
}

// One policy serves several agents: each names events in its own vocabulary.
TEST(Events, EveryAgentsVocabularyIsAccepted) {
    for (const char* event : {"Interrupt", "BeforeTool", "AfterAgent", "PreCompress", "preToolUse", "agentStop",
                              "ErrorOccurred", "beforeShellExecution", "beforeMCPExecution", "beforeSubmitPrompt"}) {
        SCOPED_TRACE(event);
        const LoadResult result = load_string(policy_for(event), "events.json");
        for (const auto& error : result.errors) ADD_FAILURE() << error.to_string();
        ASSERT_TRUE(result.policy);
        EXPECT_EQ(resolve(&*result.policy, "guard", "", {}).limits.timeout_ms, 1500);
    }
}

TEST(Events, ATypoNamesTheAgentItMayBeFor) {
    const LoadResult result = load_string(policy_for("BeforeTol"), "events.json");
    ASSERT_FALSE(result.errors.empty());
    EXPECT_NE(result.errors.front().message.find("did you mean \"BeforeTool\"? (\"BeforeTool\" is an event of Gemini CLI;"), std::string::npos)
        << result.errors.front().to_string();
    const LoadResult shared = load_string(policy_for("PreToolUs"), "events.json");
    ASSERT_FALSE(shared.errors.empty());
    EXPECT_NE(shared.errors.front().message.find("\"PreToolUse\" is an event of Claude Code, Codex CLI, Copilot CLI;"),
              std::string::npos)
        << shared.errors.front().to_string();
}

TEST(Events, UndocumentedNamesAreStillRejected) {
    for (const char* event : {"PreToolUSE", "PreModelSwitch", "beforeTool", "pretooluse", "BeforeShellExecution"}) {
        SCOPED_TRACE(event);
        const LoadResult result = load_string(policy_for(event), "events.json");
        EXPECT_FALSE(result.policy);
        ASSERT_EQ(result.errors.size(), 2u) << "one for the event layer's key, one for the hook's event";
        for (const auto& error : result.errors)
            EXPECT_NE(error.message.find("unknown event \"" + std::string(event) + "\""), std::string::npos)
                << error.to_string();
    }
}

// Built-in timeouts per event: hookwarden's latency budget (docs/protocol.md).
TEST(Events, BuiltInTimeoutsPerEvent) {
    auto builtin = [](const char* event) { return resolve(nullptr, "any", event, {}).limits.timeout_ms; };
    EXPECT_EQ(builtin("PreToolUse"), 2000);
    EXPECT_EQ(builtin("PostToolUse"), 5000);
    EXPECT_EQ(builtin("UserPromptSubmit"), 10000);
    EXPECT_EQ(builtin("Notification"), 1000);
    EXPECT_EQ(builtin("Stop"), 500);
    EXPECT_EQ(builtin("SubagentStop"), 500);
    for (const char* event : {"SessionStart", "PostToolBatch", "TaskCompleted", "Elicitation", "SessionEnd"})
        EXPECT_EQ(builtin(event), 2000) << event;
    EXPECT_EQ(builtin("NoSuchEvent"), 2000) << "an unknown event is neither starved nor unbounded";
}

}  // namespace
