#include "sandbox/confine.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <functional>
#include <string_view>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/landlock.h>

#include "util/fd.h"
#include "util/fs.h"
#include "util/proc_tree.h"

namespace hookwarden::sandbox {

namespace {

// Debian 12's headers (6.1) predate the truncate right (ABI 3, kernel 6.2).
constexpr std::uint64_t kTruncate = 1ULL << 14;
constexpr std::uint64_t kRefer = 1ULL << 13;

// struct landlock_ruleset_attr as of ABI 6. Passed with the size of the fields this
// kernel knows (8 bytes before ABI 4), since an older kernel refuses a larger struct.
struct RulesetAttr {
    std::uint64_t handled_access_fs = 0;
    std::uint64_t handled_access_net = 0;
    std::uint64_t scoped = 0;
};
// ABI 6 (kernel 6.12): signals may only be sent to processes of the same Landlock domain
// or one nested in it. Debian 12's headers predate it.
constexpr std::uint64_t kScopeSignal = 1ULL << 1;
constexpr int kScopeAbi = 6;

long create_ruleset(int abi, const RulesetAttr& attr) {
    const std::size_t size = abi >= kScopeAbi ? sizeof attr : abi >= 4 ? 2 * sizeof(std::uint64_t) : sizeof(std::uint64_t);
    return ::syscall(SYS_landlock_create_ruleset, &attr, size, 0);
}

std::uint64_t handled_writes(int abi) {
    std::uint64_t rights = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
                           LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
                           LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
                           LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
    if (abi >= 2) rights |= kRefer;
    if (abi >= 3) rights |= kTruncate;
    return rights;
}

std::string errno_text(int error) { return std::strerror(error); }

// Adds "writes allowed beneath `path`" to the ruleset. Files get the file rights only.
bool allow_beneath(int ruleset, const std::string& path, std::uint64_t handled, std::string& why) {
    int fd = ::open(path.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) {
        why = errno_text(errno);
        return false;
    }
    struct stat st {};
    ::fstat(fd, &st);
    landlock_path_beneath_attr rule{};
    rule.allowed_access = S_ISDIR(st.st_mode) ? handled : handled & (LANDLOCK_ACCESS_FS_WRITE_FILE | kTruncate);
    rule.parent_fd = fd;
    long rc = ::syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
    int error = errno;
    ::close(fd);
    if (rc != 0) {
        why = errno_text(error);
        return false;
    }
    return true;
}

}  // namespace

Prepared::~Prepared() {
    if (child.landlock_fd >= 0) ::close(child.landlock_fd);
}

void Prepared::finish() {
    if (child.new_mount_ns && child.mount_stage) {
        const std::string stage = child.mount_stage;
        if (stage != "dev-shm") report.cgroupfs = "host";
        report.dev_shm = "host";
        report.notes.push_back("mount namespace incomplete: " + stage + ": " + errno_text(child.mount_error) +
                               (stage == "dev-shm" ? "; /dev/shm is the host's" : "; the cgroup filesystem is writable"));
    }
    if (child.drop_cap_sys_admin && child.caps_error != 0) {
        report.cap_sys_admin = "kept";
        report.notes.push_back("CAP_SYS_ADMIN not dropped: " + errno_text(child.caps_error));
    }
    if (child.new_pid_ns && child.pidns_error != 0) {
        report.pid_namespace = "host";
        report.unavailable.push_back("pid_namespace: could not create a PID namespace (" + errno_text(child.pidns_error) +
                                     "); ran in the host's");
    } else if (child.new_pid_ns && child.proc_error != 0) {
        report.notes.push_back("PID namespace without its own /proc (" + errno_text(child.proc_error) +
                               "): the hook sees the host's processes but cannot signal them");
    }
    if (child.landlock_error != 0) {
        report.signals = "unscoped";
        report.notes.push_back(std::string("signals not scoped: landlock_restrict_self: ") + errno_text(child.landlock_error));
    }
    if (child.new_netns && child.netns_error != 0) {
        report.network = "host";
        report.unavailable.push_back("network none: could not create a network namespace (" +
                                     errno_text(child.netns_error) + "); ran with the host network");
    }
}

bool env_name_matches(const std::string& pattern, const std::string& name) {
    return ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

std::vector<std::string> filter_env(char* const* environment, const std::vector<std::string>& allow,
                                    const std::vector<std::string>& scrub, std::int64_t& removed) {
    std::vector<std::string> out;
    removed = 0;
    auto any = [](const std::vector<std::string>& patterns, const std::string& name) {
        for (const auto& p : patterns)
            if (env_name_matches(p, name)) return true;
        return false;
    };
    for (char* const* e = environment; e && *e; ++e) {
        std::string entry = *e;
        std::string name = entry.substr(0, entry.find('='));
        bool keep = (allow.empty() || any(allow, name)) && !any(scrub, name);
        if (keep) out.push_back(std::move(entry));
        else ++removed;
    }
    return out;
}

bool expand_path(const std::string& pattern, std::string& out, std::string& unset) {
    out.clear();
    for (std::size_t i = 0; i < pattern.size();) {
        if (pattern[i] != '$') {
            out += pattern[i++];
            continue;
        }
        std::size_t start = i + 1;
        bool braced = start < pattern.size() && pattern[start] == '{';
        if (braced) ++start;
        std::size_t end = start;
        while (end < pattern.size() && (std::isalnum(static_cast<unsigned char>(pattern[end])) || pattern[end] == '_'))
            ++end;
        std::string name = pattern.substr(start, end - start);
        if (name.empty() || (braced && (end >= pattern.size() || pattern[end] != '}'))) {
            out += pattern[i++];  // not a variable reference: keep the '$' literally
            continue;
        }
        const char* value = std::getenv(name.c_str());
        if (!value || !*value) {
            unset = name;
            return false;
        }
        out += value;
        i = braced ? end + 1 : end;
    }
    return true;
}

int landlock_abi(std::string* why) {
    long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi > 0) return static_cast<int>(abi);
    if (why) {
        if (errno == ENOSYS) *why = "this kernel was built without Landlock (CONFIG_SECURITY_LANDLOCK)";
        else if (errno == EOPNOTSUPP) *why = "Landlock is built in but not enabled (add landlock to the lsm= boot parameter)";
        else *why = "landlock_create_ruleset: " + errno_text(errno);
    }
    return 0;
}

namespace {

std::string unescape_mountinfo(const std::string& field) {
    std::string out;
    for (std::size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size() && std::isdigit(static_cast<unsigned char>(field[i + 1]))) {
            out += static_cast<char>(std::stoi(field.substr(i + 1, 3), nullptr, 8));
            i += 3;
        } else {
            out += field[i];
        }
    }
    return out;
}

unsigned long mount_flags(const std::string& options) {
    unsigned long flags = 0;
    std::size_t start = 0;
    while (start <= options.size()) {
        std::size_t comma = options.find(',', start);
        if (comma == std::string::npos) comma = options.size();
        const std::string option = options.substr(start, comma - start);
        if (option == "nosuid") flags |= MS_NOSUID;
        if (option == "nodev") flags |= MS_NODEV;
        if (option == "noexec") flags |= MS_NOEXEC;
        if (option == "relatime") flags |= MS_RELATIME;
        if (option == "noatime") flags |= MS_NOATIME;
        start = comma + 1;
    }
    return flags;
}

}  // namespace

