// `hookwarden dispatch`: one settings entry per event; runs every policy hook that
// matches the event in parallel (bounded), each under its own supervisor, and merges
// their answers as Claude Code would (docs/protocol.md).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/run.h"
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
    std::string served_by = "process";  // RunRecord::served_by: "serve" in a daemon's worker
    std::vector<std::string> notes;      // for every record's errors (a worker's hand-over notes)
    // Called once the event is read and its hooks matched, before any starts (a daemon's
    // worker tells its client here what to answer should the worker die).
    std::function<void(const Invocation&, const std::vector<const policy::HookEntry*>&)> on_matched;
    // Called first in each hook's supervisor process (a worker's child lets go of the
    // client's connection, so that the client sees its worker die at once).
    std::function<void()> in_supervisor;
    // Called exactly once, when set, right after the final (merged) answer was written to
    // fds 1 and 2, with its exit code (a daemon's worker sends its client the verdict here).
    std::function<void(int exit_code)> answered;
};

int dispatch(const DispatchOptions& options);

// What dispatch answers when none of `hooks` answered on its own (each supervisor died
// or could not start): each hook's degradation policy for internal_error, merged. With
// no hook, the empty answer (nothing ran, nothing blocks).
agents::Answer all_failed_answer(const Invocation& inv, const std::vector<const policy::HookEntry*>& hooks,
                                 const std::string& detail);

}  // namespace hookwarden::core
