// What install writes into the policy for one settings command hook, and what a
// wrapped command passes to `run` to find that policy.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "install/install.h"
#include "install/json_style.h"
#include "install/settings_shape.h"

namespace hookwarden::install {

// The --policy a wrapper passes to `run`, "" when `run` finds the policy by itself.
std::string policy_arg(const Options& options, const std::string& policy_path);

// The limit install gives a hook: from the agent's effective timeout (the handler's own,
// else the agent's default for the event), just below it so that hookwarden answers
// first; with `enforce_slas`, no more than the event's SLA default either.
struct HookLimits {
    std::int64_t agent_ms = 0;  // the agent's effective timeout
    bool agent_default = false; // the handler sets none
    std::int64_t timeout_ms = 0, sla_ms = 0;
    std::optional<std::int64_t> kill_grace_ms;
};
HookLimits limits_for(const CommandHook& hook, Agent agent, bool enforce_slas);

// The policy entry that runs `hook` as the agent did: its argv (or `sh -c COMMAND`), its
// matcher, limits_for's timeout, the event's SLA as its p95 budget (reported by `check`,
// not a kill), and on_failure "block" when the agent's fail-closed switch was on for it,
// "allow" for an async hook (nobody waits for its answer).
ojson policy_entry(const CommandHook& hook, const std::string& settings_file, Agent agent, bool enforce_slas);

// Same event, command and matcher: the entry install would write for the same hook.
bool same_definition(const ojson& a, const ojson& b);

// An event hookwarden's policy knows (others keep their hooks, without a policy entry).
bool is_known_event(const std::string& event);

}  // namespace hookwarden::install
