// Who may hand a run to the daemon: a process of the daemon's uid that is not itself
// inside a hookwarden run. A hook runs as that uid too, and a run handed to the daemon
// would start outside the hook's own cgroups, timeout and tree kill: the hook could lift
// its own limits by asking the daemon to run whatever it likes. Its runs stay nested,
// held by the outer run (docs/serve.md "Security").
#pragma once

#include <optional>
#include <string>

namespace hookwarden::serve {

struct Refusal {
    std::string why;
    bool peer_gone = false;  // it ended before it was checked: nobody is left to refuse
};

// Why the connecting process of `socket` may not be served, or nullopt when it may:
// another uid (SO_PEERCRED), or a member of a run cgroup of hookwarden (a directory
// hw-<pid>[-<n>], in any hierarchy of /proc/PID/cgroup). Where the kernel has SO_PEERPIDFD
// (Linux 6.5) the pid is checked to be the connecting process still after the read, so
// a client that exits and whose pid is reused outside is refused, not misread.
std::optional<Refusal> refusal_of_peer(int socket);

}  // namespace hookwarden::serve
