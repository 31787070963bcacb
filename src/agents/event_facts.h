// What hookwarden needs to know about one hook event of one agent, in a shape that is not
// tied to any agent: each agent (src/agents/<agent>/) provides a table of these, one row
// per event it documents, and everything that depends on an event's semantics (the
// policy validator, matchers, degraded answers, the merge of answers, the installer, the
// built-in limits) reads that table instead of keeping its own list.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace hookwarden::agents {

// How a hook's answer can stop what the event is about, i.e. what a fail-closed
// (`on_failure: block`) answer looks like for that event. The forms below are Claude
// Code's; every other adapter maps each kind to its own agent's form (docs/agents.md):
// `permission_decision` is Gemini's `decision: "deny"`, Copilot's top-level
// `permissionDecision`, Cursor's `permission: "deny"`, and so on.
enum class Blocking {
    // Nothing to stop: the action already happened or cannot be prevented. A non-zero
    // exit at most shows stderr to the user (or is ignored).
    cannot,
    // Exit 2 with the reason on stderr stops it; the agent reads no JSON verdict for it.
    exit_code,
    // Any non-zero exit makes the action fail (the hook performs the action itself).
    nonzero_exit,
    // Exit 2 + stderr stops it; the same verdict in JSON is `{"decision": "block", "reason"}`.
    top_level_decision,
    // Exit 2 + stderr stops it; in JSON `hookSpecificOutput.permissionDecision: "deny"`
    // (with allow / ask / defer as the other answers).
    permission_decision,
    // Exit 2 + stderr denies it; in JSON `hookSpecificOutput.decision.behavior: "deny"`.
    permission_request,
};

struct EventFacts {
    std::string_view name;
    // The top-level payload field a matcher is compared with; empty when the agent
    // ignores matchers for this event and runs every configured hook.
    std::string_view matcher_field;
    Blocking blocking = Blocking::cannot;
    // Plain (non-JSON) stdout of a hook that exits 0 reaches the model as context;
    // elsewhere the agent only logs it.
    bool plain_stdout_is_context = false;
    // The payload carries `stop_hook_active`: a blocking answer makes the agent go on,
    // so a degraded answer must not block again while a previous block is in effect.
    bool stop_loop_guard = false;
    // hookwarden's built-in timeout for a hook of this event (policy layers override it).
    std::int64_t builtin_timeout_ms = 2000;
    // The agent's own default timeout for a command hook of this event: past it the
    // agent stops waiting and goes on without the answer.
    std::int64_t agent_timeout_ms = 600'000;
    // The agent has an "ask the user" answer for this event (Claude Code's PreToolUse
    // reads that from `blocking`). Where it has none, hookwarden's `ask` is a deny.
    bool asks_user = false;
};

// hookwarden's built-in timeout for an event no table knows (a `run --event` typo, a new
// event): the same as most rows, so an unknown event is neither starved nor unbounded.
inline constexpr std::int64_t kDefaultBuiltinTimeoutMs = 2000;

// The row named `name` in `table`, or null.
constexpr const EventFacts* find_event(std::span<const EventFacts> table, std::string_view name) {
    for (const EventFacts& facts : table)
        if (facts.name == name) return &facts;
    return nullptr;
}

}  // namespace hookwarden::agents
