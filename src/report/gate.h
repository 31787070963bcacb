// The CI gate (docs/reports.md): budgets from the policy against a report, and the formats CI
// systems read — JUnit XML, SARIF 2.1.0, GitHub workflow commands and step summaries.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hookwarden/policy_types.h"
#include "report/stats.h"

namespace hookwarden::report {

// One hook's budgets as the policy resolved them, with where the hook is declared so that
// SARIF and annotations can point at it. line/column are 1-based; 0 means unknown.
struct HookBudget {
    std::string hook;
    std::string event;
    Budgets budgets;
    std::int64_t timeout_ms = 2000;
    std::string policy_file;  // "" for built-in defaults
    int line = 0, column = 0;

    // The p95 budget in force: the policy's, else half the timeout (policies/README.md).
    double p95_limit_ms() const;
};

// Budget kinds, in the order every output lists them.
inline constexpr const char* kBudgetKinds[] = {"p95_ms", "error_rate", "timeouts", "oom"};

struct Violation {
    std::string hook;
    std::string budget;  // one of kBudgetKinds
    double actual = 0;
    double limit = 0;
    std::string message;  // one line, for people
    // Points into the budgets vector given to check(): valid while that vector lives
    // unchanged.
    const HookBudget* where = nullptr;
};

// A budget is violated when the actual value is strictly above it (a budget of 0
// timeouts allows none). Hooks with budgets but zero runs, and the p95 budget of a hook
// none of whose runs started, are not violations: there is nothing to judge. Hooks in the
// report without an entry in `budgets` are not judged either. Violations come in the
// order of `budgets`, then kBudgetKinds.
std::vector<Violation> check(const Report& report, const std::vector<HookBudget>& budgets);

// JUnit XML: one <testsuite name="hookwarden.check">, one <testcase
// classname="hookwarden.<hook>" name="<budget>"> per hook × budget kind; <failure> on a
// violation, <skipped> when the hook has no runs.
std::string render_junit(const Report& report, const std::vector<HookBudget>& budgets,
                         const std::vector<Violation>& violations);

// SARIF 2.1.0: one run, tool.driver "hookwarden" with one rule per budget kind, one
// result per violation located at the hook's declaration in the policy file.
std::string render_sarif(const Report& report, const std::vector<HookBudget>& budgets,
                         const std::vector<Violation>& violations);

// GitHub workflow commands, one `::error file=…,line=…,col=…,title=…::message` per
// violation, escaped as the runner unescapes them.
std::string render_github(const std::vector<Violation>& violations);

// Markdown for $GITHUB_STEP_SUMMARY: verdict, per-hook table, the violations.
std::string render_github_summary(const Report& report, const std::vector<Violation>& violations);

// The escaping of GitHub workflow commands: data escapes % CR LF; property values
// additionally : and ,.
std::string github_escape_data(const std::string& in);
std::string github_escape_property(const std::string& in);

}  // namespace hookwarden::report
