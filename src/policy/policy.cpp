#include "policy/policy.h"

#include <algorithm>
#include <cstdlib>
#include <sys/stat.h>
#include <unistd.h>

#include "agents/adapter.h"
#include "util/paths.h"

namespace hookwarden::policy {

const std::vector<std::string>& known_events() {
    static const std::vector<std::string> kEvents = [] {
        // Every agent's own vocabulary: one policy can serve several agents. A name two
        // agents share (SessionStart) is listed once, at its first agent.
        std::vector<std::string> names;
        for (const agents::Adapter* adapter : agents::adapters())
            for (const agents::EventFacts& facts : adapter->events())
                if (std::find(names.begin(), names.end(), facts.name) == names.end()) names.emplace_back(facts.name);
        return names;
    }();
    return kEvents;
}

void BudgetOverrides::apply_to(Budgets& budgets) const {
    if (p95_ms) budgets.p95_ms = *p95_ms;
    if (error_rate) budgets.error_rate = *error_rate;
    if (timeouts) budgets.timeouts = *timeouts;
    if (oom) budgets.oom = *oom;
}

void BreakerOverrides::apply_to(BreakerConfig& breaker) const {
    if (consecutive_failures) breaker.consecutive_failures = *consecutive_failures;
    if (failure_rate) breaker.failure_rate = *failure_rate;
    if (window) breaker.window = *window;
    if (min_calls) breaker.min_calls = *min_calls;
    if (slow_call_ms) breaker.slow_call_ms = *slow_call_ms;
    if (slow_call_rate) breaker.slow_call_rate = *slow_call_rate;
    if (open_ms) breaker.open_ms = *open_ms;
    if (max_open_ms) breaker.max_open_ms = *max_open_ms;
    if (half_open_probes) breaker.half_open_probes = *half_open_probes;
}

std::string Diagnostic::to_string() const {
    if (line <= 0) return file + ": " + message;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + json_path + ": " + message;
}

namespace {

bool is_regular_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

constexpr const char* kProjectPolicy = "/.hookwarden/policy.json";

}  // namespace

std::optional<std::string> discover(const std::string& explicit_path) {
    if (!explicit_path.empty()) return explicit_path;
    if (std::string named = env("HOOKWARDEN_POLICY"); !named.empty()) return named;

    if (std::string project = env("CLAUDE_PROJECT_DIR"); !project.empty()) {
        std::string candidate = project + kProjectPolicy;
        if (is_regular_file(candidate)) return candidate;
    }

    // Hooks often run with the working directory somewhere below the project root, so
    // walk up like git does. One stat per level keeps this cheap on every invocation.
    char buffer[4096];
    if (::getcwd(buffer, sizeof buffer)) {
        std::string dir = buffer;
        for (;;) {
            std::string candidate = (dir == "/" ? "" : dir) + kProjectPolicy;
            if (is_regular_file(candidate)) return candidate;
            if (dir == "/" || dir.empty()) break;
            auto slash = dir.rfind('/');
            dir = slash == 0 ? "/" : dir.substr(0, slash);
        }
    }

    // The same resolver `install --scope user` writes through.
    if (std::string config = paths::config_home(); !config.empty()) {
        std::string candidate = config + "/hookwarden/policy.json";
        if (is_regular_file(candidate)) return candidate;
    }
    return std::nullopt;
}

const HookEntry* find_hook(const Policy& policy, const std::string& name) {
    for (const auto& hook : policy.hooks)
        if (hook.name == name) return &hook;
    return nullptr;
}

std::vector<const HookEntry*> hooks_for_event(const Policy& policy, const std::string& event) {
    std::vector<const HookEntry*> out;
    for (const auto& hook : policy.hooks)
        if (hook.event == event) out.push_back(&hook);
    return out;
}

Resolved resolve(const Policy* policy, const std::string& hook_name, const std::string& event,
                 const LimitOverrides& command_line) {
    Resolved r;
    r.hook = policy ? find_hook(*policy, hook_name) : nullptr;
    const std::string& ev = !event.empty() || !r.hook ? event : r.hook->event;
    r.limits.timeout_ms = agents::builtin_timeout_ms(ev);

    std::vector<const Layer*> layers;  // lowest precedence first
    if (policy) {
        layers.push_back(&policy->defaults);
        if (auto it = policy->events.find(ev); it != policy->events.end()) layers.push_back(&it->second);
        if (r.hook) layers.push_back(&r.hook->layer);
    }
    for (const Layer* layer : layers) {
        layer->limits.apply_to(r.limits);
        layer->budgets.apply_to(r.budgets);
        layer->breaker.apply_to(r.breaker);
        layer->sandbox.apply_to(r.sandbox);
        if (layer->on_failure) r.on_failure = *layer->on_failure;
    }
    command_line.apply_to(r.limits);

    // After the command line: `--timeout` moves the default latency budget with it.
    if (!r.budgets.p95_ms) r.budgets.p95_ms = static_cast<double>(r.limits.timeout_ms) / 2.0;
    // Each layer is validated on its own, so a hook's max_open_ms may undercut an
    // open_ms inherited from defaults (the backoff must never shrink below its start),
    // and a min_calls above the window would keep the rate rules from ever tripping.
    r.breaker.max_open_ms = std::max(r.breaker.max_open_ms, r.breaker.open_ms);
    r.breaker.min_calls = std::min(r.breaker.min_calls, r.breaker.window);
    return r;
}

std::string starter_policy_json() {
    // Kept as text rather than built with nlohmann so that key order and layout are the
    // ones a person reads first. A unit test checks that it validates.
    return R"json({
  "$comment": "hookwarden policy. Check it with `hookwarden policy check`. Schema: policies/hookwarden.schema.json in the hookwarden distribution. Add hooks under \"hooks\", e.g. \"guard-bash\": {\"event\": \"PreToolUse\", \"matcher\": \"Bash\", \"command\": [\"python3\", \".claude/hooks/guard_bash.py\"], \"on_failure\": \"block\"}",
  "version": 1,
  "defaults": {
    "limits": {"kill_grace_ms": 200, "memory_mb": 50, "pids": 64, "cpu_percent": 100, "output_kb": 1024},
    "budgets": {"error_rate": 0.05, "timeouts": 0, "oom": 0},
    "on_failure": "allow",
    "breaker": {"consecutive_failures": 5, "failure_rate": 0.5, "window": 20, "min_calls": 5,
                "slow_call_ms": 1500, "slow_call_rate": 0.8, "open_ms": 30000, "max_open_ms": 600000,
                "half_open_probes": 1}
  },
  "events": {
    "PreToolUse":       {"limits": {"timeout_ms": 2000}},
    "PostToolUse":      {"limits": {"timeout_ms": 5000}},
    "UserPromptSubmit": {"limits": {"timeout_ms": 10000}},
    "Notification":     {"limits": {"timeout_ms": 1000}},
    "Stop":             {"limits": {"timeout_ms": 500}},
    "SubagentStop":     {"limits": {"timeout_ms": 500}}
  },
  "hooks": {}
}
)json";
}

}  // namespace hookwarden::policy
