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
    // Written by spawn() in the parent: errno of a non-fatal network namespace failure,
    // and of a failed optional Landlock restriction.
    int netns_error = 0;
    int landlock_error = 0;
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
};

// Builds the confinement of one run from the resolved policy and the environment the hook
// would otherwise inherit.
std::unique_ptr<Prepared> prepare(const SandboxConfig& config, char* const* environment);

// Glob match of an environment variable name (fnmatch: *, ?, [...]), case-sensitive.
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
