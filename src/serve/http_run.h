// One run of a registered http hook, seen from the HTTP front (serve/http_front.h): a
// worker forked as for a handed-over `run`, with the request body as its stdin (a
// memfd: a body up to 1 MiB never waits on a pipe), pipes for its stdout and stderr and
// a socket pair for the worker protocol (taken, armed, verdict; serve/wire.h).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>

#include "serve/http_files.h"
#include "serve/wire.h"
#include "serve/worker.h"
#include "util/fd.h"

namespace hookwarden::serve {

struct HttpRun {
    pid_t worker = -1;        // -1 once reaped
    UniqueFd control;         // the worker protocol; reset at EOF
    UniqueFd out, err;        // the worker's fds 1 and 2; reset at EOF
    std::string out_data, err_data;
    bool taken = false;       // the worker has the event
    std::optional<wire::Armed> armed;
    std::chrono::steady_clock::time_point armed_at;
    std::optional<int> verdict;  // the exit code the worker answered
    std::string refused;         // the worker refused before it took the event: why

    bool finished() const { return worker < 0 && !control && !out && !err; }
};

// Forks the worker for `hook` with `event` on its stdin, in `cwd` (the event's, when it
// is a directory), started at `start`. "" or why it could not be started.
std::string start_run(HttpRun& run, const HttpHook& hook, const std::string& event, const std::string& cwd,
                      std::chrono::steady_clock::time_point start, const WorkerBody& body);

// Reads what is there on the control socket / the output pipes, without blocking.
void read_control(HttpRun& run);
void read_output(HttpRun& run, bool stderr_pipe);
// The output pipes drained (after the verdict everything the worker wrote is in them).
void drain_output(HttpRun& run);

}  // namespace hookwarden::serve
