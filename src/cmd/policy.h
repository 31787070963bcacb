// `hookwarden policy check|init`. Exit codes as for every non-hook command (docs/commands.md):
// 0 fine, 1 violation (an invalid policy), 2 usage or configuration error.
#pragma once

#include <ostream>
#include <string>

#include "hookwarden/exit_code.h"

namespace hookwarden::cmd {

// `file` "" = discover() as `run` would. Prints "FILE: OK (...)" on `out`, or every
// diagnostic as FILE:LINE:COL: $.path: message on `err`. 0 valid, 1 invalid, 2 no file
// found or unreadable.
ExitCode policy_check(const std::string& file, std::ostream& out, std::ostream& err);

// Writes starter_policy_json() to `path` ("" = .hookwarden/policy.json), creating the
// directory. Refuses to overwrite an existing file unless `force` (exit 2).
ExitCode policy_init(const std::string& path, bool force, std::ostream& out, std::ostream& err);

}  // namespace hookwarden::cmd
