// A worker: the daemon's child that runs one client's `hookwarden run`, with the
// client's fds as 0, 1, 2, its environment, working directory and umask, through the
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
// for the verdict at most. Called once the policy is resolved, before the hook starts.
void arm(const wire::Armed& armed);

// Sends the client the verdict, once (later calls do nothing): the run's `answered`
// (core/run.h), else when the run returns.
void send_verdict(int exit_code);

// In a process a worker forked to supervise one of its hooks (`dispatch`): closes the
// client's connection, so that the client sees the worker's death at once, not when the
// last of its children exits. Only the worker itself speaks to the client.
void leave_client();

// In the forked child: takes over `socket` and `fds` (the client's 0, 1, 2), becomes
// the client's process image and runs `body`. Never returns.
[[noreturn]] void become_worker(int socket, std::vector<UniqueFd> fds, const wire::Hello& hello, pid_t daemon,
                                const WorkerBody& body);

// In a child forked ahead of any client: keeps only `control` (its socket to the daemon),
// runs `hooks.prepare`, and waits for its job on `control`: the hello, with the client's
// connection and fds 0, 1, 2. Then it goes on as become_worker. End of file on `control`
// (the daemon stops or lets it go): `hooks.discard`, exit. Never returns.
[[noreturn]] void become_ready_worker(int control, pid_t daemon, const ReadyHooks& hooks, const WorkerBody& body);

}  // namespace hookwarden::serve
