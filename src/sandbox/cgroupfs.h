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
#include <utility>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookwarden::sandbox::cgroupfs {

inline constexpr const char* kRoot = "/sys/fs/cgroup";

// One line of a /proc/PID/cgroup table, "ID:CONTROLLERS:PATH": the controllers of a v1
// hierarchy ("cpu,cpuacct"; "" for the v2 one) and the process's path in it ("/a/b").
// Views into the table read.
struct Membership {
    std::string_view controllers;
    std::string_view path;
};
// The lines of a /proc/PID/cgroup table, in order; malformed lines are skipped.
std::vector<Membership> memberships(std::string_view table);
// The path in a /proc/PID/cgroup table of the hierarchy holding `controller` ("" for the
// v2 hierarchy), or nullopt.
std::optional<std::string> path_in(std::string_view table, std::string_view controller);
// This process's cgroup path in the hierarchy holding `controller` ("" for v2), from
// /proc/self/cgroup; nullopt when not mounted.
std::optional<std::string> own_path(const std::string& controller);

bool is_cgroup2(const std::string& path);
bool is_cgroup1(const std::string& path);

// A name for a new run cgroup of this supervisor, unique while it lives: "hw-<pid>",
// then "hw-<pid>-2", ... for later sandboxes of the same process (a served worker that
// let its ready sandbox go, a fallback command), whose guardians may still be removing
// the earlier one. remove_stale reads the pid before the first '-'.
std::string new_run_name();
// True for a name new_run_name makes: "hw-<digits>" or "hw-<digits>-<digits>". A process
// whose cgroup path has such a component is inside a run (serve/peer.h).
bool is_run_name(std::string_view name);

// mkdir -p; returns errno or 0.
int make_dirs(const std::string& path);

// Creates this run's cgroup `dir`. One left behind by a dead supervisor that had our pid
// is emptied and reused. Returns false with `error` set.
bool make_run_cgroup(const std::string& dir, std::string& error);
// Writes a control file (a limit); returns false with `error` naming file and value.
bool write_control(const std::string& file, const std::string& value, std::string& error);
// Writes `value` (as `text`) unless `written`, what this sandbox last wrote into `file`,
// says it holds it already (serve's ready sandboxes: the file is ours alone). `written`
// is then what the file holds: `value`, or -1 (not known) when the write failed.
bool write_control_once(const std::string& file, std::int64_t value, const std::string& text, std::int64_t& written,
                        std::string& error);

std::vector<int> read_pids(const std::string& dir);
// The pids of `dir` and of every cgroup below it: cgroup.procs lists only a cgroup's own
// members, and a hook may create sub-cgroups inside its leaf and move into them.
std::vector<int> read_tree_pids(const std::string& dir);
// The sub-cgroups of `dir` (directories), full paths.
std::vector<std::string> children(const std::string& dir);
// Whether `file` (memory.oom_control, memory.events) says "oom_kill N>0" in `dir` or in
// any cgroup below it: v1 counts an OOM kill only in the victim's own cgroup.
bool any_oom_kill(const std::string& dir, const std::string& file);
// The value of "key N" in a flat-keyed file such as memory.events or cpu.stat.
std::optional<std::int64_t> read_key(const std::string& file, const std::string& key);
// A flat-keyed file's user_usec and system_usec (cpu.stat), read once, in milliseconds:
// {0, 0} when it cannot be read.
std::pair<double, double> read_cpu_stat_ms(const std::string& file);
std::optional<std::int64_t> read_number(const std::string& file);

// Whether a v2 cgroup still has processes, read through its open cgroup.events fd when
// there is one: kernfs reports POLLPRI on an open file until that same file is read
// again, so reading through the polled fd is what re-arms the notification (a fresh open
// would leave the supervisor's poll ready forever, spinning while a killed tree exits).
bool populated(int events_fd, const std::string& dir);

// Sends `sig` to every pid of the cgroup tree at `dir`; returns how many were listed.
long signal_pids(const std::string& dir, int sig);
// Thaws the v1 freezer cgroups that hold processes of `pids` and nothing else: a frozen
// task does not die of SIGKILL until thawed. A freezer cgroup that also holds processes
// outside `pids` is left as it is (someone else froze it on purpose).
void thaw_v1_freezers(const std::vector<int>& pids);
// SIGKILLs the whole cgroup tree: thaws v1 freezers first, then cgroup.kill where the
// file exists (race-free against forks), else repeated signalling until empty (forks are
// bounded by pids.max). Returns how many processes were alive when it started.
long kill_cgroup(const std::string& dir);
// rmdir, retrying briefly while just-killed tasks finish exiting. Returns errno or 0.
int remove_cgroup(const std::string& dir);
// Removes `dir` and every sub-cgroup below it, deepest first: rmdir refuses a cgroup
// with children, so one sub-cgroup a hook made would keep its run cgroup forever.
int remove_tree(const std::string& dir);

// Removes run cgroups under `parent` whose supervisor is gone (docs/run.md, "The guardian"): kills what is
// left in them first, since rmdir on a populated cgroup fails and libcgroup-style
// "move tasks to the parent" would let them escape.
void remove_stale(const std::string& parent);

}  // namespace hookwarden::sandbox::cgroupfs
