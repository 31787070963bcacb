// `serve --http ADDR`: Claude Code's `http` hooks answered by the daemon (docs/serve.md,
// "HTTP hooks"). A process of its own, forked by `serve` at start through a keeper that
// starts it again should it die (PR_SET_PDEATHSIG: both end with the daemon), with one
// poll loop and no threads: the daemon's Unix-socket
// loop stays as it is, a fork never copies another thread's held lock, and nothing one
// HTTP client does (a slow request, a vanished connection) can hold up another or the
// Unix-socket clients.
//
// A request `POST /hook/NAME` with `Authorization: Bearer TOKEN` and the event as its
// body runs the registered hook NAME (serve/http_files.h) exactly as a handed-over
// `run` is run: the front hands it to the daemon's socket as `run` does, so a ready
// worker of the pool runs it (serve/http_run.h), else a worker the front forks. The answer is the JSON form of the verdict (agents/claude http_body), always
// before the agent's timeout for the hook: by then it is the armed answer (the policy's
// degraded answer) and the worker is told to stop, so that the run is still recorded.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>

#include "serve/worker.h"
#include "util/fd.h"

namespace hookwarden::serve {

struct HttpListener {
    UniqueFd socket;
    std::string address;  // as bound, "127.0.0.1:PORT" (the port the kernel chose for :0)
};

// Binds ADDR ("IPV4:PORT" or "[IPV6]:PORT"). A non-loopback address is refused unless
// `any_address` (serve --http-any).
std::optional<HttpListener> listen_http(const std::string& address, bool any_address, std::string& error);

struct HttpOptions {
    std::string state_dir;                        // the token, the registry, the store
    int max_runs = 64;                            // runs at once; beyond: 503
    std::chrono::milliseconds request_time{5000};  // to receive a whole request (then 408)
    std::string socket_path;                      // the daemon's, whose ready pool runs the hooks
    WorkerBody body;
};

// Forks the front's keeper, which forks the front serving `listener` and forks it again
// should it die; the keeper's pid, or -1 with `error`.
pid_t start_http_front(HttpListener listener, const HttpOptions& options, std::string& error);

}  // namespace hookwarden::serve
