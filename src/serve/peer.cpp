#include "serve/peer.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/fd.h"
#include "util/fs.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77  // Linux 6.5; Debian 12's headers predate it
#endif

namespace hookwarden::serve {

namespace {

// Every run cgroup of hookwarden, v1 or v2, in-process or served, is named so
// (sandbox/cgroupfs.h new_run_name); a hook's own sub-cgroups lie below it.
constexpr const char* kRunCgroupMark = "/hookwarden/hw-";

}  // namespace

std::optional<std::string> refusal_of_peer(int socket) {
    ucred peer{};
    socklen_t size = sizeof peer;
    if (::getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0)
        return std::string("SO_PEERCRED: ") + std::strerror(errno);
    if (peer.uid != ::geteuid())
        return "uid " + std::to_string(peer.uid) + " (pid " + std::to_string(peer.pid) + ") is not the daemon's uid " +
               std::to_string(::geteuid());
    int pidfd = -1;
    size = sizeof pidfd;
    UniqueFd held(::getsockopt(socket, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &size) == 0 ? pidfd : -1);
    // ESRCH: the kernel knows the connecting process is gone, and its pid may already
    // be another's; ENOPROTOOPT (before 6.5) leaves only the read below.
    if (!held && errno == ESRCH) return "pid " + std::to_string(peer.pid) + " ended before it was checked";
    const std::string file = "/proc/" + std::to_string(peer.pid) + "/cgroup";
    auto cgroups = fs::read_file(file);
    if (!cgroups) return "cannot read " + file + ": " + std::strerror(errno);
    if (auto at = cgroups->find(kRunCgroupMark); at != std::string::npos) {
        const auto start = cgroups->rfind(':', at);
        const auto end = cgroups->find('\n', at);
        return "pid " + std::to_string(peer.pid) + " runs inside a hookwarden run (cgroup " +
               cgroups->substr(start + 1, end - start - 1) + "): its runs stay held by that run's limits";
    }
    if (held && ::syscall(SYS_pidfd_send_signal, held.get(), 0, nullptr, 0) != 0)
        return "pid " + std::to_string(peer.pid) + " ended before it was checked";
    return std::nullopt;
}

}  // namespace hookwarden::serve
