// Drives the real hookwarden binary as an agent would: event JSON on stdin, answer on
// stdout/stderr, exit code; plus the --record JSON and a check for surviving processes.
#pragma once

#include <csignal>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hwtest {

struct Options {
    std::string stdin_data;
    std::vector<std::string> env;     // extra KEY=VALUE
    std::vector<std::string> prefix;  // run hookwarden through this (e.g. setpriv ...)
    bool with_record = true;          // add --record FILE after "run"/"dispatch"
    bool leak_fd = false;             // hand hookwarden an extra inheritable fd (fd 7)
    int kill_after_ms = 0;            // signal hookwarden itself after this long
    int kill_signal = SIGKILL;        // ... with this signal (SIGKILL: its pipes are not waited for)
    int hold_stdin_ms = 0;            // keep stdin open this long after writing (an agent that never closes it)
    std::string state_dir;            // HOOKWARDEN_STATE_DIR ("" = a fresh temp dir)
    std::string cwd;                  // working directory of hookwarden ("" = the test's own)
};

struct Result {
    int exit_code = -1;
    int signal = 0;
    std::string out, err;
    nlohmann::json record;  // null when none was written
    double elapsed_ms = 0;
    int pid = 0;
};

Result run(const std::vector<std::string>& args, const Options& options = {});

std::string binary();
std::string helper(const std::string& name);
std::string source_dir();
std::string temp_dir();
std::string unique_token();

// Live (non-zombie) processes whose command line, its arguments joined by spaces,
// contains `token`.
std::vector<int> processes_with(const std::string& token);
// Waits up to `ms` for them to be gone; returns what is still alive.
std::vector<int> survivors(const std::string& token, int ms = 1000);
// Kills whatever is left, so one failing test does not leave sleepers behind.
void kill_all_with(const std::string& token);

bool is_root();
bool cgroup_v1_available();

}  // namespace hwtest
