// The shape every adapter but Claude Code's answers in (Claude Code keeps its own
// answer.cpp, which predates the others): an agent gives its three answer forms and how
// to read one hook's answer, and degrade and merge follow from them the same way for
// every agent (docs/agents.md, "What hookwarden answers on its own").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agents/adapter.h"

namespace hookwarden::agents {

// How the agent would take one hook's own answer.
struct Reading {
    enum class Kind { blocks, passes, failed } kind = Kind::passes;
    std::string reason;    // blocks: why
    std::string json;      // passes: the JSON object it answered ("" when plain or empty)
    std::string plain;     // passes: plain-text output
};

struct Forms {
    Agent agent = Agent::claude;
    // Fail-open: the agent goes on as if no hook had answered; `message` is for the user.
    Answer (*allow)(const std::string& event, const std::string& message) = nullptr;
    // Fail-closed for `event` (facts null: an event the table does not know, answered in
    // every blocking form the agent reads). `reason` is complete.
    Answer (*block)(const EventFacts* facts, const std::string& event, const std::string& reason) = nullptr;
    // Ask the user (only called where facts->asks_user).
    Answer (*ask)(const std::string& event, const std::string& reason) = nullptr;
    Reading (*read)(const EventFacts* facts, const Answer& answer) = nullptr;
};

// The degraded answer of on_failure, in the forms' agent's shape. An `ask` where the
// agent has none becomes a block, and says so in `substituted` / `substitution_note`.
Answer degrade_with(const Forms& forms, const OnFailure& policy, const FailedRun& run);

// Several hooks' answers as one: any block wins (every reason kept, in the agent's block
// form); otherwise the JSON answers merged key by key (the first in policy order wins,
// message-like keys are joined); otherwise the plain text; every hook failed: the first
// failure relayed. One hook: its answer, unchanged.
Answer merge_with(const Forms& forms, const std::string& event, const std::vector<HookAnswer>& answers,
                  std::vector<std::string>& warnings);

// Shared text helpers.
std::string one_line(std::string_view text, std::size_t max = 300);
std::string trimmed(std::string_view text);
// "hookwarden: hook 'NAME' was killed after its timeout (2000 ms)".
std::string failure_text(const std::string& hook, Outcome outcome, const std::string& detail);

}  // namespace hookwarden::agents
