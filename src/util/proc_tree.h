// Finding a process tree without a cgroup: walk /proc for the descendants of a pid.
// Only the `none` backend needs it, and only when something must be signalled.
#pragma once

namespace hookwarden::proc_tree {

// Sends `sig` to every descendant of `root` (not `root` itself); returns how many.
long signal_descendants(int root, int sig);

// Whether `pid` is this process's parent, grandparent, ... (/proc/PID/stat, up to init).
bool is_ancestor(int pid);

}  // namespace hookwarden::proc_tree
