// One run of a registered http hook, seen from the HTTP front (serve/http_front.h): the
// front is a client of the daemon like `run` (serve/claim.h): the request body is the
// run's stdin (a memfd: a body up to 1 MiB never waits on a pipe), pipes take its stdout
// and stderr, and the worker protocol (taken, armed, verdict; serve/wire.h) comes over
// the connection. The daemon's ready pool serves it; a daemon that is not there, refuses
// or does not take it within the handshake bound leaves the run to a worker the front
// forks itself, over a socket pair, with the same protocol.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>

#include "serve/claim.h"
#include "serve/http_files.h"
#include "serve/wire.h"
#include "serve/worker.h"
#include "util/fd.h"

namespace hookwarden::serve {

// Until a worker takes an http run: what a worker forked by the front instead would need.
// (At namespace scope: clang cannot default-construct a nested struct with member
// initializers inside its incomplete enclosing class.)
struct HttpOffer {
    Claim claim;
    UniqueFd stdin_fd, out_w, err_w;
    wire::Hello hello;
    std::chrono::steady_clock::time_point by;  // the daemon's handshake bound
    bool to_daemon = false;
};

struct HttpRun {
    pid_t worker = -1;        // a worker the front forked itself; -1 once reaped, or none
    pid_t served = -1;        // the daemon's worker that took the run (its "taken")
    UniqueFd control;         // the worker protocol; reset at EOF
    UniqueFd out, err;        // the worker's fds 1 and 2; reset at EOF
    std::string out_data, err_data;
    bool taken = false;       // the worker has the event
    std::optional<wire::Armed> armed;
    std::chrono::steady_clock::time_point armed_at;
    std::optional<int> verdict;  // the exit code the worker answered
    std::string refused;         // the worker refused before it took the event: why

    using Offer = HttpOffer;
    std::optional<Offer> offer;

    bool finished() const { return worker < 0 && !control && !out && !err; }
    // A worker may still answer: one of ours not yet reaped, or the daemon's still connected.
    bool worker_alive() const { return worker > 0 || (served > 0 && control); }
};

// Offers the run of `hook` with `event` on its stdin, in `cwd` (the event's, when it is a
// directory), started at `start`, to the daemon on `socket_path`, else forks its worker.
// "" or why it could not be started.
std::string start_run(HttpRun& run, const HttpHook& hook, const std::string& event, const std::string& cwd,
                      std::chrono::steady_clock::time_point start, const std::string& socket_path,
                      const WorkerBody& body);

// The daemon did not take the run by its handshake bound: the front forks its worker,
// unless the daemon's worker took it meanwhile.
void offer_expired(HttpRun& run, const WorkerBody& body);

// Signals the worker: ours directly, the daemon's through the daemon (SIGKILL directly).
void signal_worker(HttpRun& run, int sig);

// Reads what is there on the control socket / the output pipes, without blocking. A
// refusal or the end of the daemon's connection before "taken" falls back as offer_expired.
void read_control(HttpRun& run, const WorkerBody& body);
void read_output(HttpRun& run, bool stderr_pipe);
// The output pipes drained (after the verdict everything the worker wrote is in them).
void drain_output(HttpRun& run);

}  // namespace hookwarden::serve
