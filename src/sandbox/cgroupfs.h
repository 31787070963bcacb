// Plain cgroupfs operations shared by the v1 and v2 backends, in the order the kernel
// documentation describes them: find where we are, create, limit, enter, kill, destroy.
//
// Why not libcgroup on this path: cgroup_init() re-parses /proc/mounts on every call
// (~0.8 ms, most of our budget), and libcgroup 2.0.2 has verified defects we would have
// to avoid anyway: cgroup_create_cgroup writes "+ctrl" into every ancestor's
// subtree_control (fails in delegated subtrees; fixed in 3.2.0), cgroup_delete_cgroup
// moves surviving tasks to the parent instead of killing them (escaping the limit), and
// it is not safe in a forked child of a threaded parent. libcgroup is used by `doctor`,
// which reports the mount table it sees.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hookwarden::sandbox::cgroupfs {

inline constexpr const char* kRoot = "/sys/fs/cgroup";

// This process's cgroup path ("/a/b") in the hierarchy holding `controller`
// ("" for the v2 hierarchy), from /proc/self/cgroup; nullopt when not mounted.
std::optional<std::string> own_path(const std::string& controller);

bool is_cgroup2(const std::string& path);
bool is_cgroup1(const std::string& path);

// The name of this supervisor's run cgroup, unique while it lives.
std::string run_name();

// mkdir -p; returns errno or 0.
int make_dirs(const std::string& path);

// Creates this run's cgroup `dir`. One left behind by a dead supervisor that had our pid
// is emptied and reused. Returns false with `error` set.
bool make_run_cgroup(const std::string& dir, std::string& error);
// Writes a control file (a limit); returns false with `error` naming file and value.
bool write_control(const std::string& file, const std::string& value, std::string& error);

std::vector<int> read_pids(const std::string& dir);
// The value of "key N" in a flat-keyed file such as memory.events or cpu.stat.
std::optional<std::int64_t> read_key(const std::string& file, const std::string& key);
std::optional<std::int64_t> read_number(const std::string& file);

// Whether a v2 cgroup still has processes, read through its open cgroup.events fd when
// there is one: kernfs reports POLLPRI on an open file until that same file is read
// again, so reading through the polled fd is what re-arms the notification (a fresh open
// would leave the supervisor's poll ready forever, spinning while a killed tree exits).
bool populated(int events_fd, const std::string& dir);

// Sends `sig` to every pid listed in dir/cgroup.procs; returns how many were listed.
long signal_pids(const std::string& dir, int sig);
// SIGKILLs the whole cgroup: cgroup.kill where the file exists (race-free against forks),
// else repeated signalling until empty (forks are bounded by pids.max).
// Returns how many processes were alive when it started.
long kill_cgroup(const std::string& dir);
// rmdir, retrying briefly while just-killed tasks finish exiting. Returns errno or 0.
int remove_cgroup(const std::string& dir);

// Removes run cgroups under `parent` whose supervisor is gone (docs/run.md, "The guardian"): kills what is
// left in them first, since rmdir on a populated cgroup fails and libcgroup-style
// "move tasks to the parent" would let them escape.
void remove_stale(const std::string& parent);

}  // namespace hookwarden::sandbox::cgroupfs
