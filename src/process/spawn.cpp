#include "process/spawn.h"

#include <cerrno>
#include <climits>
#include <ctime>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/close_range.h>

#include "util/fd.h"

namespace hookwarden::process {

namespace {

// glibc 2.36 has no clone3 wrapper; this mirrors the kernel's struct clone_args (v2).
struct CloneArgs {
    std::uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
        set_tid_size, cgroup;
};
constexpr std::uint64_t kCloneIntoCgroup = 0x200000000ULL;

struct ChildFailure {
    int stage;
    int error;
    int fatal;  // 0: a notice (the child goes on to exec)
    std::int64_t at_ns = 0;  // CLOCK_MONOTONIC when written (the "exec" notice's is the hook's start)
};
constexpr const char* kStages[] = {"cgroup",   "setsid",      "pdeathsig", "rlimit",       "signals", "stdio",
                                   "fds",      "exec",        "netns",     "userns-maps", "loopback", "no_new_privs",
                                   "landlock", "mountns",     "cgroupfs-ro", "dev-shm",   "capabilities",
                                   "cwd",      "pidns",       "proc"};
constexpr int kStageCount = sizeof kStages / sizeof kStages[0];
enum Stage { kExec = 7, kNetns = 8, kUserMaps, kLoopback, kNoNewPrivs, kLandlock, kMountns, kCgroupRo, kShm, kCaps, kCwd, kPidns, kProc };

// struct mount_attr of mount_setattr(2) (5.12+); <linux/mount.h> clashes with <sys/mount.h>.
struct MountAttr {
    std::uint64_t attr_set, attr_clr, propagation, userns_fd;
};
constexpr std::uint64_t kMountAttrReadOnly = 0x1;

[[noreturn]] void fail(int pipe_fd, int stage) {
    ChildFailure failure{stage, errno, 1};
    ssize_t ignored = ::write(pipe_fd, &failure, sizeof failure);
    (void)ignored;
    ::_exit(127);
}

void notice(int pipe_fd, int stage) {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);  // async-signal-safe
    ChildFailure failure{stage, errno, 0, now.tv_sec * 1000000000LL + now.tv_nsec};
    ssize_t ignored = ::write(pipe_fd, &failure, sizeof failure);
    (void)ignored;
}

std::size_t length(const char* s) {
    std::size_t n = 0;
    while (s[n]) ++n;
    return n;
}

bool write_file(const char* path, const char* text) {
    int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    std::size_t n = length(text);
    bool ok = ::write(fd, text, n) == static_cast<ssize_t>(n);
    ::close(fd);
    return ok;
}

// Unprivileged rule: setgroups must be denied before an unprivileged gid_map. The hook
// keeps its own uid and gid inside the user namespace.
void write_user_maps(const sandbox::ChildConfinement& c, int error_fd) {
    if (!write_file("/proc/self/setgroups", "deny") || !write_file("/proc/self/uid_map", c.uid_map) ||
        !write_file("/proc/self/gid_map", c.gid_map))
        fail(error_fd, kUserMaps);
}

// A fresh network namespace has only `lo`, and it is down.
bool loopback_up() {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    struct ifreq req {};
    req.ifr_name[0] = 'l';
    req.ifr_name[1] = 'o';
    bool ok = ::ioctl(fd, SIOCGIFFLAGS, &req) == 0;
    req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP | IFF_RUNNING);
    ok = ok && ::ioctl(fd, SIOCSIFFLAGS, &req) == 0;
    ::close(fd);
    return ok;
}

// The network namespace (with a user namespace when unprivileged). Failing to create it
// is fatal unless `netns_optional`: then a notice, and the hook keeps the host network.
// `in_userns`: the clone already made the user namespace (for the PID namespace).
void enter_netns(const sandbox::ChildConfinement& c, bool in_userns, int error_fd) {
    const bool new_userns = c.new_userns && !in_userns;
    int flags = CLONE_NEWNET | (new_userns ? CLONE_NEWUSER : 0);
    if (::unshare(flags) != 0) {
        if (!c.netns_optional) fail(error_fd, kNetns);
        notice(error_fd, kNetns);
        return;
    }
    if (new_userns) write_user_maps(c, error_fd);
    if (!loopback_up()) fail(error_fd, kLoopback);
}

// Writes `digits` wide, zero-padded: the inode in the hook's HOOKWARDEN_SUPERVISOR_PID.
void write_decimal(char* digits, int width, unsigned long long value) {
    for (int i = width - 1; i >= 0; --i, value /= 10) digits[i] = static_cast<char>('0' + value % 10);
}

// Overwrites a variable's value in place with `pid` (the buffer holds at least 26 bytes).
void write_pid_value(char* value, pid_t pid) {
    char digits[16];
    int n = 0;
    for (unsigned long v = static_cast<unsigned long>(pid); n == 0 || v > 0; v /= 10) digits[n++] = static_cast<char>('0' + v % 10);
    for (int i = 0; i < n; ++i) value[i] = digits[n - 1 - i];
    value[n] = '\0';
}

