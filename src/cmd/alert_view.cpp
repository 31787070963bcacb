#include "cmd/alert_view.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cmd/records.h"
#include "util/duration.h"
#include "util/time_text.h"

namespace hookwarden::cmd {

namespace {

std::string local_time(std::int64_t ms) { return time_text(ms, "%Y-%m-%d %H:%M:%S", Zone::local); }

const char* state_of(const alerts::Evaluation& e) { return e.firing ? "firing" : "pending"; }

// The time the table shows: since when it fires, or since when it is pending.
std::int64_t since_of(const alerts::Evaluation& e) { return e.firing ? e.firing_since_ms : e.active_since_ms; }

}  // namespace

std::int64_t alerts_lookback_ms(const policy::Policy* policy) {
    std::int64_t widest = 0;
    auto widen = [&](const policy::Resolved& r) {
        for (const AlertRule& rule : r.alerts) widest = std::max(widest, alerts::horizon_ms(rule));
    };
    widen(policy::resolve(policy, "", "", {}));
    if (policy) {
        for (const auto& [event, layer] : policy->events) widen(policy::resolve(policy, "", event, {}));
        for (const auto& hook : policy->hooks) widen(policy::resolve(policy, hook.name, "", {}));
    }
    return widest;
}

AlertView current_alerts(const std::string& policy_path, const std::string& state_dir, std::int64_t now_ms,
                         std::ostream& err) {
    AlertView view;
    view.now_ms = now_ms;
    auto pol = load_policy(policy_path);
    if (!pol.errors.empty()) {
        err << "hookwarden: alerts: the policy '" << pol.path << "' is not usable:\n";
        for (const auto& e : pol.errors) err << "  " << e << "\n";
        view.ok = false;
        return view;
    }
    const policy::Policy* policy = policy_or_defaults(pol);
    auto loaded = load_records(state_dir, now_ms - alerts_lookback_ms(policy), "", "", err);
    if (!loaded.ok) {
        view.ok = false;
        return view;
    }
    auto rules_for = [&](const std::string& hook, const std::string& event) {
        return policy::resolve(policy, hook, event, {}).alerts;
    };
    view.active = alerts::evaluate_records(loaded.records, rules_for, now_ms);
    view.firing = static_cast<std::size_t>(std::count_if(view.active.begin(), view.active.end(),
                                                         [](const auto& a) { return a.evaluation.firing; }));
    return view;
}

std::string render_alerts_table(const AlertView& view) {
    if (view.active.empty()) return "No alert is firing.\n";
    std::string out = fmt::format("{:<15} {:<20} {:<8} {:<19}  {}\n", "ALERT", "HOOK", "STATE", "SINCE", "WHY");
    for (const auto& a : view.active)
        out += fmt::format("{:<15} {:<20} {:<8} {:<19}  {}\n", alert_name(a.rule.kind), a.hook, state_of(a.evaluation),
                           local_time(since_of(a.evaluation)), a.evaluation.now.why);
    out += fmt::format("{} firing, {} pending (a pending alert fires once its condition has held for its `for`).\n",
                       view.firing, view.active.size() - view.firing);
    return out;
}

std::string render_alerts_json(const AlertView& view) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& a : view.active) {
        const auto& e = a.evaluation;
        list.push_back({{"alert", alert_name(a.rule.kind)}, {"hook", a.hook}, {"event", a.event},
                        {"state", state_of(e)}, {"active_since_ms", e.active_since_ms},
                        {"firing_since_ms", e.firing ? nlohmann::ordered_json(e.firing_since_ms) : nullptr},
                        {"value", e.now.value}, {"threshold", a.rule.threshold}, {"runs", e.now.runs},
                        {"window", duration_text(a.rule.window_ms)}, {"for", duration_text(a.rule.for_ms)},
                        {"why", e.now.why}});
    }
    nlohmann::ordered_json doc{{"now_ms", view.now_ms}, {"firing", view.firing}, {"alerts", list}};
    return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace hookwarden::cmd
