// cgroup-v2 backend: one fresh cgroup per run with memory.max, pids.max and cpu.max; the
// hook is cloned straight into it; cgroup.kill ends the tree; memory.peak,
// memory.events and cpu.stat measure it.
//
// Where the run cgroups go, honouring "no internal processes" (a cgroup with member
// processes cannot enable controllers for its children):
//   root:      /sys/fs/cgroup/hookwarden/hw-<pid>. The root cgroup is exempt from the
//              rule, and "hookwarden" itself never holds a process.
//   delegated: the supervisor's own cgroup (e.g. a `systemd-run --user --scope -p
//              Delegate=yes` scope). If its controllers are not yet enabled for
//              children, the supervisor first moves itself into the leaf
//              "supervisors", then enables them; run cgroups are its siblings.
// Inside the run cgroup, the hook runs in the leaf hw-<pid>/hook, for which no controller
// is enabled: its processes are charged to hw-<pid> and held to its limits, while the
// leaf (the root of the hook's cgroup namespace, all a cgroupfs it mounts can show) has
// no limit files to rewrite (docs/security.md).
#include "sandbox/backends.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tuple>

#include "sandbox/cgroupfs.h"
#include "util/fs.h"

namespace hookwarden::sandbox {

namespace {

bool has_words(const std::string& file, std::initializer_list<const char*> words) {
    auto text = fs::read_file(file);
    if (!text) return false;
    std::string padded = " " + *text + " ";
    for (auto& c : padded)
        if (c == '\n') c = ' ';
    for (const char* word : words)
        if (padded.find(std::string(" ") + word + " ") == std::string::npos) return false;
    return true;
}

// Whether memory and pids (and cpu when offered) are on for the children of `dir`. cpu
// counts: with memory and pids on but cpu off, cpu.max would be missing in the run
// cgroup and the CPU limit silently not applied.
bool controllers_enabled(const std::string& dir) {
    if (has_words(dir + "/cgroup.controllers", {"cpu"}))
        return has_words(dir + "/cgroup.subtree_control", {"memory", "pids", "cpu"});
    return has_words(dir + "/cgroup.subtree_control", {"memory", "pids"});
}

// Enables memory and pids (and cpu when offered) for the children of `dir`.
bool enable_controllers(const std::string& dir, std::string& error) {
    if (controllers_enabled(dir)) return true;
    std::string wanted = has_words(dir + "/cgroup.controllers", {"cpu"}) ? "+memory +pids +cpu" : "+memory +pids";
    if (int e = fs::write_small(dir + "/cgroup.subtree_control", wanted); e != 0) {
        error = "cannot enable '" + wanted + "' in " + dir + "/cgroup.subtree_control: " + std::strerror(e);
        return false;
    }
    return true;
}

class CgroupV2 final : public Sandbox {
public:
    ~CgroupV2() override {
        destroy();
        if (setup_.clone_into_fd >= 0) ::close(setup_.clone_into_fd);
        if (setup_.clone_into_procs_fd >= 0) ::close(setup_.clone_into_procs_fd);
        if (events_fd_ >= 0) ::close(events_fd_);
    }

    static std::unique_ptr<Sandbox> create(const Limits& limits, std::string& error) {
        std::unique_ptr<CgroupV2> box(new CgroupV2());
        if (!box->setup(limits, error)) return nullptr;
        return box;
    }

    Kind kind() const override { return Kind::cgroup_v2; }
    const ChildSetup& child_setup() const override { return setup_; }
    void signal_all(int sig) override { cgroupfs::signal_pids(dir_, sig); }
    long kill_all() override { return cgroupfs::kill_cgroup(dir_); }
    bool empty() override { return !cgroupfs::populated(events_fd_, dir_); }
    int empty_notify_fd() const override { return events_fd_; }

    Usage usage(double, double, std::int64_t) override {
        Usage usage;
        std::tie(usage.cpu_user_ms, usage.cpu_sys_ms) = cgroupfs::read_cpu_stat_ms(dir_ + "/cpu.stat");
        if (auto peak = cgroupfs::read_number(dir_ + "/memory.peak")) {
            usage.peak_memory_bytes = *peak;
            usage.peak_memory_source = "cgroup-v2:memory.peak";
        } else {
            // Before 5.19 there is no peak; the final usage is a lower bound only.
            usage.peak_memory_bytes = cgroupfs::read_number(dir_ + "/memory.current").value_or(0);
            usage.peak_memory_source = "cgroup-v2:memory.current-at-exit";
        }
        usage.oom_killed = cgroupfs::read_key(dir_ + "/memory.events", "oom_kill").value_or(0) > 0;
        return usage;
    }

    void destroy() override {
        release_placed();
        if (!dir_.empty()) cgroupfs::remove_tree(dir_);
        dir_.clear();
    }

    void disown() override { dir_.clear(); }

    std::string guarantees() const override {
        return cpu_limited_ ? "" : "cpu controller not available to this cgroup: the CPU limit is not enforced";
    }
    std::vector<std::string> cgroup_dirs() const override { return dir_.empty() ? std::vector<std::string>{} : std::vector{dir_}; }
    std::vector<std::string> stale_parents() const override { return {parent_}; }

