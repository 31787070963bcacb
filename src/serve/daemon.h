// `hookwarden serve`: the per-user daemon (docs/serve.md). One thread, one poll loop.
// Each run gets a worker of its own (serve/worker.h): a ready one from its pool, forked
// ahead with its sandbox made, which accepts its client on the listener itself; or, when
// none is waiting, the daemon accepts, checks the request (uid, size, shape, version,
// time) and hands it to a ready worker or forks one for it. It watches every run's
// connection and never runs a hook itself, so nothing a hook does reaches the loop.
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
