#include "sandbox/confine.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fnmatch.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/landlock.h>

namespace hookwarden::sandbox {

namespace {

// Debian 12's headers (6.1) predate the truncate right (ABI 3, kernel 6.2).
constexpr std::uint64_t kTruncate = 1ULL << 14;
constexpr std::uint64_t kRefer = 1ULL << 13;

// Only the first field: the kernel accepts the shorter struct of ABI 1 on every ABI, and
// network or scope restrictions are not ours to handle.
struct RulesetAttr {
    std::uint64_t handled_access_fs;
};

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

std::unique_ptr<Prepared> prepare(const SandboxConfig& config, char* const* environment) {
    auto p = std::make_unique<Prepared>();
    Confinement& report = p->report;
    auto unavailable = [&](const std::string& what) {
        report.unavailable.push_back(what);
        if (config.refuse_unavailable && p->refusal.empty()) p->refusal = what;
    };

    // Environment: built here, so the child only hands a ready array to execve.
    if (!config.env_allow.empty() || !config.env_scrub.empty()) {
        p->env_ = filter_env(environment, config.env_allow, config.env_scrub, report.env_scrubbed);
        for (auto& e : p->env_) p->envp_.push_back(e.data());
        p->envp_.push_back(nullptr);
        p->child.envp = p->envp_.data();
    }

    const bool root = ::geteuid() == 0;
    if (config.network == NetworkMode::none) {
        p->child.new_netns = true;
        p->child.netns_optional = !config.refuse_unavailable;
        if (!root) {
            // Unprivileged: a user namespace in which the hook keeps its own uid and gid
            // (one-line maps the child writes for itself), owning the new network namespace.
            p->child.new_userns = true;
            std::snprintf(p->child.uid_map, sizeof p->child.uid_map, "%u %u 1\n", ::geteuid(), ::geteuid());
            std::snprintf(p->child.gid_map, sizeof p->child.gid_map, "%u %u 1\n", ::getegid(), ::getegid());
        }
        report.network = "none";  // finish() takes it back if the child could not
    }

    bool landlock = false;
    if (config.read_only) {
        std::string why;
        int abi = landlock_abi(&why);
        if (abi <= 0) {
            unavailable("filesystem read_only: " + why);
        } else {
            std::uint64_t handled = handled_writes(abi);
            RulesetAttr attr{handled};
            long fd = ::syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
            if (fd < 0) {
                unavailable("filesystem read_only: landlock_create_ruleset: " + errno_text(errno));
            } else {
                p->child.landlock_fd = static_cast<int>(fd);
                // /dev/null is always writable: `> /dev/null` is not a write anyone means to forbid.
                std::vector<std::string> paths;
                for (const auto& entry : config.writable) {
                    std::string path, unset;
                    if (!expand_path(entry, path, unset)) {
                        report.notes.push_back("writable \"" + entry + "\" dropped: $" + unset + " is unset or empty");
                        continue;
                    }
                    if (path.empty() || path[0] != '/') {
                        report.notes.push_back("writable \"" + entry + "\" dropped: \"" + path + "\" is not absolute");
                        continue;
                    }
                    paths.push_back(path);
                }
                paths.push_back("/dev/null");
                for (const auto& path : paths) {
                    std::string failed;
                    if (allow_beneath(p->child.landlock_fd, path, handled, failed)) report.writable.push_back(path);
                    else report.notes.push_back("writable \"" + path + "\" dropped: " + failed);
                }
                report.filesystem = "landlock-abi-" + std::to_string(abi);
                landlock = true;
            }
        }
    }

    // landlock_restrict_self needs no_new_privs unless the caller has CAP_SYS_ADMIN.
    p->child.no_new_privs = config.no_new_privs || (landlock && !root);
    if (p->child.no_new_privs && !config.no_new_privs)
        report.notes.push_back("no_new_privs set anyway: Landlock requires it for a non-root supervisor");
    report.no_new_privs = p->child.no_new_privs;
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
