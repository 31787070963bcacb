#include "serve/probe.h"

#include <cerrno>
#include <cstring>
#include <optional>
#include <sys/socket.h>
#include <sys/un.h>

#include "serve/socket_path.h"
#include "util/fd.h"

namespace hookwarden::serve {

namespace {

// Who listens on `path`: its credentials, or nullopt with `why`.
std::optional<ucred> peer_of(const std::string& path, std::string& why) {
    if (!fits_socket_address(path)) {
        why = "socket path too long for a Unix socket";
        return std::nullopt;
    }
    UniqueFd sock(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    if (!sock || ::connect(sock.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        why = std::strerror(errno);
        return std::nullopt;
    }
    ucred peer{};
    socklen_t size = sizeof peer;
    if (::getsockopt(sock.get(), SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0) {
        why = std::string("SO_PEERCRED: ") + std::strerror(errno);
        return std::nullopt;
    }
    return peer;
}

}  // namespace

DaemonProbe probe_daemon() {
    DaemonProbe probe;
    probe.socket = default_socket_path();
    auto peer = peer_of(probe.socket, probe.why);
    if (!peer) return probe;
    probe.running = true;
    probe.pid = peer->pid;
    probe.uid = static_cast<int>(peer->uid);
    if (auto keeper = peer_of(probe.socket + ".breakers", probe.keeper_why)) probe.keeper_pid = keeper->pid;
    return probe;
}

}  // namespace hookwarden::serve
