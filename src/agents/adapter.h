// One adapter per agent (src/agents/<agent>/), behind one small interface: run, dispatch
// and the policy pick an agent's event table, its answer forms and its merge by value
// (`adapter_for(Agent::gemini)`) instead of naming Claude Code. docs/agents.md is the
// user-facing description of every agent's contract and of what hookwarden answers for it.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agents/event_facts.h"
#include "hookwarden/agent.h"
#include "hookwarden/policy_types.h"
#include "hookwarden/run_record.h"

namespace hookwarden::agents {

// What hookwarden knows about the event on stdin, whichever agent sent it.
struct EventInfo {
    bool is_json = false;      // stdin was one JSON object
    std::string parse_error;   // why it was not, when it was not
    std::string event;         // hook_event_name, or the override given to the parser
    std::string matcher_target;
    std::string session_id;
    std::string tool_name;
    // Stop/SubagentStop (Gemini: AfterAgent): the agent is already continuing because of
    // a Stop hook. A degraded answer must not block again, or a failing hook would loop.
    bool stop_hook_active = false;

    // Top-level string fields kept for the adapters: the ids and names each agent uses,
    // and every field some agent's table matches on (field name, value).
    std::vector<std::pair<std::string, std::string>> fields;
    // Top-level keys that only some agents send (turn_id, workspace_roots, toolArgs, ...):
    // what detection reads.
    std::vector<std::string> markers;

    // Which agent sent it, and how hookwarden knows ("--agent", "payload: turn_id", ...).
    Agent agent = Agent::claude;
    std::string agent_source;

    const std::string* field(std::string_view name) const;
    bool has_marker(std::string_view name) const;
};

// What goes back to the agent: exit code, stdout, stderr.
struct Answer {
    Answer() = default;
    Answer(int exit, std::string out, std::string err)
        : exit_code(exit), stdout_data(std::move(out)), stderr_data(std::move(err)) {}

    int exit_code = 0;
    std::string stdout_data;
    std::string stderr_data;
    // Set on a degraded answer when the agent cannot honour the policy's action as such
    // (Codex CLI has no "ask"): the action answered instead, and why, for the record.
    std::optional<FailureAction> substituted;
    std::string substitution_note;
};

struct HookAnswer {
    std::string hook;
    Outcome outcome = Outcome::ok;
    Answer answer;  // the hook's own answer, or its degraded one
};

// What one degraded answer is about.
struct FailedRun {
    std::string event;
    std::string hook;
    Outcome outcome = Outcome::internal_error;
    std::string detail;  // "2000 ms", "exec: No such file", ...
    bool stop_hook_active = false;
};

// How the agent runs the hooks configured for one event.
enum class Execution { parallel, sequential, parallel_unless_sequential };

// An agent's static facts and its protocol. Every function is free of state; the
// table's rows are the events the agent documents, in its own spelling.
struct Adapter {
    Agent agent = Agent::claude;
    std::string_view display_name;   // "Gemini CLI"
    std::string_view settings;       // where its hooks are configured, for messages and docs
    std::string_view timeout_unit;   // "s" or "ms": how its settings spell `timeout`
    std::int64_t default_timeout_ms = 600'000;
    Execution execution = Execution::parallel;
    // The agent reads a JSON verdict on stdout whatever the exit code (Gemini CLI).
    bool json_wins_over_exit_code = false;
    bool has_ask = true;
    std::span<const EventFacts> (*events)() = nullptr;
    // The answer for a hook that did not finish on its own, in the agent's form.
    Answer (*degrade)(const OnFailure& policy, const FailedRun& run) = nullptr;
    // The answers of every hook `dispatch` ran for one event, merged into one.
    Answer (*merge)(const std::string& event, const std::vector<HookAnswer>& answers,
                    std::vector<std::string>& warnings) = nullptr;
};

const Adapter& adapter_for(Agent agent);
// Every adapter, Claude Code first (the order of policy messages and docs).
std::span<const Adapter* const> adapters();

// The row of `event` in `agent`'s table, or null.
const EventFacts* find_event(Agent agent, std::string_view event);
// The first agent (in adapters() order) whose table has `event`, or nullopt.
std::optional<Agent> agent_with_event(std::string_view event);
// hookwarden's built-in timeout for `event`, from the first table that has it.
std::int64_t builtin_timeout_ms(std::string_view event);

// The field a matcher is compared with for `event` of `agent` ("" when none), and whether
// the agent applies matchers to it at all (true for an event the table does not know, so
// hooks configured with a matcher do not run on guesses).
std::string_view matcher_field(Agent agent, std::string_view event);
bool matcher_applies(Agent agent, std::string_view event);

// Decides which agent sent `info` and fills in what depends on it (agent, agent_source,
// matcher_target, session_id, tool_name). `forced` is `--agent`; without it the payload
// decides, then the environment (`getenv`), then Claude Code.
void resolve_agent(EventInfo& info, std::optional<Agent> forced, const char* (*getenv)(const char*));

// The degraded answer and the merge of `agent`.
Answer degrade(Agent agent, const OnFailure& policy, const FailedRun& run);
Answer merge(Agent agent, const std::string& event, const std::vector<HookAnswer>& answers,
             std::vector<std::string>& warnings);

}  // namespace hookwarden::agents
