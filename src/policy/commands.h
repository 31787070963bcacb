// `hookwarden policy check|init`, for the CLI to wire up. Exit codes follow SPEC §2:
// 0 fine, 1 violation (an invalid policy), 2 usage or configuration error.
#pragma once

#include <ostream>
#include <string>

namespace hookwarden::policy {

// `file` "" = discover() as `run` would. Prints "FILE: OK (...)" on `out`, or every
// diagnostic as FILE:LINE:COL: $.path: message on `err`. 0 valid, 1 invalid, 2 no file
// found or unreadable.
int policy_check(const std::string& file, std::ostream& out, std::ostream& err);

// Writes starter_policy_json() to `path` ("" = .hookwarden/policy.json), creating the
// directory. Refuses to overwrite an existing file unless `force` (exit 2).
int policy_init(const std::string& path, bool force, std::ostream& out, std::ostream& err);

}  // namespace hookwarden::policy
