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
};

DaemonProbe probe_daemon();

}  // namespace hookwarden::serve