// Pid 1 of its own PID namespace (made by clone): a /proc of that namespace over the
// host's, in a mount namespace of its own whose mounts never reach the host. Without it
// the hook would still see (not signal) every host pid, so a failed mount is a notice.
void enter_pid_ns(const sandbox::ChildConfinement& c, bool in_userns, int error_fd) {
    if (in_userns) write_user_maps(c, error_fd);
    struct stat own {};
    if (c.pidns_inode_digits && ::stat("/proc/self/ns/pid", &own) == 0)
        write_decimal(c.pidns_inode_digits, sandbox::kPidnsDigits, own.st_ino);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0 ||
        ::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
        notice(error_fd, kProc);
}

// Makes one mount read-only in our mount namespace, keeping its other flags. The remount
// is the fallback for kernels before mount_setattr (5.12).
bool make_read_only(const char* point, unsigned long flags) {
    MountAttr attr{kMountAttrReadOnly, 0, 0, 0};
    if (::syscall(SYS_mount_setattr, AT_FDCWD, point, 0U, &attr, sizeof attr) == 0) return true;
    if (errno != ENOSYS) return false;
    return ::mount(nullptr, point, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | flags, nullptr) == 0;
}

// The root hook's own cgroup, mount and IPC namespaces (docs/security.md). Taken after it
// joined its leaf cgroup, which becomes the root of what it can see. Not asked for by the
// policy, so a failure is a notice (the record says what was not in force), not a refusal.
// `made_at_clone`: the mount and IPC namespaces came with clone (the parent holds the
// mount namespace already); the cgroup namespace is always taken here, after joining the
// v1 leaves, so that it is rooted at them.
// Returns the stage that failed (errno says why), or -1 when all of it is in force.
int make_mount_ns(const sandbox::ChildConfinement& c, bool made_at_clone) {
    if (::unshare(CLONE_NEWCGROUP | (made_at_clone ? 0 : CLONE_NEWNS | CLONE_NEWIPC)) != 0) return kMountns;
    // Nothing mounted from here on reaches the host, and it all goes with the namespace.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) return kMountns;
    for (int i = 0; c.readonly_mounts && c.readonly_mounts[i]; ++i)
        if (!make_read_only(c.readonly_mounts[i], c.readonly_flags[i])) return kCgroupRo;
    // Charged to the hook's memory cgroup as it writes, freed when the namespace goes.
    if (c.private_shm && ::mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0) return kShm;
    return -1;
}

void enter_mount_ns(const sandbox::ChildConfinement& c, bool made_at_clone, int error_fd) {
    if (const int failed = make_mount_ns(c, made_at_clone); failed >= 0) notice(error_fd, failed);
}

// Right before exec: a root hook comes out of execve without CAP_SYS_ADMIN, so it cannot
// remount, unmount or leave its namespaces. Ambient and inheritable too, or execve would
// hand it back.
void drop_cap_sys_admin(const sandbox::ChildConfinement& c, int error_fd) {
    ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    if (::prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0) != 0) return notice(error_fd, kCaps);
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (::syscall(SYS_capget, &header, data) != 0) return notice(error_fd, kCaps);
    data[0].inheritable = c.inheritable_without_sys_admin[0];
    data[1].inheritable = c.inheritable_without_sys_admin[1];
    if (::syscall(SYS_capset, &header, data) != 0) notice(error_fd, kCaps);
}

// The `none` backend's limits, never above the hard limits we were given.
void set_rlimits(const sandbox::ChildSetup& setup, int error_fd) {
    auto limit = [&](int resource, std::int64_t value) {
        if (value <= 0) return;
        struct rlimit current {};
        ::getrlimit(resource, &current);
        rlim_t wanted = static_cast<rlim_t>(value);
        if (current.rlim_max != RLIM_INFINITY && wanted > current.rlim_max) wanted = current.rlim_max;
        struct rlimit next {wanted, wanted};
        if (resource == RLIMIT_CPU) next.rlim_max = wanted + 1;  // SIGXCPU first, then SIGKILL
        if (::setrlimit(resource, &next) != 0) fail(error_fd, 3);
    };
    limit(RLIMIT_DATA, setup.rlimit_data_bytes);
    limit(RLIMIT_NPROC, setup.rlimit_nproc);
    limit(RLIMIT_CPU, setup.rlimit_cpu_seconds);
}

struct Started {
    pid_t pid = -1;
    bool in_cgroup = false;    // clone3(CLONE_INTO_CGROUP): already in its (v2) cgroup
    bool ns_at_clone = false;  // the mount and IPC namespaces were made by clone
    bool pid_ns = false;       // and the PID namespace (with a user namespace when unprivileged)
    int pidns_error = 0;       // why the clone with CLONE_NEWPID failed
    int mount_ns_fd = -1;      // a placed child's own mount namespace, sent back by it
};