static_assert(std::char_traits<char>::length(kPidnsPrefix) == kPidnsPrefixLength);

bool inside_outer_pid_namespace() {
    // Decided once, before this process puts its own pid in the variable for its hook.
    // "pidns:<inode>" counts only in that very namespace (the outer supervisor, which set
    // it, is not visible from in there), so a leaked variable names no other.
    static const bool nested = [] {
        const char* value = std::getenv(kSupervisorPidEnv);
        const std::size_t prefix = std::strlen(kPidnsPrefix);
        if (!value || std::strncmp(value, kPidnsPrefix, prefix) != 0) return false;
        struct stat own {};
        return ::stat("/proc/self/ns/pid", &own) == 0 && std::strtoull(value + prefix, nullptr, 10) == own.st_ino;
    }();
    return nested;
}

bool inside_hookwarden_run() {
    static const bool nested = [] {
        const char* value = std::getenv(kSupervisorPidEnv);
        return value && *value && (inside_outer_pid_namespace() || proc_tree::is_ancestor(std::atoi(value)));
    }();
    return nested;
}

namespace {

// "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS",
// split in place (a stream per line cost more than the rest of the confinement).
std::vector<std::pair<std::string, unsigned long>> parse_cgroup_mounts(std::string_view rest) {
    std::vector<std::pair<std::string, unsigned long>> mounts;
    while (!rest.empty()) {
        const std::size_t end = std::min(rest.find('\n'), rest.size());
        std::string_view line = rest.substr(0, end);
        rest.remove_prefix(std::min(end + 1, rest.size()));
        std::vector<std::string_view> fields;
        for (std::size_t at = 0; at < line.size();) {
            const std::size_t space = std::min(line.find(' ', at), line.size());
            if (space > at) fields.push_back(line.substr(at, space - at));
            at = space + 1;
        }
        const auto dash = std::find(fields.begin() + std::min<std::size_t>(6, fields.size()), fields.end(), "-");
        if (fields.size() < 6 || dash == fields.end() || dash + 1 == fields.end()) continue;
        if (dash[1] == "cgroup" || dash[1] == "cgroup2")
            mounts.emplace_back(unescape_mountinfo(std::string(fields[4])), mount_flags(std::string(fields[5])));
    }
    return mounts;
}

// The last table read, and an open /proc/self/mountinfo that polls POLLPRI once any mount
// or unmount happened in its namespace since (proc(5)): reading the table costs more than
// the rest of a root run's confinement, and it seldom changes. Per process and mount
// namespace: a forked child shares the open file, and one process's poll would take the
// change from the other.
struct MountTable {
    pid_t pid = 0;
    ino_t namespace_inode = 0;
    UniqueFd watch;
    std::vector<std::pair<std::string, unsigned long>> cgroup_mounts;
};

bool unchanged(const MountTable& table, pid_t pid, ino_t namespace_inode) {
    if (!table.watch || table.pid != pid || table.namespace_inode != namespace_inode) return false;
    pollfd changed{table.watch.get(), POLLPRI, 0};
    return ::poll(&changed, 1, 0) == 0;
}

std::uint64_t g_mount_table_reads = 0;

}  // namespace

