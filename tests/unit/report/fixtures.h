// Synthetic run records with known distributions for the report tests.
#pragma once

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "hookwarden/run_record.h"

namespace hookwarden::report::testing {

inline RunRecord record(const std::string& hook, double wall_ms, Outcome outcome = Outcome::ok,
                        const std::string& event = "PreToolUse") {
    RunRecord r;
    r.time_unix_ms = 1'700'000'000'000;
    r.hook = hook;
    r.event = event;
    r.outcome = outcome;
    r.answer = is_own_answer(outcome) ? Answer::own : Answer::allow;
    r.wall_ms = wall_ms;
    r.cpu_user_ms = wall_ms / 2;
    r.cpu_sys_ms = wall_ms / 4;
    r.peak_memory_bytes = 10 * 1024 * 1024;
    r.peak_memory_source = "cgroup-v2:memory.peak";
    r.breaker_before = BreakerState::closed;
    r.breaker_after = BreakerState::closed;
    r.backend = "cgroup-v2";
    r.overhead_ms = 1.5;
    r.oom_killed = outcome == Outcome::oom;
    return r;
}

// `hook` with latencies 1, 2, …, n ms, all ok, one second apart.
inline std::vector<RunRecord> ramp(const std::string& hook, int n, const std::string& event = "PreToolUse") {
    std::vector<RunRecord> out;
    for (int i = 1; i <= n; ++i) {
        out.push_back(record(hook, i, Outcome::ok, event));
        out.back().time_unix_ms += i * 1000;
        out.back().peak_memory_bytes = static_cast<std::int64_t>(i) * 1024 * 1024;
    }
    return out;
}

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "hw-report-XXXXXX").string();
        path = ::mkdtemp(pattern.data());
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    std::string write(const std::string& name, const std::string& content) const {
        auto file = path / name;
        std::ofstream(file, std::ios::binary) << content;
        return file.string();
    }
};

struct Ran {
    int status = -1;
    std::string output;  // stdout and stderr together
};

inline Ran run_command(const std::string& command) {
    Ran ran;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe) return ran;
    std::array<char, 4096> buffer{};
    std::size_t n;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) ran.output.append(buffer.data(), n);
    int status = ::pclose(pipe);
    ran.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return ran;
}

inline bool have_program(const std::string& name) {
    return run_command("command -v " + name + " >/dev/null").status == 0;
}

}  // namespace hookwarden::report::testing