// The namespaces after joining the cgroups (their files are in the initial namespaces)
// and before Landlock (which would forbid writing the uid/gid maps).
void enter_namespaces(const sandbox::ChildConfinement* confine, const Started& started, int error_fd) {
    if (!confine) return;
    const bool in_userns = started.pid_ns && confine->pidns_userns;
    if (confine->new_mount_ns) enter_mount_ns(*confine, started.ns_at_clone, error_fd);
    if (started.pid_ns) enter_pid_ns(*confine, in_userns, error_fd);
    if (confine->new_netns) enter_netns(*confine, in_userns, error_fd);
}

// Runs in the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void child(const std::string& path, char* const argv[], char* const envp[], const int stdio[3],
                        const sandbox::ChildSetup& setup, const sandbox::ChildConfinement* confine, const Started& started,
                        pid_t parent, int error_fd) {
    for (int fd : setup.procs_fds)
        if (::write(fd, "0", 1) != 1) fail(error_fd, 0);
    if (!started.in_cgroup && setup.clone_into_procs_fd >= 0 && ::write(setup.clone_into_procs_fd, "0", 1) != 1)
        fail(error_fd, 0);
    // Own session, hence own process group and no controlling terminal: the `none`
    // backend kills by group, an agent's signal to hookwarden's group does not reach the
    // hook behind the supervisor's back, and the hook cannot write to (or read from) the
    // agent's terminal through /dev/tty.
    if (::setsid() < 0) fail(error_fd, 1);
    // If the supervisor dies, the hook's main process dies with it (the guardian takes
    // care of the rest of the tree). Re-check the parent: it may have died before prctl
    // (pid 1 of a new PID namespace sees its parent as 0; the guardian covers that case).
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(error_fd, 2);
    if (::getppid() != (started.pid_ns ? 0 : parent)) ::_exit(127);
    if (setup.set_rlimits) set_rlimits(setup, error_fd);
    enter_namespaces(confine, started, error_fd);
    // Started without the PID namespace it asked for ("unavailable": "run"): the hook's
    // HOOKWARDEN_SUPERVISOR_PID names the supervisor again, as without the policy key.
    if (confine && confine->pidns_inode_digits && !started.pid_ns)
        write_pid_value(confine->pidns_inode_digits - sandbox::kPidnsPrefixLength, parent);
    // The supervisor blocks signals for its signalfd and ignores SIGPIPE; the hook gets
    // the defaults it would have had from the agent.
    sigset_t none;
    sigemptyset(&none);
    if (::sigprocmask(SIG_SETMASK, &none, nullptr) != 0) fail(error_fd, 4);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &dfl, nullptr);
    for (int fd = 0; fd < 3; ++fd)
        if (::dup2(stdio[fd], fd) < 0) fail(error_fd, 5);
    // Only fds 0, 1, 2 reach the hook. CLOEXEC rather than close, so the error pipe
    // (already CLOEXEC) still reports an exec failure.
    if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) fail(error_fd, 6);
    if (confine) {
        if (confine->no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail(error_fd, kNoNewPrivs);
        // The ruleset was built by the parent; it is CLOEXEC, so the hook never holds it.
        if (confine->landlock_fd >= 0 && ::syscall(SYS_landlock_restrict_self, confine->landlock_fd, 0U) != 0) {
            if (!confine->landlock_optional) fail(error_fd, kLandlock);
            notice(error_fd, kLandlock);
        }
        if (confine->drop_cap_sys_admin) drop_cap_sys_admin(*confine, error_fd);
        if (confine->envp) envp = confine->envp;
    }
    notice(error_fd, kExec);  // the hook's own time starts here (SpawnResult::exec_at_ns)
    ::execve(path.c_str(), argv, envp);
    fail(error_fd, kExec);
}

}  // namespace

std::string resolve_executable(const std::string& name, int& error) {
    auto usable = [](const std::string& candidate, int& why) {
        struct stat info {};
        if (::stat(candidate.c_str(), &info) != 0) {
            why = errno;
            return false;
        }
        if (S_ISDIR(info.st_mode)) {
            why = EISDIR;
            return false;
        }
        if (::access(candidate.c_str(), X_OK) != 0) {
            why = EACCES;
            return false;
        }
        return true;
    };
    error = 0;
    if (name.empty()) {
        error = ENOENT;
        return "";
    }
    if (name.find('/') != std::string::npos) return usable(name, error) ? name : "";
    const char* path_env = std::getenv("PATH");
    std::string path = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
    int first_error = ENOENT;
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string dir = end > start ? path.substr(start, end - start) : ".";
        std::string candidate = dir + "/" + name;
        int why = 0;
        if (usable(candidate, why)) return candidate;
        if (why == EACCES) first_error = EACCES;  // found but not executable: say so
        start = end + 1;
    }
    error = first_error;
    return "";
}

