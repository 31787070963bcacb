// `hookwarden run`: the path of one hook run, top to bottom.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "hookwarden/policy_types.h"

namespace hookwarden::core {

struct RunOptions {
    std::vector<std::string> command;
    std::string name;         // "" = derived from the command
    std::string policy_path;  // "" = discovered
    std::string event;        // "" = hook_event_name of the input
    LimitOverrides limits;    // from the command line
    std::optional<FailureAction> on_failure;
    std::string backend = "auto";
    std::string record_path;  // also write the record here, as one JSON object
    std::chrono::steady_clock::time_point process_start;
};

// Returns the exit code for the agent; writes the agent's stdout/stderr.
int run(const RunOptions& options);

// The hook's identity when --name is not given: the script an interpreter runs
// ("python3 hooks/guard_bash.py" -> "guard_bash"), else the program's base name.
std::string derive_name(const std::vector<std::string>& command);

}  // namespace hookwarden::core
