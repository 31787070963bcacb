#include "serve/peer.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string_view>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/cgroupfs.h"
#include "util/fd.h"
#include "util/fs.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77  // Linux 6.5; Debian 12's headers predate it
#endif

namespace hookwarden::serve {

namespace {

// Every run cgroup of hookwarden, v1 or v2, in-process or served, has a name of
// cgroupfs::new_run_name, and a hook's cgroup lies below one. Its parent is not always
// named "hookwarden": as an unprivileged user on cgroup v2 it is the daemon's own
// delegated cgroup (hookwarden.service, a systemd-run scope, ...). So: the first cgroup
// path of a /proc/PID/cgroup table with a component of that name, or "".
std::string run_cgroup_in(const std::string& cgroups) {
    for (const auto& membership : sandbox::cgroupfs::memberships(cgroups)) {
        const std::string_view path = membership.path;
        for (std::size_t at = 0; at < path.size();) {
            const auto slash = path.find('/', at);
            if (sandbox::cgroupfs::is_run_name(path.substr(at, slash - at))) return std::string(path);
            if (slash == std::string_view::npos) break;
            at = slash + 1;
        }
    }
    return "";
}

}  // namespace

std::optional<Refusal> refusal_of_peer(int socket) {
    ucred peer{};
    socklen_t size = sizeof peer;
    if (::getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0)
        return Refusal{std::string("SO_PEERCRED: ") + std::strerror(errno)};
    if (peer.uid != ::geteuid())
        return Refusal{"uid " + std::to_string(peer.uid) + " (pid " + std::to_string(peer.pid) +
                       ") is not the daemon's uid " + std::to_string(::geteuid())};
    const Refusal gone{"pid " + std::to_string(peer.pid) + " ended before it was checked", true};
    int pidfd = -1;
    size = sizeof pidfd;
    UniqueFd held(::getsockopt(socket, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &size) == 0 ? pidfd : -1);
    // ESRCH: the kernel knows the connecting process is gone, and its pid may already
    // be another's; ENOPROTOOPT (before 6.5) leaves only the read below.
    if (!held && errno == ESRCH) return gone;
    const std::string file = "/proc/" + std::to_string(peer.pid) + "/cgroup";
    auto cgroups = fs::read_file(file);
    if (!cgroups && (errno == ENOENT || errno == ESRCH)) return gone;
    if (!cgroups) return Refusal{"cannot read " + file + ": " + std::strerror(errno)};
    if (const std::string run = run_cgroup_in(*cgroups); !run.empty())
        return Refusal{"pid " + std::to_string(peer.pid) + " runs inside a hookwarden run (cgroup " + run +
                       "): its runs stay held by that run's limits"};
    if (held && ::syscall(SYS_pidfd_send_signal, held.get(), 0, nullptr, 0) != 0) return gone;
    return std::nullopt;
}

}  // namespace hookwarden::serve