namespace {

// fork, or clone3 straight into the cgroup (kernel 5.7+, cgroup v2 only: no migration,
// accounted from the first instruction), with the root hook's mount and IPC namespaces
// and the policy's PID namespace when asked. Each refusal falls back to the plainer call;
// the child takes what clone did not give it with unshare. A PID namespace only comes
// with clone: without it the child is started only if the policy lets it run unconfined.
Started start_child(const sandbox::ChildSetup& setup, bool new_namespaces, const sandbox::ChildConfinement* confine) {
    Started started;
    const std::uint64_t ns_flags = new_namespaces ? CLONE_NEWNS | CLONE_NEWIPC : 0;
    const bool pid_ns = confine && confine->new_pid_ns;
    const std::uint64_t pid_flags = CLONE_NEWPID | CLONE_NEWNS | (pid_ns && confine->pidns_userns ? CLONE_NEWUSER : 0);
    struct Try {
        std::uint64_t flags;
        bool into_cgroup;
    };
    // A fixed array: the child returns through this frame, and must not touch the heap.
    Try tries[4]{};
    int count = 0;
    const bool cgroup = setup.clone_into_fd >= 0;
    if (pid_ns && cgroup) tries[count++] = {ns_flags | pid_flags, true};
    if (pid_ns) tries[count++] = {ns_flags | pid_flags, false};
    if (!pid_ns || confine->pidns_optional) {
        tries[count++] = {ns_flags, cgroup};
        tries[count++] = {0, cgroup};
    }
    for (int i = 0; i < count; ++i) {
        const Try& t = tries[i];
        CloneArgs args{};
        args.exit_signal = SIGCHLD;
        args.flags = t.flags;
        if (t.into_cgroup) {
            args.flags |= kCloneIntoCgroup;
            args.cgroup = static_cast<std::uint64_t>(setup.clone_into_fd);
        }
        if (args.flags == 0) break;  // a plain fork below
        started.pid = static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof args));
        if (started.pid >= 0) {
            started.in_cgroup = t.into_cgroup;
            started.ns_at_clone = (t.flags & ns_flags) != 0;
            started.pid_ns = (t.flags & CLONE_NEWPID) != 0;
            return started;
        }
        if (t.flags & CLONE_NEWPID) started.pidns_error = errno;
    }
    if (pid_ns && !confine->pidns_optional) {
        errno = started.pidns_error;
        return started;  // pid -1: refused, not started without its PID namespace
    }
    started.pid = ::fork();
    return started;
}

// A placed child (serve's ready pool, docs/serve.md): forked and moved into its cgroups
// before its run is known, it waits on a socket for what it is to become: the program,
// argv, environment, confinement and stdio of spawn(). It then takes the same steps as
// a freshly forked child (child()) and execs: the hook starts with no fork and no cgroup
// migration. Unlike child(), it may use the heap: it is a fork of a single-threaded
// process and nothing runs beside it.
constexpr int kPlacedSocket = 3;
constexpr std::size_t kSpecFds = 6;  // stdin, stdout, stderr, the error pipe, the working directory, Landlock

void put(std::string& out, std::string_view bytes) {
    const auto size = static_cast<std::uint32_t>(bytes.size());
    out.append(reinterpret_cast<const char*>(&size), sizeof size).append(bytes);
}

void put_list(std::string& out, const char* const* items) {
    std::uint32_t count = 0;
    while (items && items[count]) ++count;
    out.append(reinterpret_cast<const char*>(&count), sizeof count);
    for (std::uint32_t i = 0; i < count; ++i) put(out, items[i]);
}

// What the placed child needs, as bytes: the pointers of ChildConfinement are rebuilt
// on the other side from the lists that follow it.
std::string encode_spec(const std::string& path, char* const argv[], char* const envp[],
                        const sandbox::ChildConfinement* confine) {
    std::string out;
    const mode_t mask = ::umask(0);
    ::umask(mask);
    const auto mask_bits = static_cast<std::uint32_t>(mask);
    out.append(reinterpret_cast<const char*>(&mask_bits), sizeof mask_bits);
    put(out, path);
    put_list(out, argv);
    put_list(out, confine && confine->envp ? confine->envp : envp);
    sandbox::ChildConfinement plain = confine ? *confine : sandbox::ChildConfinement{};
    put(out, std::string_view(reinterpret_cast<const char*>(&plain), sizeof plain));
    put_list(out, plain.readonly_mounts);
    std::uint32_t mounts = 0;
    while (plain.readonly_mounts && plain.readonly_mounts[mounts]) ++mounts;
    put(out, std::string_view(reinterpret_cast<const char*>(plain.readonly_flags), mounts * sizeof(unsigned long)));
    // The sender's resource limits: a served run's worker took its client's after the
    // placed child was forked (serve/rlimits.h), and the hook must have those.
    rlimit limits[RLIM_NLIMITS] = {};
    for (int r = 0; r < RLIM_NLIMITS; ++r) ::getrlimit(static_cast<__rlimit_resource>(r), &limits[r]);
    put(out, std::string_view(reinterpret_cast<const char*>(limits), sizeof limits));
    return out;
}

