// `run`'s and `dispatch`'s side of the daemon (docs/serve.md), in one place: hand the
// run to a daemon when one answers, or, inside a daemon's worker, run it in-process and
// arm the client.
#pragma once

#include <chrono>
#include <optional>

#include "cmd/command.h"
#include "core/dispatch.h"
#include "core/run.h"

namespace hookwarden::cmd {

// `run` and `dispatch` hand themselves to a daemon before their command line is parsed:
// the worker parses it (the same parser), so the client is little more than its exec.
// The agent's exit code when the daemon answered; nullopt: parse and go on, where
// run_through_daemon and dispatch_through_daemon act on this offer's outcome (run
// in-process, or answer a run lost before it started) without offering it again.
std::optional<int> offer_before_parsing(int argc, char** argv, std::chrono::steady_clock::time_point process_start);

// The agent's exit code when a daemon answered it; nullopt: run it in this process
// with core::run(options, *on_resolved) (options.served_by set for a worker).
std::optional<int> run_through_daemon(const Invocation& invocation, core::RunOptions& options,
                                      core::ResolvedHook& on_resolved);

// The same for `dispatch`: nullopt means core::dispatch(options) here (options.served_by,
// on_matched and in_supervisor set for a worker).
std::optional<int> dispatch_through_daemon(const Invocation& invocation, core::DispatchOptions& options);

}  // namespace hookwarden::cmd
