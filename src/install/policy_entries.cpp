#include "install/policy_entries.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "agents/claude/events.h"
#include "policy/policy.h"
#include "util/shell_words.h"

namespace hookwarden::install {

namespace {

// The agent kills the hook at its own timeout. hookwarden must answer first: its deadline
// + kill grace (200 ms) + its overhead stay under the agent's.
std::int64_t hookwarden_timeout_ms(std::int64_t agent_ms) {
    if (agent_ms >= 1000) return agent_ms - 500;
    return std::max<std::int64_t>(1, agent_ms / 2);
}

}  // namespace

std::string policy_arg(const Options& o, const std::string& policy_path) {
    // Project and local scope: `run` finds <project>/.hookwarden/policy.json through
    // $CLAUDE_PROJECT_DIR by itself. Anything else is named explicitly, or a project
    // policy would shadow a user-scope one.
    if (o.policy_path.empty() && o.scope != "user") return "";
    return policy_path;
}

HookLimits limits_for(const CommandHook& c, Agent agent, bool enforce_slas) {
    HookLimits l;
    l.agent_default = !c.timeout_ms;
    l.agent_ms = c.timeout_ms.value_or(agent_default_timeout_ms(agent, c.event));
    l.timeout_ms = hookwarden_timeout_ms(l.agent_ms);
    if (l.agent_ms < 1000) l.kill_grace_ms = std::max<std::int64_t>(1, l.agent_ms / 5);
    l.sla_ms = std::min(agents::claude::builtin_timeout_ms(c.event), l.timeout_ms);
    if (enforce_slas) l.timeout_ms = l.sla_ms;
    return l;
}

ojson policy_entry(const CommandHook& c, const std::string& settings_file, Agent agent, bool enforce_slas) {
    ojson e = ojson::object();
    e["description"] = "installed from " + settings_file + " (" + c.event + "): " + c.command;
    e["event"] = c.event;
    if (!c.matcher.empty() && c.matcher != "*") e["matcher"] = c.matcher;
    if (c.args)
        e["command"] = *c.args;
    else if (auto argv = shell::split_simple(c.command))
        e["command"] = *argv;
    else
        e["command"] = ojson::array({"sh", "-c", c.command});
    HookLimits l = limits_for(c, agent, enforce_slas);
    ojson limits = ojson::object();
    limits["timeout_ms"] = l.timeout_ms;
    if (l.kill_grace_ms) limits["kill_grace_ms"] = *l.kill_grace_ms;
    e["limits"] = limits;
    e["budgets"] = ojson{{"p95_ms", l.sla_ms}};
    if (c.fail_closed)
        e["on_failure"] = "block";
    else if (c.async)
        e["on_failure"] = "allow";
    return e;
}

bool same_definition(const ojson& a, const ojson& b) {
    auto field = [](const ojson& x, const char* k) { return x.is_object() && x.contains(k) ? x[k] : ojson(); };
    return field(a, "event") == field(b, "event") && field(a, "command") == field(b, "command") &&
           field(a, "matcher") == field(b, "matcher");
}

bool is_known_event(const std::string& event) {
    const auto& known = policy::known_events();
    return std::find(known.begin(), known.end(), event) != known.end();
}

}  // namespace hookwarden::install