// The spec's fds: stdio, the error pipe, and the Landlock ruleset when there is one.
bool send_spec(int socket, const std::string& spec, const std::vector<int>& fds) {
    const auto size = static_cast<std::uint32_t>(spec.size());
    iovec iov{const_cast<std::uint32_t*>(&size), sizeof size};
    alignas(cmsghdr) char control[CMSG_SPACE(kSpecFds * sizeof(int))] = {};
    msghdr header{};
    header.msg_iov = &iov;
    header.msg_iovlen = 1;
    header.msg_control = control;
    header.msg_controllen = CMSG_SPACE(fds.size() * sizeof(int));
    cmsghdr* rights = CMSG_FIRSTHDR(&header);
    rights->cmsg_level = SOL_SOCKET;
    rights->cmsg_type = SCM_RIGHTS;
    rights->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
    std::memcpy(CMSG_DATA(rights), fds.data(), fds.size() * sizeof(int));
    if (::sendmsg(socket, &header, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof size)) return false;
    for (std::size_t done = 0; done < spec.size();) {
        ssize_t n = ::send(socket, spec.data() + done, spec.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

// One byte with an fd attached (or none: -1), between a placed child and its parent.
void send_fd(int socket, int fd) {
    char byte = 'N';
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr header{};
    header.msg_iov = &iov;
    header.msg_iovlen = 1;
    if (fd >= 0) {
        header.msg_control = control;
        header.msg_controllen = sizeof control;
        cmsghdr* rights = CMSG_FIRSTHDR(&header);
        rights->cmsg_level = SOL_SOCKET;
        rights->cmsg_type = SCM_RIGHTS;
        rights->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(rights), &fd, sizeof fd);
    }
    ssize_t ignored = ::sendmsg(socket, &header, MSG_NOSIGNAL);
    (void)ignored;
}

int receive_fd(int socket) {
    char byte = 0;
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr header{};
    header.msg_iov = &iov;
    header.msg_iovlen = 1;
    header.msg_control = control;
    header.msg_controllen = sizeof control;
    ssize_t n;
    do {
        n = ::recvmsg(socket, &header, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    cmsghdr* rights = CMSG_FIRSTHDR(&header);
    int fd = -1;
    if (n == 1 && rights && rights->cmsg_type == SCM_RIGHTS) std::memcpy(&fd, CMSG_DATA(rights), sizeof fd);
    return fd;
}

// Tells the placed child what to become; it is then our started child, as from
// start_child(). On failure it is killed and reaped, and pid is -1 with errno set.
Started wake_placed(sandbox::PlacedChild placed, const std::string& path, char* const argv[], char* const envp[],
                    const int stdio[3], const sandbox::ChildConfinement* confine, int error_fd) {
    // It was forked before this run: its working directory and umask are the run's now.
    UniqueFd cwd(::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    std::vector<int> fds{stdio[0], stdio[1], stdio[2], error_fd, cwd.get()};
    if (confine && confine->landlock_fd >= 0) fds.push_back(confine->landlock_fd);
    const bool sent = cwd && send_spec(placed.socket, encode_spec(path, argv, envp, confine), fds);
    const int error = errno;
    Started started;
    started.in_cgroup = true;
    if (sent && confine && confine->new_mount_ns) started.mount_ns_fd = receive_fd(placed.socket);
    ::close(placed.socket);
    if (sent) {
        started.pid = placed.pid;
        return started;
    }
    ::kill(placed.pid, SIGKILL);
    ::waitpid(placed.pid, nullptr, 0);
    errno = error;
    return started;
}

struct Spec {
    std::string path;
    std::vector<std::string> argv_text, envp_text, mount_text;
    std::vector<char*> argv, envp;
    std::vector<const char*> mounts;
    std::vector<unsigned long> flags;
    sandbox::ChildConfinement confine;
    int stdio[3] = {-1, -1, -1};
    int error_fd = -1;
    int cwd_fd = -1;
    std::uint32_t umask = 022;
    rlimit limits[RLIM_NLIMITS] = {};  // the worker's, as they are when the run comes
};

class SpecReader {
public:
    explicit SpecReader(const std::string& bytes) : bytes_(bytes) {}
    bool ok() const { return ok_; }
    std::uint32_t u32() {
        std::uint32_t value = 0;
        if (!ok_ || bytes_.size() - pos_ < sizeof value) return fail(), 0;
        std::memcpy(&value, bytes_.data() + pos_, sizeof value);
        pos_ += sizeof value;
        return value;
    }
    std::string next() {
        std::uint32_t size = 0;
        if (!ok_ || bytes_.size() - pos_ < sizeof size) return fail();
        std::memcpy(&size, bytes_.data() + pos_, sizeof size);
        pos_ += sizeof size;
        if (bytes_.size() - pos_ < size) return fail();
        pos_ += size;
        return bytes_.substr(pos_ - size, size);
    }
    std::vector<std::string> list() {
        std::uint32_t count = 0;
        if (!ok_ || bytes_.size() - pos_ < sizeof count) return fail(), std::vector<std::string>{};
        std::memcpy(&count, bytes_.data() + pos_, sizeof count);
        pos_ += sizeof count;
        std::vector<std::string> items;
        for (std::uint32_t i = 0; i < count && ok_; ++i) items.push_back(next());
        return items;
    }

private:
    std::string fail() {
        ok_ = false;
        return {};
    }
    const std::string& bytes_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

template <typename Char>
std::vector<Char*> pointers(std::vector<std::string>& strings) {
    std::vector<Char*> out;
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

bool decode_spec(const std::string& bytes, Spec& spec) {
    SpecReader in(bytes);
    spec.umask = in.u32();
    spec.path = in.next();
    spec.argv_text = in.list();
    spec.envp_text = in.list();
    const std::string confine = in.next();
    spec.mount_text = in.list();
    const std::string flags = in.next();
    const std::string limits = in.next();
    if (!in.ok() || confine.size() != sizeof spec.confine || flags.size() != spec.mount_text.size() * sizeof(unsigned long) ||
        limits.size() != sizeof spec.limits)
        return false;
    std::memcpy(spec.limits, limits.data(), sizeof spec.limits);
    std::memcpy(&spec.confine, confine.data(), sizeof spec.confine);
    spec.flags.resize(spec.mount_text.size());
    if (!flags.empty()) std::memcpy(spec.flags.data(), flags.data(), flags.size());
    spec.argv = pointers<char>(spec.argv_text);
    spec.envp = pointers<char>(spec.envp_text);
    spec.mounts = pointers<const char>(spec.mount_text);
    spec.confine.envp = nullptr;
    spec.confine.readonly_mounts = spec.mounts.data();
    spec.confine.readonly_flags = spec.flags.data();
    spec.confine.mount_stage = nullptr;
    // Pointers into the sender's memory mean nothing here: those rebuilt above, the rest
    // cleared (a placed child never makes a PID namespace: process/ready.cpp).
    spec.confine.pidns_inode_digits = nullptr;
    spec.confine.new_pid_ns = false;
    return true;
}

// Blocks until the spec comes (or the socket closes: our parent is gone or let us go).
bool receive_spec(int socket, Spec& spec) {
    std::uint32_t size = 0;
    iovec iov{&size, sizeof size};
    alignas(cmsghdr) char control[CMSG_SPACE(kSpecFds * sizeof(int))] = {};
    msghdr header{};
    header.msg_iov = &iov;
    header.msg_iovlen = 1;
    header.msg_control = control;
    header.msg_controllen = sizeof control;
    ssize_t n;
    do {
        n = ::recvmsg(socket, &header, MSG_CMSG_CLOEXEC | MSG_WAITALL);
    } while (n < 0 && errno == EINTR);
    cmsghdr* rights = CMSG_FIRSTHDR(&header);
    if (n != sizeof size || !rights || rights->cmsg_type != SCM_RIGHTS) return false;
    const std::size_t count = (rights->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    int fds[kSpecFds] = {-1, -1, -1, -1, -1, -1};
    if (count < kSpecFds - 1 || count > kSpecFds) return false;
    std::memcpy(fds, CMSG_DATA(rights), count * sizeof(int));
    std::string bytes(size, '\0');
    for (std::size_t done = 0; done < bytes.size();) {
        n = ::recv(socket, bytes.data() + done, bytes.size() - done, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    if (!decode_spec(bytes, spec)) return false;
    std::memcpy(spec.stdio, fds, sizeof spec.stdio);
    spec.error_fd = fds[3];
    spec.cwd_fd = fds[4];
    spec.confine.landlock_fd = count == kSpecFds ? fds[5] : -1;
    return true;
}

constexpr int kWorkerMountNs = kPlacedSocket + 1;  // a placed child's way back to the worker's mount namespace

// The root hook's mount namespace made ahead by the placed child, as `ahead` (the
// default confinement when the child was placed) describes it. True when all of it is in
// force; otherwise the child is back in the worker's namespace and the run makes its own.
bool premake_mount_ns(const sandbox::ChildConfinement* ahead) {
    if (!ahead || !ahead->new_mount_ns) return false;
    const int worker = ::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
    if (worker < 0) return false;
    if (worker != kWorkerMountNs && (::dup3(worker, kWorkerMountNs, O_CLOEXEC) != kWorkerMountNs || ::close(worker) != 0))
        ::_exit(127);
    if (make_mount_ns(*ahead, false) < 0) return true;
    if (::setns(kWorkerMountNs, CLONE_NEWNS) != 0) ::_exit(127);
    return false;
}

// The namespace made ahead fits a run that asks for exactly it, from the same read of
// the worker's mount table (nothing was mounted or unmounted since it was made).
bool same_mount_ns(const sandbox::ChildConfinement& ahead, const sandbox::ChildConfinement& run) {
    if (!run.new_mount_ns || run.private_shm != ahead.private_shm || run.mount_table != ahead.mount_table ||
        !ahead.readonly_mounts || !run.readonly_mounts)
        return false;
    std::size_t i = 0;
    for (; ahead.readonly_mounts[i]; ++i)
        if (!run.readonly_mounts[i] || std::strcmp(ahead.readonly_mounts[i], run.readonly_mounts[i]) != 0 ||
            ahead.readonly_flags[i] != run.readonly_flags[i])
            return false;
    return !run.readonly_mounts[i];
}

// The run's working directory, an fd of the worker's namespace (fchdir to it would stand
// on the worker's mounts, out of this namespace), entered again by its path in here,
// where it must be the very same directory.
bool enter_cwd_here(int cwd_fd) {
    char link[32] = "/proc/self/fd/", path[PATH_MAX];
    write_pid_value(link + 14, cwd_fd);  // plain decimal: /proc takes no leading zeros
    const ssize_t n = ::readlink(link, path, sizeof path - 1);
    if (n <= 0 || path[0] != '/') return false;
    path[n] = '\0';
    struct stat wanted {}, here {};
    return ::fstat(cwd_fd, &wanted) == 0 && ::chdir(path) == 0 && ::stat(".", &here) == 0 &&
           wanted.st_dev == here.st_dev && wanted.st_ino == here.st_ino;
}

// The run's mount namespace: the one made ahead when it fits, else (back in the worker's
// namespace, the working directory taken there again) as without one. It was taken
// before the spec came, so the cwd is entered after the namespace, never before.
void enter_run_mount_ns(const sandbox::ChildConfinement& run, const sandbox::ChildConfinement* ahead, bool premade,
                        int cwd_fd, int error_fd) {
    if (premade && same_mount_ns(*ahead, run) && enter_cwd_here(cwd_fd)) return;
    if (premade && ::setns(kWorkerMountNs, CLONE_NEWNS) != 0) fail(error_fd, kMountns);
    if (::fchdir(cwd_fd) != 0) fail(error_fd, kCwd);
    if (run.new_mount_ns) enter_mount_ns(run, false, error_fd);
}

// The placed child: joins the cgroups now (the migration happens here, ahead of any
// run), makes the mount namespace of `ahead` when given, keeps nothing of its parent's
// but the socket (and a way back to its parent's mount namespace), says so, and waits.
[[noreturn]] void wait_placed(const sandbox::ChildSetup& setup, const sandbox::ChildConfinement* ahead, int socket,
                              pid_t parent) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    for (int fd : setup.procs_fds)
        if (::write(fd, "0", 1) != 1) ::_exit(127);
    if (setup.clone_into_procs_fd >= 0 && ::write(setup.clone_into_procs_fd, "0", 1) != 1) ::_exit(127);
    if (socket != kPlacedSocket && ::dup3(socket, kPlacedSocket, O_CLOEXEC) != kPlacedSocket) ::_exit(127);
    // After joining the leaves, so that its cgroup namespace is rooted at them.
    const bool premade = premake_mount_ns(ahead);
    ::syscall(SYS_close_range, (premade ? kWorkerMountNs : kPlacedSocket) + 1U, ~0U, 0U);
    if (::write(kPlacedSocket, "P", 1) != 1) ::_exit(127);
    Spec spec;
    if (!receive_spec(kPlacedSocket, spec)) ::_exit(127);
    // It waited with its parent's signals blocked: one that came meanwhile (a terminal's
    // signal to the daemon's process group) was not meant for this run's hook.
    sigset_t all;
    sigfillset(&all);
    const timespec now{0, 0};
    while (::sigtimedwait(&all, nullptr, &now) > 0) {
    }
    ::umask(static_cast<mode_t>(spec.umask & 0777));
    for (int r = 0; r < RLIM_NLIMITS; ++r)
        if (::setrlimit(static_cast<__rlimit_resource>(r), &spec.limits[r]) != 0) fail(spec.error_fd, 3);
    // The root hook's namespaces now rather than in child(), so that the parent can hold
    // the new mount namespace (as spawn() does for one made by clone: its teardown then
    // comes after the answer, not on the exit path of the hook).
    enter_run_mount_ns(spec.confine, ahead, premade, spec.cwd_fd, spec.error_fd);
    ::close(spec.cwd_fd);
    if (premade) ::close(kWorkerMountNs);
    if (spec.confine.new_mount_ns) {
        spec.confine.new_mount_ns = false;
        send_fd(kPlacedSocket, ::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC));
    }
    const sandbox::ChildSetup joined;  // nothing left to join
    Started placed;  // in its cgroups already; namespaces made above, no PID namespace (ready.h)
    placed.pid = 0;
    placed.in_cgroup = true;
    child(spec.path, spec.argv.data(), spec.envp.data(), spec.stdio, joined, &spec.confine, placed, parent,
          spec.error_fd);
}

// Notices (a non-fatal step that did not work), then at most one failure, then EOF at exec.
void read_child_report(int error_fd, sandbox::ChildConfinement* confine, SpawnResult& result) {
    for (;;) {
        ChildFailure failure{};
        ssize_t n;
        do {
            n = ::read(error_fd, &failure, sizeof failure);
        } while (n < 0 && errno == EINTR);
        if (n != static_cast<ssize_t>(sizeof failure)) break;
        if (!failure.fatal) {
            if (failure.stage == kExec) result.exec_at_ns = failure.at_ns;
            if (failure.stage == kNetns && confine) confine->netns_error = failure.error;
            if (failure.stage == kLandlock && confine) confine->landlock_error = failure.error;
            if ((failure.stage == kMountns || failure.stage == kCgroupRo || failure.stage == kShm) && confine &&
                !confine->mount_stage) {
                confine->mount_stage = kStages[failure.stage];
                confine->mount_error = failure.error;
            }
            if (failure.stage == kCaps && confine) confine->caps_error = failure.error;
            if (failure.stage == kProc && confine) confine->proc_error = failure.error;
            continue;
        }
        // The child is exiting with 127; the caller reaps it like any other.
        result.error = failure.error;
        result.stage = (failure.stage >= 0 && failure.stage < kStageCount) ? kStages[failure.stage] : "child";
        break;
    }
}

}  // namespace

SpawnResult spawn(const std::string& path, char* const argv[], char* const envp[], const int stdio[3],
                  const sandbox::ChildSetup& setup, sandbox::ChildConfinement* confine, sandbox::PlacedChild placed) {
    SpawnResult result;
    int error_pipe[2];
    if (::pipe2(error_pipe, O_CLOEXEC) != 0) {
        result.error = errno;
        result.stage = "pipe";
        return result;
    }
    pid_t parent = ::getpid();
    Started started = placed.pid > 0 ? wake_placed(placed, path, argv, envp, stdio, confine, error_pipe[1])
                                     : start_child(setup, confine && confine->new_mount_ns, confine);
    const pid_t pid = started.pid;
    if (pid == 0) child(path, argv, envp, stdio, setup, confine, started, parent, error_pipe[1]);
    if (confine && confine->new_pid_ns && !started.pid_ns) confine->pidns_error = started.pidns_error;
    ::close(error_pipe[1]);
    // The last reference to a mount namespace costs an RCU grace period (milliseconds)
    // when it goes. Held from here (and then by the guardian), it goes after the answer
    // instead of on the exit path of the hook's last process, which we wait for.
    if (pid > 0 && started.ns_at_clone)
        result.mount_ns_fd = ::open(("/proc/" + std::to_string(pid) + "/ns/mnt").c_str(), O_RDONLY | O_CLOEXEC);
    if (started.mount_ns_fd >= 0) result.mount_ns_fd = started.mount_ns_fd;
    if (pid < 0) {
        result.error = errno;
        result.stage = placed.pid > 0                                  ? "placed"
                       : confine && confine->new_pid_ns && !started.pid_ns ? "pidns"
                                                                           : "fork";
        ::close(error_pipe[0]);
        return result;
    }
    result.pid = pid;
    read_child_report(error_pipe[0], confine, result);
    ::close(error_pipe[0]);
    return result;
}

sandbox::PlacedChild place_child(const sandbox::ChildSetup& setup, const sandbox::ChildConfinement* ahead) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return {};
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(pair[0]);
        wait_placed(setup, ahead, pair[1], parent);
    }
    ::close(pair[1]);
    char placed = 0;
    ssize_t n = -1;
    if (pid > 0) do {
            n = ::read(pair[0], &placed, 1);
        } while (n < 0 && errno == EINTR);
    if (n == 1 && placed == 'P') return {pid, pair[0]};
    ::close(pair[0]);
    if (pid > 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }
    return {};
}

}  // namespace hookwarden::process
