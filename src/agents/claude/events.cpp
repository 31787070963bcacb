// The facts come from Claude Code's hooks reference and from driving Claude Code 2.1.330
// itself; docs/protocol.md lists the choices made where the two were silent or disagreed.
#include "agents/claude/events.h"

#include <array>

#include "agents/table_rows.h"

namespace hookwarden::agents::claude {

namespace {

using B = Blocking;

// Claude Code's default timeout for a command hook, and the lower ones it documents.
constexpr std::int64_t kCommandHookMs = 600'000;
constexpr std::int64_t kUserPromptSubmitMs = 30'000;
constexpr std::int64_t kMessageDisplayMs = 10'000;
// SessionEnd hooks share one budget: the agent is exiting and waits only this long.
constexpr std::int64_t kSessionEndBudgetMs = 1'500;

constexpr EventFacts row(std::string_view name, std::string_view matcher_field, Blocking blocking,
                         std::int64_t builtin_timeout_ms = kDefaultBuiltinTimeoutMs,
                         std::int64_t agent_timeout_ms = kCommandHookMs) {
    EventFacts facts;
    facts.name = name;
    facts.matcher_field = matcher_field;
    facts.blocking = blocking;
    facts.builtin_timeout_ms = builtin_timeout_ms;
    facts.agent_timeout_ms = agent_timeout_ms;
    return facts;
}

constexpr EventFacts with_context(EventFacts facts) {
    facts.plain_stdout_is_context = true;
    return facts;
}

constexpr EventFacts with_stop_guard(EventFacts facts) {
    facts.stop_loop_guard = true;
    return facts;
}

// The built-in timeouts are hookwarden's latency budget per event: tight where Claude
// Code waits on the hook before it can go on (a tool call, the end of a turn), looser
// where the hook's work is the point (formatters after an edit, prompt context).
constexpr std::array kEvents{
    rows::with_ask(row("PreToolUse", "tool_name", B::permission_decision)),
    row("PostToolUse", "tool_name", B::top_level_decision, 5'000),
    row("PostToolUseFailure", "tool_name", B::top_level_decision),
    row("PostToolBatch", "", B::top_level_decision),
    row("PermissionRequest", "tool_name", B::permission_request),
    row("PermissionDenied", "tool_name", B::cannot),
    with_context(row("UserPromptSubmit", "", B::top_level_decision, 10'000, kUserPromptSubmitMs)),
    with_context(row("UserPromptExpansion", "command_name", B::top_level_decision)),
    row("Notification", "notification_type", B::cannot, 1'000),
    row("MessageDisplay", "", B::cannot, kDefaultBuiltinTimeoutMs, kMessageDisplayMs),
    with_stop_guard(row("Stop", "", B::top_level_decision, 500)),
    row("StopFailure", "error", B::cannot),
    row("SubagentStart", "agent_type", B::cannot),
    with_stop_guard(row("SubagentStop", "agent_type", B::top_level_decision, 500)),
    row("TaskCreated", "", B::exit_code),
    row("TaskCompleted", "", B::exit_code),
    row("TeammateIdle", "", B::exit_code),
    with_context(row("SessionStart", "source", B::cannot)),
    row("Setup", "trigger", B::cannot),
    row("SessionEnd", "reason", B::cannot, kDefaultBuiltinTimeoutMs, kSessionEndBudgetMs),
    row("InstructionsLoaded", "load_reason", B::cannot),
    row("ConfigChange", "source", B::top_level_decision),
    row("CwdChanged", "", B::cannot),
    row("DirectoryAdded", "source", B::cannot),
    // The matcher names the files Claude Code watches; it only fires for those, so every
    // FileChanged hook runs (docs/protocol.md).
    row("FileChanged", "", B::cannot),
    row("WorktreeCreate", "", B::nonzero_exit),
    row("WorktreeRemove", "", B::cannot),
    row("PreCompact", "trigger", B::exit_code),
    row("PostCompact", "trigger", B::cannot),
    row("Elicitation", "mcp_server_name", B::exit_code),
    row("ElicitationResult", "mcp_server_name", B::exit_code),
};

}  // namespace

std::span<const EventFacts> events() { return kEvents; }

const EventFacts* find_event(std::string_view event) { return agents::find_event(kEvents, event); }

std::int64_t builtin_timeout_ms(std::string_view event) {
    const EventFacts* facts = find_event(event);
    return facts ? facts->builtin_timeout_ms : kDefaultBuiltinTimeoutMs;
}

}  // namespace hookwarden::agents::claude
