// Gemini CLI 0.61.0's hook events, from its source and from driving it offline
// (../shared/notes/agents.md). `blocking` uses the agent-neutral kinds: for Gemini every
// blocking kind is answered with `{"decision": "deny", "reason": ...}` (gemini/answer.cpp).
#include <array>

#include "agents/gemini/gemini.h"
#include "agents/table_rows.h"

namespace hookwarden::agents::gemini {

namespace {

using B = Blocking;
using rows::row;

// Gemini's default for a command hook; its settings give `timeout` in milliseconds.
constexpr std::int64_t kCommandHookMs = 60'000;
constexpr std::int64_t kBuiltin = kDefaultBuiltinTimeoutMs;

constexpr std::array kEvents{
    row("BeforeTool", "tool_name", B::top_level_decision, kBuiltin, kCommandHookMs),
    row("AfterTool", "tool_name", B::top_level_decision, 5'000, kCommandHookMs),
    row("BeforeAgent", "", B::top_level_decision, 10'000, kCommandHookMs),
    // A deny makes the agent retry the turn, as a Stop block does: guarded the same way.
    rows::with_stop_guard(row("AfterAgent", "", B::top_level_decision, 500, kCommandHookMs)),
    row("BeforeModel", "", B::top_level_decision, kBuiltin, kCommandHookMs),
    row("AfterModel", "", B::top_level_decision, kBuiltin, kCommandHookMs),
    row("BeforeToolSelection", "", B::cannot, kBuiltin, kCommandHookMs),
    row("SessionStart", "source", B::cannot, kBuiltin, kCommandHookMs),
    row("SessionEnd", "reason", B::cannot, kBuiltin, kCommandHookMs),
    row("PreCompress", "trigger", B::cannot, kBuiltin, kCommandHookMs),
    row("Notification", "notification_type", B::cannot, 1'000, kCommandHookMs),
};

}  // namespace

std::span<const EventFacts> events() { return kEvents; }

}  // namespace hookwarden::agents::gemini
