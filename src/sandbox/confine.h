// Confinement of one hook beyond its cgroup limits (docs/sandbox.md): network namespace,
// Landlock write restrictions, a filtered environment and no_new_privs.
//
// Everything that allocates, reads the environment or opens paths happens here, in the
// parent, before the fork: the envp array, the uid/gid map lines, the Landlock ruleset
// with its rules. The child (spawn.cpp) only runs a few syscalls on the plain data of
// ChildConfinement: unshare, a loopback ioctl, prctl, landlock_restrict_self.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hookwarden/policy_types.h"
#include "hookwarden/run_record.h"

namespace hookwarden::sandbox {

// Plain data the forked child reads between fork and exec. No heap, no locks there.
struct ChildConfinement {
    char* const* envp = nullptr;  // the hook's environment; null = the supervisor's own
    bool new_netns = false;       // unshare(CLONE_NEWNET) and bring `lo` up
    bool new_userns = false;      // unprivileged: the network namespace needs a user namespace
    bool netns_optional = false;  // "unavailable": "run": a failed unshare is reported, not fatal
    char uid_map[64] = {};        // "UID UID 1": the hook keeps its own ids inside the user namespace
    char gid_map[64] = {};
    bool no_new_privs = false;
    int landlock_fd = -1;  // ruleset to enforce with landlock_restrict_self, or -1
    bool landlock_optional = false;  // only signal scoping: a failed restrict is reported, not fatal
    // Root only (docs/security.md): own cgroup, mount and IPC namespaces, mount
    // propagation to the host cut, every cgroup mount read-only, a private /dev/shm.
    bool new_mount_ns = false;
    const char* const* readonly_mounts = nullptr;  // null-terminated mount points
    const unsigned long* readonly_flags = nullptr;  // their MS_* flags, for the remount fallback
    bool private_shm = false;
    // Which read of this process's mount table (mount_table_read()) readonly_mounts come
    // from: the same number later means that nothing was mounted or unmounted between.
    std::uint64_t mount_table = 0;
    // Root only: CAP_SYS_ADMIN out of the bounding, inheritable and ambient sets before exec.
    bool drop_cap_sys_admin = false;
    std::uint32_t inheritable_without_sys_admin[2] = {};  // capset data, prepared by the parent
    // Policy pid_namespace (docs/sandbox.md): clone3 with CLONE_NEWPID, so the hook is pid 1
    // of a namespace of its own, and /proc mounted again in its mount namespace. A non-root
    // supervisor adds CLONE_NEWUSER | CLONE_NEWNS (the maps are uid_map/gid_map above).
    bool new_pid_ns = false;
    bool pidns_optional = false;  // "unavailable": "run": without CLONE_NEWPID, reported
    bool pidns_userns = false;
    // Twenty '0's in the hook's HOOKWARDEN_SUPERVISOR_PID=pidns:<inode> entry, which the
    // child overwrites with its PID namespace's inode: a nested hookwarden checks it
    // (inside_hookwarden_run), since the supervisor's pid means nothing in there.
    char* pidns_inode_digits = nullptr;
    // Written by spawn() in the parent: errno of a non-fatal network namespace failure,
    // and of a failed optional Landlock restriction.
    int netns_error = 0;
    int landlock_error = 0;
    // The first failed step of the mount namespace ("mountns", "cgroupfs-ro", "dev-shm")
    // and of the capability drop, with its errno; the steps after it were not taken.
    const char* mount_stage = nullptr;
    int mount_error = 0;
    int caps_error = 0;
    int pidns_error = 0;  // the clone with CLONE_NEWPID failed; the hook ran in the host's
    int proc_error = 0;   // /proc could not be mounted again: the hook sees the host's pids
};

// The parent's side: owns the envp strings and the ruleset fd; says what will be in force.
class Prepared {
public:
    Prepared() = default;
    ~Prepared();
    Prepared(const Prepared&) = delete;
    Prepared& operator=(const Prepared&) = delete;

    ChildConfinement child;
    Confinement report;   // what the record says (finish() corrects it after the spawn)
    std::string refusal;  // non-empty: a requested confinement is unavailable and the policy refuses

    // After spawn: a network namespace the child could not create is no longer claimed.
    void finish();

private:
    friend std::unique_ptr<Prepared> prepare(const SandboxConfig&, char* const* environment);
    std::vector<std::string> env_;  // what child.envp points into
    std::vector<char*> envp_;
    std::vector<std::string> mounts_;  // what child.readonly_mounts points into
    std::vector<const char*> mount_ptrs_;
    std::vector<unsigned long> mount_flags_;
};

// Builds the confinement of one run from the resolved policy and the environment the hook
// would otherwise inherit.
std::unique_ptr<Prepared> prepare(const SandboxConfig& config, char* const* environment);

// Glob match of an environment variable name (fnmatch: *, ?, [...]), case-sensitive.
// The variable a supervisor puts in its hook's environment: its own pid. A hookwarden
// started by a hook (nested) finds it and checks that pid is its ancestor.
inline constexpr const char* kSupervisorPidEnv = "HOOKWARDEN_SUPERVISOR_PID";
// Whether this process runs inside another hookwarden run's hook tree (docs/security.md):
// the outer run's cgroups, namespaces and guardian already hold the whole tree.
bool inside_hookwarden_run();
// Whether that outer run gave its hook a PID namespace (the variable is "pidns:<inode>").
bool inside_outer_pid_namespace();
inline constexpr const char* kPidnsPrefix = "pidns:";
inline constexpr int kPidnsPrefixLength = 6;
inline constexpr int kPidnsDigits = 20;

// The mount points of every cgroup and cgroup2 filesystem this process sees
// (/proc/self/mountinfo), each with its MS_* flags. Read again only after the kernel
// says the mount table changed (a kept mountinfo fd polls it): the first call of a
// process reads, later ones cost a poll while nothing was mounted or unmounted.
std::vector<std::pair<std::string, unsigned long>> cgroup_mounts();
// How many times this process has read its mount table (cgroup_mounts()): unchanged while
// the table is, so a namespace made from an earlier read with this number is current.
std::uint64_t mount_table_read();

bool env_name_matches(const std::string& pattern, const std::string& name);
// The entries of `environment` (KEY=VALUE) the hook gets: those whose name matches an
// `allow` pattern (all when `allow` is empty) and no `scrub` pattern. `removed` counts the rest.
std::vector<std::string> filter_env(char* const* environment, const std::vector<std::string>& allow,
                                    const std::vector<std::string>& scrub, std::int64_t& removed);
// Expands $NAME and ${NAME} from the process environment. Returns false (and the name in
// `unset`) when a variable is unset or empty: the entry is then dropped, not guessed.
bool expand_path(const std::string& pattern, std::string& out, std::string& unset);

// The Landlock ABI version of this kernel, or 0 with the reason in `why`.
int landlock_abi(std::string* why = nullptr);

// For doctor: can this user create a network namespace (as root: directly; otherwise
// inside a user namespace), and a user namespace? Tried in a short-lived child.
struct NamespaceSupport {
    bool netns = false;
    std::string netns_why;
    bool userns = false;
    std::string userns_why;
};
NamespaceSupport probe_namespaces();

}  // namespace hookwarden::sandbox
