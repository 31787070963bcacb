// `hookwarden dispatch`: one settings entry per event; runs every policy hook that
// matches the event in parallel (bounded), each under its own supervisor, and merges
// their answers as Claude Code would (docs/protocol.md).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "hookwarden/agent.h"

namespace hookwarden::core {

struct DispatchOptions {
    std::string policy_path;
    std::string event;  // "" = hook_event_name of the input
    std::optional<Agent> agent;  // --agent; nullopt = detected from the input
    std::string backend = "auto";
    int jobs = 8;       // hooks supervised at once
    std::string record_path;  // also write the runs' records as a JSON array to FILE
    std::chrono::steady_clock::time_point process_start;
};

int dispatch(const DispatchOptions& options);

}  // namespace hookwarden::core
