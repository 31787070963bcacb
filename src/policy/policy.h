// The policy file (docs/policy.md): loading with validation, discovery, and resolution of the
// limits, budgets, breaker settings and degradation action of one hook run.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hookwarden/policy_types.h"

namespace hookwarden::policy {

// The event names a policy may use: every agent's hook events, in each agent's own
// spelling (docs/agents.md), each name once.
const std::vector<std::string>& known_events();

// Partial budgets of one layer; unset fields fall through to the next layer.
struct BudgetOverrides {
    std::optional<double> p95_ms, error_rate;
    std::optional<std::int64_t> timeouts, oom;
    void apply_to(Budgets& budgets) const;
};

struct BreakerOverrides {
    std::optional<std::int64_t> consecutive_failures, window, min_calls, slow_call_ms, open_ms, max_open_ms,
        half_open_probes;
    std::optional<double> failure_rate, slow_call_rate;
    void apply_to(BreakerConfig& breaker) const;
};

// One level of the precedence chain: `defaults`, `events.<Name>` or a hook entry.
struct Layer {
    LimitOverrides limits;
    BudgetOverrides budgets;
    BreakerOverrides breaker;
    SandboxOverrides sandbox;
    // Carries its own fallback: a layer that says "fallback" must say what to fall back to.
    std::optional<OnFailure> on_failure;
};

struct HookEntry {
    std::string name, event, matcher;  // matcher "" = every target
    std::vector<std::string> command;
    std::string description;
    Layer layer;
    int line = 0, column = 0;  // of the hook's key in the policy file, for SARIF
};

struct Policy {
    std::string path;  // "" = built-in
    Layer defaults;
    std::map<std::string, Layer> events;
    std::vector<HookEntry> hooks;  // file order: dispatch merges conflicts in this order
};

struct Diagnostic {
    std::string file;
    int line = 0, column = 0;
    std::string json_path;  // e.g. $.hooks.guard-bash.limits.timeout_ms
    std::string message;
    // FILE:LINE:COL: $.path: message
    std::string to_string() const;
};

// `policy` is set only when `errors` is empty: an invalid policy is never half-applied.
struct LoadResult {
    std::optional<Policy> policy;
    std::vector<Diagnostic> errors;
    bool unreadable = false;  // the file itself could not be read (one diagnostic, line 0)
};

// A policy is a regular file of at most this size (a real one is a few KB).
inline constexpr std::size_t kMaxPolicyBytes = 1024 * 1024;
LoadResult load_file(const std::string& path);
LoadResult load_string(const std::string& text, const std::string& name_for_messages);

// Lookup order (README "Policy"): explicit path, $HOOKWARDEN_POLICY, .hookwarden/policy.json
// in $CLAUDE_PROJECT_DIR, then in the working directory and each parent, then
// <config home>/hookwarden/policy.json (paths::config_home: an absolute
// $XDG_CONFIG_HOME, else ~/.config). nullopt = built-in
// defaults. An explicit path or $HOOKWARDEN_POLICY is returned even if it does not
// exist: a policy someone named must not be silently replaced by another one.
std::optional<std::string> discover(const std::string& explicit_path);

struct Resolved {
    Limits limits;
    Budgets budgets;  // p95_ms always set
    OnFailure on_failure;
    BreakerConfig breaker;
    SandboxConfig sandbox;
    const HookEntry* hook = nullptr;  // points into the Policy passed to resolve()
};

// Precedence: command line > hook entry > event layer > defaults layer > built-in.
// `policy` null = built-in defaults. `event` "" = the hook entry's event.
Resolved resolve(const Policy* policy, const std::string& hook_name, const std::string& event,
                 const LimitOverrides& command_line);

const HookEntry* find_hook(const Policy& policy, const std::string& name);
// Hooks registered for `event`, in policy order. Matchers are not applied here.
std::vector<const HookEntry*> hooks_for_event(const Policy& policy, const std::string& event);

// What `policy init` writes: valid, documented, with the built-in values (docs/policy.md).
std::string starter_policy_json();

}  // namespace hookwarden::policy
