// Cursor's hook events, from its documentation only: Cursor cannot be driven offline here
// (docs/agents.md). `permission_decision` rows take `{"permission": allow|deny|ask}`;
// beforeSubmitPrompt takes `{"continue": false}` (top_level_decision).
#include <array>

#include "agents/cursor/cursor.h"
#include "agents/table_rows.h"

namespace hookwarden::agents::cursor {

namespace {

using B = Blocking;
using rows::row;

// Cursor's documentation read gives no default for `timeout` (seconds); 60 s is assumed.
constexpr std::int64_t kCommandHookMs = 60'000;
constexpr std::int64_t kBuiltin = kDefaultBuiltinTimeoutMs;

constexpr std::array kEvents{
    rows::with_ask(row("beforeShellExecution", "command", B::permission_decision, kBuiltin, kCommandHookMs)),
    rows::with_ask(row("beforeMCPExecution", "tool_name", B::permission_decision, kBuiltin, kCommandHookMs)),
    rows::with_ask(row("preToolUse", "tool_name", B::permission_decision, kBuiltin, kCommandHookMs)),
    row("beforeReadFile", "", B::permission_decision, kBuiltin, kCommandHookMs),
    row("beforeTabFileRead", "", B::permission_decision, kBuiltin, kCommandHookMs),
    row("beforeSubmitPrompt", "", B::top_level_decision, 10'000, kCommandHookMs),
    row("afterShellExecution", "command", B::cannot, 5'000, kCommandHookMs),
    row("afterMCPExecution", "tool_name", B::cannot, 5'000, kCommandHookMs),
    row("postToolUse", "tool_name", B::cannot, 5'000, kCommandHookMs),
    row("postToolUseFailure", "tool_name", B::cannot, kBuiltin, kCommandHookMs),
    row("afterFileEdit", "", B::cannot, 5'000, kCommandHookMs),
    row("afterTabFileEdit", "", B::cannot, 5'000, kCommandHookMs),
    row("afterAgentResponse", "", B::cannot, kBuiltin, kCommandHookMs),
    row("afterAgentThought", "", B::cannot, kBuiltin, kCommandHookMs),
    // stop may answer followup_message, which starts another turn: never forced by a
    // degraded answer, so it is not a blocking row.
    row("stop", "", B::cannot, 500, kCommandHookMs),
    row("subagentStart", "", B::cannot, kBuiltin, kCommandHookMs),
    row("subagentStop", "", B::cannot, 500, kCommandHookMs),
    row("sessionStart", "", B::cannot, kBuiltin, kCommandHookMs),
    row("sessionEnd", "", B::cannot, kBuiltin, kCommandHookMs),
    row("preCompact", "", B::cannot, kBuiltin, kCommandHookMs),
};

}  // namespace

std::span<const EventFacts> events() { return kEvents; }

}  // namespace hookwarden::agents::cursor
