// cgroup-v1 backend, for legacy and hybrid hosts (the development machines are hybrid).
// Limits live in the v1 memory, pids and cpu hierarchies. Where the host also mounts the
// v2 "unified" hierarchy (systemd's hybrid mode), the run gets a companion cgroup there:
// it has no controllers, but gives what v1 lacks — cgroup.kill (race-free tree kill),
// cgroup.events (poll for "empty") and precise per-tree user/system CPU in cpu.stat.
//
// In every hierarchy the run cgroup hw-<pid> holds the limits and the hook runs in its
// leaf child hw-<pid>/hook (docs/security.md): a root hook that sees its own cgroup (a
// cgroupfs it mounts in its cgroup namespace shows only the leaf) can write the leaf's
// files, but the limits it is held to are one level above, out of its sight.
#include "sandbox/backends.h"

#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <utility>

#include <tuple>

#include "sandbox/cgroupfs.h"
#include "util/fs.h"

namespace hookwarden::sandbox {

namespace {

struct Hierarchy {
    std::string controller;
    std::string dir;  // this run's cgroup: the limits, and the whole tree below it
};

constexpr const char* kLeaf = "/hook";  // where the hook's processes live

class CgroupV1 final : public Sandbox {
public:
    ~CgroupV1() override {
        destroy();
        for (int fd : setup_.procs_fds) ::close(fd);
        if (setup_.clone_into_fd >= 0) ::close(setup_.clone_into_fd);
        if (setup_.clone_into_procs_fd >= 0) ::close(setup_.clone_into_procs_fd);
        if (events_fd_ >= 0) ::close(events_fd_);
    }

    static std::unique_ptr<Sandbox> create(const Limits& limits, std::string& error) {
        std::unique_ptr<CgroupV1> box(new CgroupV1());
        if (!box->setup(limits, error)) return nullptr;
        return box;
    }

    Kind kind() const override { return Kind::cgroup_v1; }
    const ChildSetup& child_setup() const override { return setup_; }

    void signal_all(int sig) override { cgroupfs::signal_pids(tree_dir(), sig); }

    long kill_all() override { return cgroupfs::kill_cgroup(tree_dir()); }

    bool empty() override {
        if (!unified_.empty()) return !cgroupfs::populated(events_fd_, unified_);
        return cgroupfs::read_tree_pids(tree_dir()).empty();
    }

    int empty_notify_fd() const override { return events_fd_; }

    Usage usage(double user_ms, double sys_ms, std::int64_t) override {
        Usage usage;
        usage.cpu_user_ms = user_ms;
        usage.cpu_sys_ms = sys_ms;
        if (!unified_.empty()) {
            std::tie(usage.cpu_user_ms, usage.cpu_sys_ms) = cgroupfs::read_cpu_stat_ms(unified_ + "/cpu.stat");
        } else if (!cpuacct_.empty()) {
            if (auto user = cgroupfs::read_number(cpuacct_ + "/cpuacct.usage_user")) {
                usage.cpu_user_ms = static_cast<double>(*user) / 1e6;
                usage.cpu_sys_ms = static_cast<double>(cgroupfs::read_number(cpuacct_ + "/cpuacct.usage_sys").value_or(0)) / 1e6;
            }
        }
        usage.peak_memory_bytes = cgroupfs::read_number(memory_ + "/memory.max_usage_in_bytes").value_or(0);
        usage.peak_memory_source = "cgroup-v1:memory.max_usage_in_bytes";
        usage.oom_killed = cgroupfs::any_oom_kill(memory_, "memory.oom_control");
        return usage;
    }

    void destroy() override {
        release_placed();
        for (auto it = hierarchies_.rbegin(); it != hierarchies_.rend(); ++it) cgroupfs::remove_tree(it->dir);
        hierarchies_.clear();
    }

    void disown() override { hierarchies_.clear(); }

