// Where the daemon listens and the clients look: one resolver for both (docs/serve.md).
#pragma once

#include <string>

namespace hookwarden::serve {

// $HOOKWARDEN_SOCKET, else $XDG_RUNTIME_DIR/hookwarden/serve.sock, else
// <state directory>/serve.sock.
std::string default_socket_path();

// The longest path a Unix socket address holds (sun_path less its terminating NUL).
bool fits_socket_address(const std::string& path);

}  // namespace hookwarden::serve
