// The daemon's listening socket: inherited from systemd (socket activation) or bound
// by us in a directory only our uid can enter.
#pragma once

#include <optional>
#include <string>

#include "util/fd.h"

namespace hookwarden::serve {

struct Listener {
    UniqueFd socket;
    UniqueFd lock;     // flock held while we serve: one daemon per socket
    std::string path;  // the socket's path
    bool bound = false;  // we bound it (and unlink it when we stop); false: systemd's
    ~Listener() { close(); }
    Listener() = default;
    Listener(Listener&&) = default;
    // Stops listening: the socket is closed and, when we bound it, unlinked.
    void close();
};

// The listener on `path`. The directory is created 0700 if missing and must be ours
// and not accessible to anyone else; another daemon already serving is an error.
std::optional<Listener> listen_on(const std::string& path, std::string& error);

}  // namespace hookwarden::serve