std::uint64_t mount_table_read() { return g_mount_table_reads; }

std::vector<std::pair<std::string, unsigned long>> cgroup_mounts() {
    static MountTable table;
    struct stat ns {};
    const bool known_ns = ::stat("/proc/self/ns/mnt", &ns) == 0;
    if (known_ns && unchanged(table, ::getpid(), ns.st_ino)) return table.cgroup_mounts;
    // Watched from before the read: a change while reading shows at the next poll.
    table = MountTable{};
    ++g_mount_table_reads;
    UniqueFd watch(::open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC));
    const auto text = fs::read_file("/proc/self/mountinfo");
    if (!text) return {};
    auto mounts = parse_cgroup_mounts(*text);
    if (known_ns && watch) table = MountTable{::getpid(), ns.st_ino, std::move(watch), mounts};
    return mounts;
}

namespace {

// Environment: built here, so the child only hands a ready array to execve. Built also
// when nothing is filtered but the hook gets a PID namespace: its supervisor entry is
// then "pidns:" and a slot for the namespace's inode, which the child fills in.
void prepare_env(const SandboxConfig& config, char* const* environment, Prepared& p,
                 std::vector<std::string>& env, std::vector<char*>& envp) {
    const bool pid_ns = p.child.new_pid_ns;
    if (config.env_allow.empty() && config.env_scrub.empty() && !pid_ns) return;
    env = filter_env(environment, config.env_allow, config.env_scrub, p.report.env_scrubbed);
    // Not the agent's: a nested hookwarden needs it whatever the filter lets through.
    const std::string key = std::string(kSupervisorPidEnv) + "=";
    std::erase_if(env, [&](const std::string& entry) { return entry.starts_with(key); });
    if (pid_ns) env.push_back(key + kPidnsPrefix + std::string(kPidnsDigits, '0'));
    else if (const char* supervisor = std::getenv(kSupervisorPidEnv)) env.push_back(key + supervisor);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    p.child.envp = envp.data();
    if (pid_ns) p.child.pidns_inode_digits = env.back().data() + env.back().size() - kPidnsDigits;
}

// The hook as pid 1 of its own PID namespace (policy pid_namespace). A non-root
// supervisor needs a user namespace for it, in which the hook keeps its uid and gid and,
// not being uid 0 there, comes out of execve without capabilities.
void prepare_pid_namespace(const SandboxConfig& config, bool root, Prepared& p) {
    if (!config.pid_namespace) return;
    if (inside_outer_pid_namespace()) {
        p.report.pid_namespace = "outer-run";
        p.report.notes.push_back("nested in another hookwarden run: its PID namespace holds this hook too");
        return;
    }
    p.child.new_pid_ns = true;
    p.child.pidns_optional = !config.refuse_unavailable;
    p.child.pidns_userns = !root;
    if (!root) {
        std::snprintf(p.child.uid_map, sizeof p.child.uid_map, "%u %u 1\n", ::geteuid(), ::geteuid());
        std::snprintf(p.child.gid_map, sizeof p.child.gid_map, "%u %u 1\n", ::getegid(), ::getegid());
    }
    p.report.pid_namespace = "private";  // finish() takes it back if the child could not
}

void prepare_network(const SandboxConfig& config, bool root, Prepared& p) {
    if (config.network != NetworkMode::none) return;
    p.child.new_netns = true;
    p.child.netns_optional = !config.refuse_unavailable;
    if (!root) {
        // Unprivileged: a user namespace in which the hook keeps its own uid and gid
        // (one-line maps the child writes for itself), owning the new network namespace.
        p.child.new_userns = true;
        std::snprintf(p.child.uid_map, sizeof p.child.uid_map, "%u %u 1\n", ::geteuid(), ::geteuid());
        std::snprintf(p.child.gid_map, sizeof p.child.gid_map, "%u %u 1\n", ::getegid(), ::getegid());
    }
    p.report.network = "none";  // finish() takes it back if the child could not
}

// The writable paths of a read-only filesystem, expanded; what cannot be is noted.
std::vector<std::string> writable_paths(const SandboxConfig& config, Confinement& report) {
    std::vector<std::string> paths;
    for (const auto& entry : config.writable) {
        std::string path, unset;
        if (!expand_path(entry, path, unset)) {
            report.notes.push_back("writable \"" + entry + "\" dropped: $" + unset + " is unset or empty");
        } else if (path.empty() || path[0] != '/') {
            report.notes.push_back("writable \"" + entry + "\" dropped: \"" + path + "\" is not absolute");
        } else {
            paths.push_back(path);
        }
    }
    // /dev/null is always writable: `> /dev/null` is not a write anyone means to forbid.
    paths.push_back("/dev/null");
    return paths;
}

// One Landlock ruleset for the hook: writes only beneath `writable` when the policy asks
// for a read-only filesystem, and, where the kernel has it, signals scoped to the hook's
// own tree whatever the policy says — a hook must not be able to kill or stop its
// supervisor or guardian (docs/security.md). Returns whether a ruleset was made.
bool prepare_landlock(const SandboxConfig& config, bool root, Prepared& p,
                      const std::function<void(const std::string&)>& unavailable) {
    std::string why;
    const int abi = landlock_abi(&why);
    // Without no_new_privs only a root supervisor may restrict the hook.
    const bool scope = abi >= kScopeAbi && (root || config.no_new_privs);
    if (config.read_only && abi <= 0) unavailable("filesystem read_only: " + why);
    if (!scope && !(config.read_only && abi > 0)) return false;
    RulesetAttr attr;
    if (config.read_only && abi > 0) attr.handled_access_fs = handled_writes(abi);
    if (scope) attr.scoped = kScopeSignal;
    long fd = create_ruleset(abi, attr);
    if (fd < 0) {
        if (config.read_only) unavailable("filesystem read_only: landlock_create_ruleset: " + errno_text(errno));
        return false;
    }
    p.child.landlock_fd = static_cast<int>(fd);
    p.child.landlock_optional = attr.handled_access_fs == 0;  // signal scoping alone never stops a hook
    if (scope) p.report.signals = "scoped-landlock-abi-" + std::to_string(abi);
    if (attr.handled_access_fs == 0) return true;
    for (const auto& path : writable_paths(config, p.report)) {
        std::string failed;
        if (allow_beneath(p.child.landlock_fd, path, attr.handled_access_fs, failed)) p.report.writable.push_back(path);
        else p.report.notes.push_back("writable \"" + path + "\" dropped: " + failed);
    }
    p.report.filesystem = "landlock-abi-" + std::to_string(abi);
    return true;
}

// A root hook's view of the system (docs/security.md): its own cgroup namespace (a
// cgroupfs it mounts shows only its leaf cgroup), a mount namespace in which every cgroup
// mount is read-only and /dev/shm is a tmpfs of its own, an IPC namespace (SysV shared
// memory dies with it), and no CAP_SYS_ADMIN to undo any of that. A non-root hook cannot
// write the root-owned cgroup filesystem anyway, and gets none of this.
void prepare_mounts(const SandboxConfig& config, bool root, Prepared& p, std::vector<std::string>& mounts,
                    std::vector<const char*>& pointers, std::vector<unsigned long>& flags) {
    if (!root) {
        p.report.cap_sys_admin = "not-root";
        return;
    }
    if (inside_hookwarden_run()) {
        // Its namespaces and read-only cgroup filesystem are the outer run's, and it has
        // no CAP_SYS_ADMIN left to make namespaces of its own.
        p.report.cgroupfs = p.report.dev_shm = "outer-run";
        p.report.cap_sys_admin = ::prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) == 1 ? "kept" : "dropped";
        p.report.notes.push_back("nested in another hookwarden run: its namespaces hold this hook too");
        return;
    }
    p.child.new_mount_ns = true;
    for (auto& [point, mount_flags] : cgroup_mounts()) {
        mounts.push_back(point);
        flags.push_back(mount_flags);
    }
    p.child.mount_table = mount_table_read();
    for (const auto& point : mounts) pointers.push_back(point.c_str());
    pointers.push_back(nullptr);
    p.child.readonly_mounts = pointers.data();
    p.child.readonly_flags = flags.data();
    struct stat shm {};
    p.child.private_shm = ::stat("/dev/shm", &shm) == 0 && S_ISDIR(shm.st_mode);
    p.report.cgroupfs = "read-only";  // finish() takes it back if the child could not
    if (p.child.private_shm) p.report.dev_shm = "private";
    if (config.keep_cap_sys_admin) {
        p.report.notes.push_back("CAP_SYS_ADMIN kept (policy keep_cap_sys_admin): the hook can undo its mount namespace");
        return;
    }
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (::syscall(SYS_capget, &header, data) == 0) {
        p.child.inheritable_without_sys_admin[0] = data[0].inheritable & ~(1U << CAP_SYS_ADMIN);
        p.child.inheritable_without_sys_admin[1] = data[1].inheritable;
    }
    p.child.drop_cap_sys_admin = true;
    p.report.cap_sys_admin = "dropped";
}

}  // namespace