    std::string guarantees() const override {
        std::string gaps;
        if (unified_.empty()) gaps = "cgroup v1 without a unified companion: tree kill by repeated signalling";
        if (!cpu_limited_) gaps += std::string(gaps.empty() ? "" : "; ") + "no v1 cpu hierarchy: the CPU limit is not enforced";
        return gaps;
    }

    std::vector<std::string> cgroup_dirs() const override {
        std::vector<std::string> dirs;
        for (const auto& h : hierarchies_) dirs.push_back(h.dir);
        return dirs;
    }
    std::vector<std::string> stale_parents() const override { return parents_; }

    // Also on a ready sandbox (serve's pool), made with placeholder limits that may be
    // above or below the run's. Only a value that differs from what this sandbox wrote is
    // written (the files are ours alone: no process of a run has been in them yet); every
    // write that fails refuses the sandbox. memsw must stay >= limit_in_bytes, so the
    // write that lowers goes first. The peak starts over, so that it is the hook's, not
    // the waiting child's: here, or already by restart_peak() while the child waits.
    bool set_limits(const Limits& limits, std::string& error) override {
        const bool ok = set_memory(limits.memory_mb * 1024 * 1024, error) &&
                        set_number(pids_ + "/pids.max", limits.pids, pids_max_, error) &&
                        (!cpu_limited_ || set_number(cpu_ + "/cpu.cfs_quota_us", limits.cpu_percent * 1000, cpu_quota_, error));
        if (!ok) return false;
        if (std::exchange(peak_restarted_, false)) return true;
        return cgroupfs::write_control(memory_ + "/memory.max_usage_in_bytes", "0", error);
    }

    void restart_peak() override {
        std::string ignored;  // not restarted: set_limits restarts it then
        peak_restarted_ = cgroupfs::write_control(memory_ + "/memory.max_usage_in_bytes", "0", ignored);
    }

private:
    CgroupV1() = default;

    static bool set_number(const std::string& file, std::int64_t value, std::int64_t& written, std::string& error) {
        return cgroupfs::write_control_once(file, value, std::to_string(value), written, error);
    }

    // With swap accounting, memory+swap is capped too, so swapping cannot exceed the limit.
    bool set_memory(std::int64_t bytes, std::string& error) {
        if (memory_bytes_ == bytes) return true;
        const std::string limit = memory_ + "/memory.limit_in_bytes", memsw = memory_ + "/memory.memsw.limit_in_bytes";
        const auto current = memory_bytes_ >= 0 ? std::optional<std::int64_t>(memory_bytes_) : cgroupfs::read_number(limit);
        const bool lowering = current && *current > bytes;
        const std::string text = std::to_string(bytes);
        memory_bytes_ = -1;
        const bool ok = lowering ? cgroupfs::write_control(limit, text, error) && (!swap_ || cgroupfs::write_control(memsw, text, error))
                                 : (!swap_ || cgroupfs::write_control(memsw, text, error)) && cgroupfs::write_control(limit, text, error);
        if (ok) memory_bytes_ = bytes;
        return ok;
    }

    // The cgroup whose member list is the whole tree, for signalling and emptiness.
    const std::string& tree_dir() const { return unified_.empty() ? pids_ : unified_; }

    bool add(const std::string& controller, const std::string& mount, std::string& dir, std::string& error) {
        auto own = cgroupfs::own_path(controller);
        if (!own) {
            error = "this process is in no '" + (controller.empty() ? std::string("unified") : controller) +
                    "' cgroup (/proc/self/cgroup)";
            return false;
        }
        std::string parent = mount + (*own == "/" ? "" : *own) + "/hookwarden";
        dir = parent + "/" + name_;
        if (int e = cgroupfs::make_dirs(parent); e != 0) {
            error = "cannot create " + parent + ": " + std::strerror(e);
            return false;
        }
        if (!cgroupfs::make_run_cgroup(dir, error)) return false;
        hierarchies_.push_back({controller, dir});
        parents_.push_back(parent);
        if (controller == "memory") fs::write_small(dir + "/memory.use_hierarchy", "1");  // always 1 since 5.x; older kernels
        if (int e = cgroupfs::make_dirs(dir + kLeaf); e != 0) {
            error = "cannot create " + dir + kLeaf + ": " + std::strerror(e);
            return false;
        }
        return true;
    }

