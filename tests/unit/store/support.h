// Temp dirs, records and fork helpers shared by the store tests. Everything real: SQLite
// files on disk, separate processes for concurrency.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"

namespace hookwarden {
// Failure messages name the state rather than its number.
inline void PrintTo(BreakerState state, std::ostream* os) { *os << to_string(state); }
}  // namespace hookwarden

namespace hwtest {

using namespace hookwarden;

class TempDir {
public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "hw-store-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) std::abort();
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

inline std::unique_ptr<store::Store> open_ok(const std::string& dir, store::OpenOptions options = {}) {
    std::string error;
    auto s = store::Store::open(dir, error, options);
    if (!s || !error.empty()) {
        fprintf(stderr, "open failed: %s\n", error.c_str());
        std::abort();
    }
    return s;
}

inline RunRecord make_record(const std::string& hook, Outcome outcome, double wall_ms = 10,
                             std::int64_t time_ms = 1'000'000) {
    RunRecord r;
    r.time_unix_ms = time_ms;
    r.hook = hook;
    r.event = "PreToolUse";
    r.matcher_target = "Bash";
    r.session_id = "sess";
    r.command = {"true"};
    r.outcome = outcome;
    r.exit_code = outcome == Outcome::ok ? 0 : 1;
    r.wall_ms = wall_ms;
    r.backend = "none";
    return r;
}

// Runs `body` in a forked child; its return value is the child's exit status.
// The child never returns into gtest (no double reporting, no atexit handlers).
inline pid_t spawn(const std::function<int()>& body) {
    pid_t pid = ::fork();
    if (pid == 0) {
        int rc = 99;
        try {
            rc = body();
        } catch (...) {
        }
        ::_exit(rc);
    }
    return pid;
}

inline int wait_exit(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

// A start line for forked children: they block on the read end until the parent closes
// the write end, so that all of them hit the store at once.
class Barrier {
public:
    Barrier() {
        if (::pipe(fds_) != 0) std::abort();
    }
    ~Barrier() {
        release();
        if (fds_[0] >= 0) ::close(fds_[0]);
    }
    void wait_in_child() {
        ::close(fds_[1]);
        char c;
        while (::read(fds_[0], &c, 1) < 0) {
        }
    }
    void release() {
        if (fds_[1] >= 0) ::close(fds_[1]);
        fds_[1] = -1;
    }

private:
    int fds_[2]{-1, -1};
};

inline std::int64_t steady_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace hwtest
