#include "serve/probe.h"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>

#include "serve/socket_path.h"
#include "util/fd.h"

namespace hookwarden::serve {

DaemonProbe probe_daemon() {
    DaemonProbe probe;
    probe.socket = default_socket_path();
    if (!fits_socket_address(probe.socket)) {
        probe.why = "socket path too long for a Unix socket";
        return probe;
    }
    UniqueFd sock(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, probe.socket.c_str(), probe.socket.size() + 1);
    if (!sock || ::connect(sock.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        probe.why = std::strerror(errno);
        return probe;
    }
    ucred peer{};
    socklen_t size = sizeof peer;
    if (::getsockopt(sock.get(), SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0) {
        probe.why = std::string("SO_PEERCRED: ") + std::strerror(errno);
        return probe;
    }
    probe.running = true;
    probe.pid = peer.pid;
    probe.uid = static_cast<int>(peer.uid);
    return probe;
}

}  // namespace hookwarden::serve
