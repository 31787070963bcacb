// Which budgets each hook of a report is judged by (docs/reports.md): the policy's
// resolution for the hook, under the event and timeout its runs actually had.
#pragma once

#include <string>
#include <vector>

#include "hookwarden/run_record.h"
#include "policy/policy.h"
#include "report/gate.h"

namespace hookwarden::report {

// One budget per hook: every hook in the records, and every hook of the policy that the
// filters select (a policy hook without runs shows as skipped in JUnit). A hook of the
// policy is judged under its entry's event; a hook the policy does not know, under the
// event it ran for most often. The timeout is the one in force in the hook's latest record
// (so a `run --timeout` override counts), and a p95 budget no policy layer sets is half of it.
// `policy` nullptr: the built-in defaults.
std::vector<HookBudget> budgets_for(const policy::Policy* policy, const std::vector<RunRecord>& records,
                                    const std::string& hook_filter, const std::string& event_filter);

}  // namespace hookwarden::report
