// Copilot CLI's hook events, from its hooks reference only: the CLI cannot be driven
// offline here (docs/agents.md). Both spellings are rows: the camelCase names and the
// PascalCase names that select the Claude-compatible payload.
#include <array>

#include "agents/copilot/copilot.h"
#include "agents/table_rows.h"

namespace hookwarden::agents::copilot {

namespace {

using B = Blocking;
using rows::row;

// `timeoutSec` defaults to 30.
constexpr std::int64_t kCommandHookMs = 30'000;
constexpr std::int64_t kBuiltin = kDefaultBuiltinTimeoutMs;

constexpr std::array kEvents{
    rows::with_ask(row("preToolUse", "toolName", B::permission_decision, kBuiltin, kCommandHookMs)),
    row("permissionRequest", "toolName", B::permission_request, kBuiltin, kCommandHookMs),
    row("postToolUse", "toolName", B::cannot, 5'000, kCommandHookMs),
    row("postToolUseFailure", "toolName", B::cannot, kBuiltin, kCommandHookMs),
    row("userPromptSubmitted", "", B::cannot, 10'000, kCommandHookMs),
    rows::with_stop_guard(row("agentStop", "", B::top_level_decision, 500, kCommandHookMs)),
    row("subagentStart", "agentName", B::cannot, kBuiltin, kCommandHookMs),
    rows::with_stop_guard(row("subagentStop", "agentName", B::top_level_decision, 500, kCommandHookMs)),
    row("sessionStart", "source", B::cannot, kBuiltin, kCommandHookMs),
    row("sessionEnd", "reason", B::cannot, kBuiltin, kCommandHookMs),
    row("preCompact", "trigger", B::cannot, kBuiltin, kCommandHookMs),
    row("errorOccurred", "", B::cannot, kBuiltin, kCommandHookMs),
    row("notification", "notification_type", B::cannot, 1'000, kCommandHookMs),
    // PascalCase: the same events with the Claude-compatible (snake_case) payload.
    rows::with_ask(row("PreToolUse", "tool_name", B::permission_decision, kBuiltin, kCommandHookMs)),
    row("PostToolUse", "tool_name", B::cannot, 5'000, kCommandHookMs),
    row("PostToolUseFailure", "tool_name", B::cannot, kBuiltin, kCommandHookMs),
    row("UserPromptSubmit", "", B::cannot, 10'000, kCommandHookMs),
    rows::with_stop_guard(row("Stop", "", B::top_level_decision, 500, kCommandHookMs)),
    rows::with_stop_guard(row("SubagentStop", "agent_name", B::top_level_decision, 500, kCommandHookMs)),
    row("SessionStart", "source", B::cannot, kBuiltin, kCommandHookMs),
    row("SessionEnd", "reason", B::cannot, kBuiltin, kCommandHookMs),
    row("PreCompact", "trigger", B::cannot, kBuiltin, kCommandHookMs),
    row("ErrorOccurred", "", B::cannot, kBuiltin, kCommandHookMs),
};

}  // namespace

std::span<const EventFacts> events() { return kEvents; }

}  // namespace hookwarden::agents::copilot