    int open_procs(const std::string& dir, std::string& error) {
        int fd = ::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) error = "cannot open " + dir + "/cgroup.procs: " + std::strerror(errno);
        return fd;
    }

    bool setup(const Limits& limits, std::string& error) {
        name_ = cgroupfs::new_run_name();  // the same in every hierarchy
        const std::string root = cgroupfs::kRoot;
        for (const char* required : {"memory", "pids"})
            if (!cgroupfs::is_cgroup1(root + "/" + required)) {
                error = std::string("no cgroup v1 '") + required + "' hierarchy at " + root + "/" + required;
                return false;
            }
        if (!add("memory", root + "/memory", memory_, error) || !add("pids", root + "/pids", pids_, error))
            return false;
        swap_ = ::access((memory_ + "/memory.memsw.limit_in_bytes").c_str(), F_OK) == 0;
        if (cgroupfs::is_cgroup1(root + "/cpu")) {
            if (!add("cpu", root + "/cpu", cpu_, error)) return false;
            if (!cgroupfs::write_control(cpu_ + "/cpu.cfs_period_us", "100000", error)) return false;
            cpu_limited_ = true;
        }
        if (!set_limits(limits, error)) return false;
        const std::string unified = root + "/unified";
        if (cgroupfs::is_cgroup2(unified)) {
            std::string ignored;
            if (add("", unified, unified_, ignored)) {
                events_fd_ = ::open((unified_ + "/cgroup.events").c_str(), O_RDONLY | O_CLOEXEC);
                setup_.clone_into_fd = ::open((unified_ + kLeaf).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                setup_.clone_into_procs_fd = open_procs(unified_ + kLeaf, ignored);
            } else {
                unified_.clear();
            }
        }
        if (unified_.empty() && cgroupfs::is_cgroup1(root + "/cpuacct") && realpath_differs("cpu", "cpuacct")) {
            if (!add("cpuacct", root + "/cpuacct", cpuacct_, error)) return false;
        }
        for (const auto& h : hierarchies_) {
            if (h.dir == unified_) continue;
            int fd = open_procs(h.dir + kLeaf, error);
            if (fd < 0) return false;
            setup_.procs_fds.push_back(fd);
        }
        return true;
    }

    static bool realpath_differs(const char* a, const char* b) {
        char pa[PATH_MAX], pb[PATH_MAX];
        std::string root = cgroupfs::kRoot;
        if (!::realpath((root + "/" + a).c_str(), pa) || !::realpath((root + "/" + b).c_str(), pb)) return true;
        return std::strcmp(pa, pb) != 0;
    }

    ChildSetup setup_;
    std::vector<Hierarchy> hierarchies_;
    std::vector<std::string> parents_;
    std::string name_;  // of the run cgroup, in every hierarchy
    std::string memory_, pids_, cpu_, cpuacct_, unified_;
    int events_fd_ = -1;
    bool cpu_limited_ = false;
    bool swap_ = false;  // memory.memsw.* exists (swap accounting)
    // What this sandbox wrote into its limit files (-1: not known, written next time).
    std::int64_t memory_bytes_ = -1, pids_max_ = -1, cpu_quota_ = -1;
    bool peak_restarted_ = false;  // by restart_peak(), since the last set_limits
};

}  // namespace

std::unique_ptr<Sandbox> create_cgroup_v1(const Limits& limits, std::string& error) {
    return CgroupV1::create(limits, error);
}

}  // namespace hookwarden::sandbox
