// A worker: the daemon's child that runs one client's `hookwarden run`, with the
// client's stdin as fd 0 (and its stdout and stderr as 1 and 2 once they come), its environment, working directory and umask, through the
// same command line and the same core run as the in-process path. One process per run:
// a hook that kills its parent kills the worker, not the daemon; the worker dies with
// the daemon (PR_SET_PDEATHSIG), and its guardian then kills the hook's tree.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "serve/wire.h"

namespace hookwarden::serve {

// Runs the client's command line (argv[0] included) as `hookwarden` would, measured
// from `process_start` (the client's main()); returns its exit code.
using WorkerBody = std::function<int(const std::vector<std::string>& argv,
                                     std::chrono::steady_clock::time_point process_start)>;

// What a ready worker (docs/serve.md "The ready pool") makes before its client comes,
// and lets go of when the daemon lets it go without one. Provided by the command layer
// (the serve module knows no sandbox).
struct ReadyHooks {
    std::function<void()> prepare;
    std::function<void()> discard;
};

// True in a worker: `run` must not hand the run over again.
bool in_worker();

// What of the client's process this worker could not take on (a hard rlimit above the
// daemon's, serve/rlimits.h), for the run's record.
const std::vector<std::string>& hand_over_notes();

// Tells the client what to answer if this worker dies from now on, and how long to wait
// for the verdict at most, then takes the client's fds 1 and 2 (take_client_output); a
// worker that cannot have them ends here, before any hook starts. Called once the policy
// is resolved.
void arm(const wire::Armed& armed);

// Waits (2 s at most) for the client's "go" with its fds 1 and 2 and makes them fds 1
// and 2, after writing there what the worker wrote before. True once they are the
// client's; false outside a worker, or when no "go" came.
bool take_client_output();

// The agent's answer is written to fds 1 and 2: the client gets the verdict `exit_code`
// and exits. Once per run (later calls do nothing); the worker may go on with what the
// answer did not need (the record): core::run's `answered`, else the worker itself once
// the command line returns.
void answered(int exit_code);

// In a process a worker forked to supervise one of its hooks (`dispatch`): closes the
// client's connection, so that the client sees the worker's death at once, not when the
// last of its children exits. Only the worker itself speaks to the client.
void leave_client();

// In the forked child: takes over `socket` and `fds` (the client's stdin and claim
// socket), takes the claim (or exits: the client withdrew it), becomes the client's
// process image and runs `body`. Never returns.
[[noreturn]] void become_worker(int socket, std::vector<UniqueFd> fds, const wire::Hello& hello, pid_t daemon,
                                const WorkerBody& body);

// In a child forked ahead of any client: keeps only `control` (its socket to the daemon)
// and a copy of the daemon's `listener`, runs `hooks.prepare`, and waits for its client:
// one it accepts on the listener itself (a whole, valid request of our uid: it tells the
// daemon on `control`, with the connection, and takes the run; anything else it passes
// to the daemon), or a job from the daemon on `control` (the hello, with the client's
// connection, stdin and claim socket). Then it goes on as become_worker. End of file on
// `control` (the daemon stops or lets it go): `hooks.discard`, exit. Never returns.
[[noreturn]] void become_ready_worker(int control, int listener, pid_t daemon, const ReadyHooks& hooks,
                                      const WorkerBody& body);

}  // namespace hookwarden::serve
