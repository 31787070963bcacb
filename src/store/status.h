// `hookwarden status` and `hookwarden breaker ACTION NAME`: thin views over the store,
// kept here so that the CLI only parses arguments.
#pragma once

#include <ostream>
#include <string>

#include "hookwarden/exit_code.h"

namespace hookwarden::store {

// Per hook: breaker state and since when, the last runs, the recent failure rate
// (FailureRate over the last 20 runs: the definition `report` uses, docs/reports.md).
// Exit 0, or 2 when the store cannot be read. A state dir without a database is not an
// error (nothing has run yet) and is not created.
ExitCode status_command(const std::string& state_dir, std::ostream& out, std::ostream& err);

// action: reset | open | close | disable. Exit 0 done; 2 usage, unknown action, or store error.
ExitCode breaker_command(const std::string& state_dir, const std::string& action, const std::string& hook,
                    std::ostream& out, std::ostream& err);

}  // namespace hookwarden::store