std::unique_ptr<Prepared> prepare(const SandboxConfig& config, char* const* environment) {
    auto p = std::make_unique<Prepared>();
    auto unavailable = [&](const std::string& what) {
        p->report.unavailable.push_back(what);
        if (config.refuse_unavailable && p->refusal.empty()) p->refusal = what;
    };
    const bool root = ::geteuid() == 0;
    prepare_network(config, root, *p);
    prepare_pid_namespace(config, root, *p);
    prepare_env(config, environment, *p, p->env_, p->envp_);
    prepare_mounts(config, root, *p, p->mounts_, p->mount_ptrs_, p->mount_flags_);
    const bool landlock = prepare_landlock(config, root, *p, unavailable);
    // landlock_restrict_self needs no_new_privs unless the caller has CAP_SYS_ADMIN.
    p->child.no_new_privs = config.no_new_privs || (landlock && !root);
    if (p->child.no_new_privs && !config.no_new_privs)
        p->report.notes.push_back("no_new_privs set anyway: Landlock requires it for a non-root supervisor");
    p->report.no_new_privs = p->child.no_new_privs;
    return p;
}

NamespaceSupport probe_namespaces() {
    NamespaceSupport result;
    auto attempt = [](int flags) -> int {
        pid_t pid = ::fork();
        if (pid == 0) ::_exit(::unshare(flags) == 0 ? 0 : (errno & 0x7f));
        if (pid < 0) return errno;
        int status = 0;
        ::waitpid(pid, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : EINVAL;
    };
    bool root = ::geteuid() == 0;
    int user_error = attempt(CLONE_NEWUSER);
    result.userns = user_error == 0;
    result.userns_why = result.userns ? "unshare(CLONE_NEWUSER) works for this user"
                                      : "unshare(CLONE_NEWUSER): " + errno_text(user_error) +
                                            " (see /proc/sys/user/max_user_namespaces, kernel.unprivileged_userns_clone, "
                                            "AppArmor's restrict_unprivileged_userns)";
    int net_error = attempt(root ? CLONE_NEWNET : CLONE_NEWNET | CLONE_NEWUSER);
    result.netns = net_error == 0;
    std::string how = root ? "unshare(CLONE_NEWNET) as root" : "unshare(CLONE_NEWUSER|CLONE_NEWNET) unprivileged";
    result.netns_why = result.netns ? how + " works" : how + ": " + errno_text(net_error);
    return result;
}

}  // namespace hookwarden::sandbox
