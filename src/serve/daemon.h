// `hookwarden serve`: the per-user daemon (docs/serve.md). One thread, one poll loop:
// it accepts connections from processes of its own uid, checks each request (size,
// shape, version, time), and gives each accepted run a worker of its own (serve/worker.h):
// a ready one from its pool, forked ahead with its sandbox made, or one forked for the
// run. It never runs a hook itself, so nothing a hook does reaches the loop.
#pragma once

#include <chrono>
#include <string>

#include "serve/worker.h"

namespace hookwarden::serve {

struct DaemonOptions {
    std::string socket_path;                 // "" = default_socket_path()
    std::chrono::milliseconds idle_exit{0};  // exit after this long without a connection; 0 = never
    int max_runs = 64;                       // concurrent runs; beyond, clients are refused and run in-process
    std::chrono::milliseconds request_time{2000};  // for the hello and the go, each
    int pool = 2;      // ready workers kept (docs/serve.md "The ready pool"); 0 = fork one per run
    ReadyHooks ready;  // what a ready worker makes ahead
    WorkerBody body;
};

// Runs until SIGTERM/SIGINT (then finishes the runs in flight) or the idle time.
// Returns the exit status; `error` says why it could not start.
int serve(const DaemonOptions& options, std::string& error);

}  // namespace hookwarden::serve
