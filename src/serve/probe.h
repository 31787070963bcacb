// Whether a daemon listens for this user, for `doctor`: a connection and its peer's
// credentials, no request (the daemon closes it silently).
#pragma once

#include <string>

namespace hookwarden::serve {

struct DaemonProbe {
    std::string socket;
    bool running = false;
    int pid = 0;   // the daemon's, from SO_PEERCRED
    int uid = -1;
    std::string why;  // why not running
    int keeper_pid = 0;       // the breaker keeper's (serve/breakers.h), 0 when it does not answer
    std::string keeper_why;   // why it does not
};

DaemonProbe probe_daemon();

}  // namespace hookwarden::serve
