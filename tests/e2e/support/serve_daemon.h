// A `hookwarden serve` of the real binary on a socket of its own, for the tests of what
// runs through it (serve_dispatch_test.cpp, serve_breaker_test.cpp).
#pragma once

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "support/harness.h"

namespace hwtest {

inline std::string slurp_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline bool wait_for_file(const std::string& path, int ms) {
    for (int waited = 0; waited < ms; waited += 10) {
        if (::access(path.c_str(), F_OK) == 0) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

// Waits up to `ms` for `text` to appear in the file at `path` (a daemon's log).
inline bool wait_for_text(const std::string& path, const std::string& text, int ms) {
    for (int waited = 0; waited < ms; waited += 10) {
        if (slurp_file(path).find(text) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

struct ServeDaemon {
    std::string dir = temp_dir();
    std::string socket = dir + "/run/serve.sock";
    std::string log = dir + "/serve.log";
    std::string state = dir + "/state";
    pid_t pid = -1;
    std::vector<std::pair<int, rlimit>> rlimits;  // the daemon's own, set before it starts

    explicit ServeDaemon(std::vector<std::pair<int, rlimit>> limits = {}) : rlimits(std::move(limits)) {
        ::mkdir((dir + "/run").c_str(), 0700);
        start();
    }
    ServeDaemon(const ServeDaemon&) = delete;
    ServeDaemon& operator=(const ServeDaemon&) = delete;
    ~ServeDaemon() { stop(SIGKILL); }

    // (Re)starts the daemon on the same socket and state directory.
    void start() {
        ::unlink(socket.c_str());  // a killed daemon's: wait for the new one's
        std::vector<std::string> argv{binary(), "--log-level", "info", "--log-file", log, "serve", "--socket", socket};
        pid = ::fork();
        if (pid == 0) {
            std::vector<char*> c;
            for (auto& a : argv) c.push_back(a.data());
            c.push_back(nullptr);
            ::setenv("HOOKWARDEN_STATE_DIR", state.c_str(), 1);
            for (const auto& [resource, value] : rlimits) ::setrlimit(static_cast<__rlimit_resource>(resource), &value);
            int null_fd = ::open("/dev/null", O_RDWR);
            for (int fd = 0; fd < 3; ++fd) ::dup2(null_fd, fd);
            ::execv(c[0], c.data());
            ::_exit(127);
        }
        wait_for_file(socket, 5000);
    }
    bool alive() const { return pid > 0 && ::kill(pid, 0) == 0; }
    int stop(int sig = SIGTERM) {
        if (pid <= 0) return 0;
        ::kill(pid, sig);
        int status = 0;
        ::waitpid(pid, &status, 0);
        pid = -1;
        // SIGKILL leaves the socket file behind: the next daemon must still start.
        return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    }
    // A client of this daemon (`served`), or the same client with no daemon on its socket.
    Options client(const std::string& stdin_data, bool served = true) const {
        Options o;
        o.stdin_data = stdin_data;
        o.state_dir = state;
        o.with_record = false;
        o.env = {"HOOKWARDEN_SOCKET=" + (served ? socket : dir + "/run/none.sock")};
        return o;
    }
};

}  // namespace hwtest
