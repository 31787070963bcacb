// `hookwarden setup` (root, once per host): `favordynmods` on the cgroup2 mount now, and
// a systemd unit that applies it at every boot. With it a cgroup migration does not wait
// for an RCU grace period (docs/performance.md); it matters most on hosts that run hooks
// without the daemon.
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "cmd/command.h"
#include "util/fs.h"

namespace hookwarden::cmd {

namespace {

struct Mount {
    std::string path;
    std::string options;
};

// The cgroup2 mounts, from /proc/self/mounts.
std::vector<Mount> cgroup2_mounts() {
    std::vector<Mount> found;
    std::istringstream lines(fs::read_file("/proc/self/mounts").value_or(""));
    for (std::string line; std::getline(lines, line);) {
        std::istringstream fields(line);
        std::string device, path, type, options;
        if (fields >> device >> path >> type >> options && type == "cgroup2") found.push_back({path, options});
    }
    return found;
}

bool has_option(const std::string& options, const std::string& option) {
    return ("," + options + ",").find("," + option + ",") != std::string::npos;
}

// mount(8) with every option the mount has now: a remount replaces the cgroup2 flags, so
// leaving out nsdelegate or memory_recursiveprot would turn them off.
bool remount(const Mount& m) {
    const std::string options = "remount," + m.options + ",favordynmods";
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::execlp("mount", "mount", "-o", options.c_str(), m.path.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    int status = 0;
    return pid > 0 && ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string unit_text(const std::string& self) {
    return "# Written by `hookwarden setup`: favordynmods on the cgroup2 mount at every boot\n"
           "# (docs/performance.md). Remove with: systemctl disable hookwarden-favordynmods.service\n"
           "[Unit]\nDescription=favordynmods on the cgroup2 mount (hookwarden setup)\n"
           "After=sys-fs-cgroup.mount\n\n[Service]\nType=oneshot\nExecStart=" +
           self + " setup --no-persist\n\n[Install]\nWantedBy=multi-user.target\n";
}

class SetupCommand final : public ToolCommand {
public:
    void declare(CLI::App& app) override {
        sub_ = app.add_subcommand("setup", "as root, once: favordynmods on the cgroup2 mount now and at every boot");
        sub_->add_option("--unit-dir", unit_dir_, "where the boot unit goes (default /etc/systemd/system)");
        sub_->add_flag("--no-persist", no_persist_, "apply it now only; write no unit");
    }

protected:
    ExitCode run(const Invocation&) override {
        if (::geteuid() != 0) {
            std::cerr << "hookwarden: setup: must run as root (it remounts the cgroup filesystem)\n";
            return ExitCode::usage;
        }
        if (!apply_now()) return ExitCode::usage;
        return no_persist_ ? ExitCode::ok : persist();
    }

private:
    bool apply_now() {
        auto mounts = cgroup2_mounts();
        if (mounts.empty()) {
            std::cerr << "hookwarden: setup: no cgroup2 filesystem is mounted (see /proc/self/mounts)\n";
            return false;
        }
        for (const auto& m : mounts) {
            if (has_option(m.options, "favordynmods")) {
                std::cout << m.path << ": favordynmods already on\n";
                continue;
            }
            if (!remount(m)) {
                std::cerr << "hookwarden: setup: mount -o remount,...,favordynmods " << m.path
                          << " failed (kernel 6.0+ needed)\n";
                return false;
            }
            std::cout << m.path << ": favordynmods on\n";
        }
        return true;
    }

    ExitCode persist() {
        char self[4096] = {0};
        if (::readlink("/proc/self/exe", self, sizeof self - 1) <= 0) std::snprintf(self, sizeof self, "hookwarden");
        const std::string path = unit_dir_ + "/hookwarden-favordynmods.service";
        if (std::string error = fs::write_file_atomic(path, unit_text(self)); !error.empty()) {
            std::cerr << "hookwarden: setup: " << error << "\n";
            return ExitCode::usage;
        }
        std::cout << "wrote " << path << "\n";
        if (unit_dir_ == kSystemUnits && ::access("/run/systemd/system", F_OK) == 0) {
            const int rc = std::system("systemctl enable hookwarden-favordynmods.service");
            if (rc != 0) {
                std::cerr << "hookwarden: setup: systemctl enable hookwarden-favordynmods.service failed\n";
                return ExitCode::usage;
            }
            std::cout << "enabled hookwarden-favordynmods.service (applied at every boot)\n";
        } else {
            std::cout << "enable it with: systemctl enable hookwarden-favordynmods.service\n";
        }
        return ExitCode::ok;
    }

    static constexpr const char* kSystemUnits = "/etc/systemd/system";
    std::string unit_dir_ = kSystemUnits;
    bool no_persist_ = false;
};

}  // namespace

std::unique_ptr<Command> make_setup() { return std::make_unique<SetupCommand>(); }

}  // namespace hookwarden::cmd
