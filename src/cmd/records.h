// What `report`, `check`, `bench` and `export` share: reading the records and the policy,
// writing an output, and the CI gate over a report.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "hookwarden/exit_code.h"
#include "hookwarden/run_record.h"
#include "policy/policy.h"
#include "report/gate.h"
#include "report/stats.h"

namespace CLI {
class App;
}  // namespace CLI

namespace hookwarden::cmd {

struct Records {
    bool ok = true;  // false: the store could not be read (said on `err`)
    std::vector<RunRecord> records;
    // Runs known only as hourly or daily aggregates (docs/records.md "History"), filled
    // when load_records is asked for them.
    std::vector<RunAggregate> aggregates;
};

// The records of the store in `state_dir` ("" = store::default_state_dir()). A store that
// was never created holds no runs: reading reports must not create one as a side effect.
// Which runs `report` and `check` read: --since, --hook, --event (docs/reports.md).
struct Selection {
    std::string since;  // "" = all; "24h", "7d", "30m", or an ISO date/time
    std::string hook;   // "" = all hooks
    std::string event;  // "" = all events
};
void add_selection_options(CLI::App& sub, Selection& selection);

Records load_records(const std::string& state_dir, std::int64_t since_ms, const std::string& hook,
                     const std::string& event, std::ostream& err, bool with_aggregates = false);

struct LoadedPolicy {
    std::optional<policy::Policy> policy;  // nullopt: built-in defaults
    std::string path;                      // the file named or discovered ("" none)
    std::vector<std::string> errors;       // diagnostics when the file was unusable
};
LoadedPolicy load_policy(const std::string& explicit_path);
const policy::Policy* policy_or_defaults(const LoadedPolicy& loaded);

// The rendered report in `format` (table|json|markdown|html|jsonl); nullopt for another.
std::optional<std::string> render(const std::string& format, const report::Report& rep,
                                  const std::vector<RunRecord>& records,
                                  const std::vector<report::HookBudget>& budgets);
bool known_format(const std::string& format);

// `content` to stdout through `out` (path "" or "-") or atomically to the file `path`.
bool emit(const std::string& path, const std::string& content, std::ostream& out, std::ostream& err);

struct GateOptions {
    std::string junit, sarif;  // output files, "" = none
    bool github = false;       // ::error annotations + $GITHUB_STEP_SUMMARY
};

// The gate shared by `check` and `bench`: violations, the human summary on `out`, the CI
// files. ok clean, violation when a budget is broken, usage when a requested output could
// not be written. `stdout_stream` gets the GitHub workflow commands, which the runner
// reads from stdout.
ExitCode gate(const report::Report& rep, const std::vector<report::HookBudget>& budgets, const GateOptions& options,
              std::ostream& out, std::ostream& stdout_stream, std::ostream& err);

}  // namespace hookwarden::cmd
