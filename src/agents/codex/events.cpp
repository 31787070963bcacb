// Codex CLI 0.171.0's hook events, from its source and from driving it offline
// (../shared/notes/agents.md). The payloads are Claude Code's, so the matcher fields are.
#include <array>

#include "agents/codex/codex.h"
#include "agents/table_rows.h"

namespace hookwarden::agents::codex {

namespace {

using B = Blocking;
using rows::row;

// Codex's default for a command hook (its `timeout` is in seconds); SessionEnd is clamped.
constexpr std::int64_t kCommandHookMs = 600'000;
constexpr std::int64_t kSessionEndMs = 3'000;
constexpr std::int64_t kBuiltin = kDefaultBuiltinTimeoutMs;

constexpr std::array kEvents{
    row("PreToolUse", "tool_name", B::permission_decision, kBuiltin, kCommandHookMs),
    row("PostToolUse", "tool_name", B::top_level_decision, 5'000, kCommandHookMs),
    row("PermissionRequest", "tool_name", B::permission_request, kBuiltin, kCommandHookMs),
    rows::with_context(row("UserPromptSubmit", "", B::top_level_decision, 10'000, kCommandHookMs)),
    rows::with_stop_guard(row("Stop", "", B::top_level_decision, 500, kCommandHookMs)),
    row("StopFailure", "error", B::cannot, kBuiltin, kCommandHookMs),
    row("SubagentStart", "agent_type", B::cannot, kBuiltin, kCommandHookMs),
    rows::with_stop_guard(row("SubagentStop", "agent_type", B::top_level_decision, 500, kCommandHookMs)),
    rows::with_context(row("SessionStart", "source", B::cannot, kBuiltin, kCommandHookMs)),
    row("SessionEnd", "reason", B::cannot, kBuiltin, kSessionEndMs),
    row("PreCompact", "trigger", B::cannot, kBuiltin, kCommandHookMs),
    row("PostCompact", "trigger", B::cannot, kBuiltin, kCommandHookMs),
    row("Interrupt", "", B::cannot, kBuiltin, kCommandHookMs),
};

}  // namespace

std::span<const EventFacts> events() { return kEvents; }

}  // namespace hookwarden::agents::codex
