// Starts the hook: fork (or clone3 straight into its cgroup), enter the sandbox, wire
// fds 0/1/2, exec. Everything between fork and exec is async-signal-safe: the child
// touches no heap, no locks, no stdio.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sandbox/confine.h"
#include "sandbox/sandbox.h"

namespace hookwarden::process {

struct SpawnResult {
    int pid = -1;
    int error = 0;            // errno of the failed step, 0 on success
    const char* stage = "";  // which step failed: "lookup", "cgroup", "exec", ...
    int mount_ns_fd = -1;    // the root hook's mount namespace, held open (the caller closes it)
    std::int64_t exec_at_ns = 0;  // CLOCK_MONOTONIC just before the child's execve (0: not reached)
};

// PATH lookup done in the parent, so the child calls only execve.
// Returns the path to execute, or "" with errno-style `error` (ENOENT, EACCES).
std::string resolve_executable(const std::string& name, int& error);

// `argv`/`envp` are NULL-terminated. `stdio` are the fds that become 0, 1, 2.
// `confine` (optional): namespaces, no_new_privs, Landlock and the environment, applied
// last before exec; its `envp`, when set, replaces `envp`. Its netns_error is set here.
// `placed` (optional, from place_child): that child becomes the hook instead of a new one;
// `setup` is then already done.
SpawnResult spawn(const std::string& path, char* const argv[], char* const envp[], const int stdio[3],
                  const sandbox::ChildSetup& setup, sandbox::ChildConfinement* confine = nullptr,
                  sandbox::PlacedChild placed = {});

// Forks a child that joins the cgroups of `setup` now, off any run's path, and waits to be
// told what to exec (serve's ready pool; Sandbox::place). {-1, -1} when it could not.
// `ahead` (optional): the confinement a run here most likely has; its mount namespace is
// made now, and a run whose confinement asks for exactly it, from the same read of the
// mount table, takes it as it is; any other run gets its own at the run, as without.
sandbox::PlacedChild place_child(const sandbox::ChildSetup& setup, const sandbox::ChildConfinement* ahead = nullptr);

}  // namespace hookwarden::process
