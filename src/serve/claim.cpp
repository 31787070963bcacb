#include "serve/claim.h"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "serve/socket_path.h"
#include "serve/wire.h"

namespace hookwarden::serve {

UniqueFd connect_daemon(const std::string& path, std::string& why) {
    if (!fits_socket_address(path)) {
        why = "socket path too long: " + path;
        return {};
    }
    UniqueFd sock(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    if (!sock || ::connect(sock.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        why = "connect " + path + ": " + std::strerror(errno);
        return {};
    }
    ucred peer{};
    socklen_t size = sizeof peer;
    if (::getsockopt(sock.get(), SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0 || peer.uid != ::geteuid()) {
        why = "the daemon on " + path + " runs as uid " + std::to_string(peer.uid) + ", not ours";
        return {};
    }
    return sock;
}

std::optional<Claim> make_claim(std::string& why) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
        why = std::string("claim socket: ") + std::strerror(errno);
        return std::nullopt;
    }
    Claim claim{UniqueFd(pair[0]), UniqueFd(pair[1])};
    if (::send(claim.ours.get(), &wire::kClaimToken, 1, MSG_NOSIGNAL) != 1) {
        why = std::string("claim token: ") + std::strerror(errno);
        return std::nullopt;
    }
    return claim;
}

bool withdraw(const Claim& claim) {
    char token = 0;
    ssize_t n;
    do n = ::recv(claim.theirs.get(), &token, 1, MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    return n == 1;
}

}  // namespace hookwarden::serve