    // A value this sandbox holds already (a ready one, made with the built-in limits) is
    // not written again. memory.peak needs no restart: no process was in the cgroup yet.
    bool set_limits(const Limits& limits, std::string& error) override {
        const std::int64_t bytes = limits.memory_mb * 1024 * 1024, quota = limits.cpu_percent * 1000;
        return cgroupfs::write_control_once(dir_ + "/memory.max", bytes, std::to_string(bytes), memory_max_, error) &&
               cgroupfs::write_control_once(dir_ + "/pids.max", limits.pids, std::to_string(limits.pids), pids_max_, error) &&
               (!cpu_limited_ ||
                cgroupfs::write_control_once(dir_ + "/cpu.max", quota, std::to_string(quota) + " 100000", cpu_max_, error));
    }

private:
    CgroupV2() = default;

    bool setup(const Limits& limits, std::string& error) {
        parent_ = cgroup_v2_parent(error);
        if (parent_.empty()) return false;
        std::string dir = parent_ + "/" + cgroupfs::new_run_name();
        if (!cgroupfs::make_run_cgroup(dir, error)) return false;
        dir_ = dir;
        // No swap: a hook must not get around its limit by being swapped out.
        if (::access((dir_ + "/memory.swap.max").c_str(), F_OK) == 0 && !cgroupfs::write_control(dir_ + "/memory.swap.max", "0", error))
            return false;
        // An OOM kills the whole hook, not one process of it, so the outcome is clear.
        if (::access((dir_ + "/memory.oom.group").c_str(), F_OK) == 0 && !cgroupfs::write_control(dir_ + "/memory.oom.group", "1", error))
            return false;
        cpu_limited_ = ::access((dir_ + "/cpu.max").c_str(), F_OK) == 0;
        if (!set_limits(limits, error)) return false;
        events_fd_ = ::open((dir_ + "/cgroup.events").c_str(), O_RDONLY | O_CLOEXEC);
        const std::string leaf = dir_ + "/hook";
        if (int e = cgroupfs::make_dirs(leaf); e != 0) {
            error = "cannot create " + leaf + ": " + std::strerror(e);
            return false;
        }
        setup_.clone_into_fd = ::open(leaf.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        setup_.clone_into_procs_fd = ::open((leaf + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
        if (setup_.clone_into_fd < 0 || setup_.clone_into_procs_fd < 0) {
            error = "cannot open " + leaf + ": " + std::strerror(errno);
            return false;
        }
        return true;
    }

    ChildSetup setup_;
    std::string parent_, dir_;
    int events_fd_ = -1;
    bool cpu_limited_ = false;
    // What this sandbox wrote into its limit files (-1: not known, written next time).
    std::int64_t memory_max_ = -1, pids_max_ = -1, cpu_max_ = -1;
};

}  // namespace

std::string cgroup_v2_parent(std::string& why) {
    const std::string root = cgroupfs::kRoot;
    if (!cgroupfs::is_cgroup2(root)) {
        why = root + " is not a cgroup2 mount (legacy or hybrid layout)";
        return "";
    }
    if (!has_words(root + "/cgroup.controllers", {"memory", "pids"})) {
        why = "the cgroup2 mount offers no memory and pids controllers";
        return "";
    }
    if (::geteuid() == 0) {
        std::string parent = root + "/hookwarden";
        if (!enable_controllers(root, why)) return "";
        if (int e = cgroupfs::make_dirs(parent); e != 0) {
            why = "cannot create " + parent + ": " + std::strerror(e);
            return "";
        }
        return enable_controllers(parent, why) ? parent : "";
    }
    auto own = cgroupfs::own_path("");
    if (!own) {
        why = "this process is in no cgroup2 cgroup";
        return "";
    }
    std::string mine = root + (*own == "/" ? "" : *own);
    if (*own != "/" && own->size() > 12 && own->compare(own->size() - 12, 12, "/supervisors") == 0)
        mine = mine.substr(0, mine.size() - 12);  // a previous run already moved us
    if (::access((mine + "/cgroup.procs").c_str(), W_OK) != 0 || ::access(mine.c_str(), W_OK) != 0) {
        why = "cgroup " + mine + " is not writable by uid " + std::to_string(::geteuid()) +
              " (no delegated subtree; try: systemd-run --user --scope -p Delegate=yes hookwarden ...)";
        return "";
    }
    if (!has_words(mine + "/cgroup.controllers", {"memory", "pids"})) {
        why = "the delegated cgroup " + mine + " has no memory and pids controllers";
        return "";
    }
    if (!controllers_enabled(mine)) {
        std::string leaf = mine + "/supervisors";
        if (int e = cgroupfs::make_dirs(leaf); e != 0) {
            why = "cannot create " + leaf + ": " + std::strerror(e);
            return "";
        }
        if (int e = fs::write_small(leaf + "/cgroup.procs", std::to_string(::getpid())); e != 0) {
            why = "cannot move into " + leaf + ": " + std::strerror(e);
            return "";
        }
        // We are rarely alone in a delegated cgroup: the agent that started us (and its
        // other children) is there too, and while any process is left in `mine` its
        // controllers cannot be enabled for children (EBUSY). Move them all to the leaf,
        // as container runtimes do; a few rounds catch processes forked meanwhile.
        for (int round = 0; round < 10; ++round) {
            auto pids = cgroupfs::read_pids(mine);
            if (pids.empty()) break;
            for (int pid : pids) fs::write_small(leaf + "/cgroup.procs", std::to_string(pid));  // ESRCH: gone
        }
        if (!enable_controllers(mine, why)) return "";
    }
    return mine;
}

std::unique_ptr<Sandbox> create_cgroup_v2(const Limits& limits, std::string& error) {
    return CgroupV2::create(limits, error);
}

}  // namespace hookwarden::sandbox
