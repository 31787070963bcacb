// VM test tool: runs a command as an ordinary user, the way a login session would,
// for the unprivileged cgroup-v2 cases (busybox's setpriv has no --reuid).
// Usage: hw_drop_to UID GID CMD [ARGS...]
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <grp.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: hw_drop_to UID GID CMD [ARGS...]\n");
        return 64;
    }
    uid_t uid = static_cast<uid_t>(std::strtoul(argv[1], nullptr, 10));
    gid_t gid = static_cast<gid_t>(std::strtoul(argv[2], nullptr, 10));
    if (::setgroups(0, nullptr) != 0 || ::setresgid(gid, gid, gid) != 0 || ::setresuid(uid, uid, uid) != 0) {
        std::fprintf(stderr, "hw_drop_to: %s\n", std::strerror(errno));
        return 126;
    }
    ::execvp(argv[3], argv + 3);
    std::fprintf(stderr, "hw_drop_to: exec %s: %s\n", argv[3], std::strerror(errno));
    return 127;
}
