// The client side of the hand-off (docs/serve.md): `run` offers its run to a daemon on
// the socket and, once the daemon took it, only waits for the verdict. A run is never
// started twice: until the client sends "go" nothing has been started and any failure
// means "run it here"; after "go" the client never runs the hook itself.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "hookwarden/run_record.h"

namespace hookwarden::serve {

enum class Served {
    no,                 // not handed over (no daemon, refused, too slow, version): run it here
    answered,           // the agent was answered (the verdict, or the armed answer): exit with exit_code
    lost_before_start,  // committed, but no worker started in time, or it died before the hook: answer by policy
};

struct HandOff {
    Served served = Served::no;
    int exit_code = 0;
    std::string why;  // for no / lost_before_start: what happened, for the log
    // A daemon of ours accepted the connection: a run it did not take says why in its
    // record (no daemon at all is the ordinary case and says nothing).
    bool daemon_reached = false;
    // Answered by the armed answer: the worker is gone without a record of the run, and
    // this is the one its client commits (the one the worker armed, if any).
    std::optional<RunRecord> unrecorded = std::nullopt;
};

// Offers the run to the daemon on default_socket_path(). `argv` is the whole command
// line, `process_start` the client's main(). Never blocks longer than the handshake
// bound (HOOKWARDEN_SERVE_HANDSHAKE_MS, default 50) before it knows the daemon took the
// run. HOOKWARDEN_NO_SERVE=1 skips the daemon.
HandOff hand_off(const std::vector<std::string>& argv, std::chrono::steady_clock::time_point process_start);

}  // namespace hookwarden::serve
