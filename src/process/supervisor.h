// Runs one command inside a Sandbox and watches it until its whole tree is gone:
// feeds stdin, captures stdout/stderr up to a limit without ever blocking the hook,
// enforces the deadline (SIGTERM to the tree, SIGKILL after the grace), kills leftovers
// once the main process exits, and measures the run. One thread, one ppoll loop.
#pragma once

#include <csignal>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hookwarden/policy_types.h"
#include "hookwarden/run_record.h"
#include "sandbox/confine.h"
#include "sandbox/sandbox.h"

namespace hookwarden::process {

struct Capture {
    std::string data;          // at most the output limit
    std::int64_t bytes = 0;    // everything the hook wrote
    bool truncated = false;
};

struct Supervised {
    bool no_backend = false;        // the sandbox could not be set up: hookwarden's fault
    bool started = false;
    int spawn_error = 0;            // errno, when !started
    std::string spawn_stage;
    std::optional<int> exit_code;   // main process exited
    std::optional<int> signal;      // main process was killed by a signal
    bool timed_out = false;         // the deadline passed and we signalled the tree
    std::optional<int> supervisor_signal;  // hookwarden itself was told to stop
    bool guardian_lost = false;     // the guardian died mid-run (killed): the tree was killed at once
    Capture out, err;
    double wall_ms = 0;             // start request to reaped tree
    long leftovers_killed = 0;
    bool tree_reaped = true;        // false if the tree did not die in time after SIGKILL
    sandbox::Usage usage;
};

// `argv[0]` is looked up in PATH. `stdin_data` is written to the hook's stdin and then
// closed; the hook may stop reading at any time.
// `on_started` runs once the hook exists (the guardian learns its process group, and gets
// the fd of the hook's mount namespace to hold, -1 when it has none of its own; the fd is
// closed after the call).
// `confine` (optional) carries the hook's environment (envp; null = ours) and the
// confinement the child applies before exec (sandbox/confine.h).
// `guardian_fd` (optional): our end of the guardian's socket. If the guardian dies while
// the hook runs, nothing would survive our own death to kill the tree, so it is killed
// then and there and the run ends as `guardian_lost`.
Supervised supervise(const std::vector<std::string>& argv, const std::string& stdin_data, const Limits& limits,
                     sandbox::Sandbox& box, const std::function<void(int pid, int mount_ns_fd)>& on_started = {},
                     sandbox::ChildConfinement* confine = nullptr, int guardian_fd = -1);

// What the run's outcome is, from what supervision saw (docs/protocol.md "Outcomes").
Outcome classify(const Supervised& supervised);

// Block the signals the supervisor handles through its signalfd and ignore SIGPIPE.
// Call once, before any thread or child exists.
void prepare_process();
// The signals prepare_process() blocks, for a signalfd that reads them.
sigset_t handled_signals();
// Orphans of the hook are re-parented to us, not to init: we reap them, count their
// CPU, and (backend `none`) can still find and kill them. After the guardian exists.
void become_subreaper();

}  // namespace hookwarden::process
