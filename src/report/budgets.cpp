#include "report/budgets.h"

#include <map>

namespace hookwarden::report {

namespace {

struct HookRuns {
    std::map<std::string, std::size_t> runs_per_event;
    std::int64_t latest_timeout_ms = 0;  // the timeout in force in the hook's latest record
};

std::map<std::string, HookRuns> hooks_to_judge(const policy::Policy* pol, const std::vector<RunRecord>& records,
                                               const std::string& hook_filter, const std::string& event_filter) {
    std::map<std::string, HookRuns> hooks;
    for (const auto& r : records) {
        ++hooks[r.hook].runs_per_event[r.event];
        hooks[r.hook].latest_timeout_ms = r.limits.timeout_ms;
    }
    if (pol) {
        for (const auto& entry : pol->hooks) {
            if (!hook_filter.empty() && entry.name != hook_filter) continue;
            if (!event_filter.empty() && entry.event != event_filter) continue;
            hooks[entry.name];
        }
    }
    return hooks;
}

std::string most_frequent_event(const std::map<std::string, std::size_t>& runs_per_event) {
    std::string event;
    std::size_t most = 0;
    for (const auto& [name, count] : runs_per_event)
        if (count > most) most = count, event = name;
    return event;
}

HookBudget budget_of(const policy::Policy* pol, const std::string& hook, const HookRuns& runs) {
    const policy::HookEntry* entry = pol ? policy::find_hook(*pol, hook) : nullptr;
    const std::string event = entry ? entry->event : most_frequent_event(runs.runs_per_event);
    // The timeout the runs actually had (a `run --timeout` overrides the policy) is the
    // one a default p95 budget is half of, as it was when the runs were supervised.
    LimitOverrides in_force;
    if (runs.latest_timeout_ms > 0) in_force.timeout_ms = runs.latest_timeout_ms;
    auto resolved = policy::resolve(pol, hook, event, in_force);
    HookBudget b;
    b.hook = hook;
    b.event = event;
    b.budgets = resolved.budgets;
    b.timeout_ms = resolved.limits.timeout_ms;
    if (pol) b.policy_file = pol->path;
    if (entry) {
        b.line = entry->line;
        b.column = entry->column;
    }
    return b;
}

}  // namespace

std::vector<HookBudget> budgets_for(const policy::Policy* pol, const std::vector<RunRecord>& records,
                                    const std::string& hook_filter, const std::string& event_filter) {
    std::vector<HookBudget> budgets;
    for (const auto& [hook, runs] : hooks_to_judge(pol, records, hook_filter, event_filter))
        budgets.push_back(budget_of(pol, hook, runs));
    return budgets;
}

}  // namespace hookwarden::report
