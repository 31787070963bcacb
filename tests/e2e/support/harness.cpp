#include "support/harness.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <random>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace hwtest {

std::string binary() { return HOOKWARDEN_BINARY; }
std::string helper(const std::string& name) { return std::string(HOOKWARDEN_HELPERS_DIR) + "/" + name; }
std::string source_dir() { return HOOKWARDEN_SOURCE_DIR; }

std::string temp_dir() {
    std::string templ = "/tmp/hwtest-XXXXXX";
    char* made = ::mkdtemp(templ.data());
    return made ? std::string(made) : std::string("/tmp");
}

std::string unique_token() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    return "hwtok" + std::to_string(::getpid()) + "x" + std::to_string(counter++) + "x" + std::to_string(rd() % 100000);
}

static std::string read_whole(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

Result run(const std::vector<std::string>& args, const Options& options) {
    Result result;
    std::string dir = temp_dir();
    if (!options.prefix.empty()) ::chmod(dir.c_str(), 01777);  // the prefix may drop privileges
    std::string record_path = dir + "/record.json";
    std::vector<std::string> argv = options.prefix;
    argv.push_back(binary());
    for (size_t i = 0; i < args.size(); ++i) {
        argv.push_back(args[i]);
        if (i == 0 && options.with_record && (args[0] == "run")) {
            argv.push_back("--record");
            argv.push_back(record_path);
        }
    }
    // Our values replace inherited ones (getenv returns the first of duplicate entries).
    std::vector<std::string> ours;
    ours.push_back("HOOKWARDEN_STATE_DIR=" + (options.state_dir.empty() ? dir + "/state" : options.state_dir));
    for (const auto& e : options.env) ours.push_back(e);
    auto overridden = [&ours](const char* entry) {
        for (const auto& o : ours) {
            auto key = o.substr(0, o.find('=') + 1);
            if (std::strncmp(entry, key.c_str(), key.size()) == 0) return true;
        }
        return false;
    };
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e)
        if (!overridden(*e)) env.emplace_back(*e);
    for (const auto& e : ours) env.push_back(e);

    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC)) return result;
    int leak = -1;
    if (options.leak_fd) leak = ::open("/dev/null", O_RDONLY);  // deliberately inheritable
    auto start = std::chrono::steady_clock::now();
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(in[0], 0);
        ::dup2(out[1], 1);
        ::dup2(err[1], 2);
        if (leak >= 0 && leak != 7) ::dup2(leak, 7);
        if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) _exit(127);
        std::vector<char*> cargv, cenv;
        for (auto& a : argv) cargv.push_back(a.data());
        cargv.push_back(nullptr);
        for (auto& e : env) cenv.push_back(e.data());
        cenv.push_back(nullptr);
        ::execvpe(cargv[0], cargv.data(), cenv.data());
        _exit(127);
    }
    result.pid = pid;
    if (leak >= 0) ::close(leak);
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    std::thread writer([fd = in[1], data = options.stdin_data, hold = options.hold_stdin_ms] {
        size_t done = 0;
        while (done < data.size()) {
            ssize_t n = ::write(fd, data.data() + done, data.size() - done);
            if (n <= 0) break;
            done += static_cast<size_t>(n);
        }
        // Held open until `hold` ms pass or hookwarden closes its end (POLLERR), whichever first.
        pollfd reader_gone{fd, 0, 0};
        if (hold > 0) ::poll(&reader_gone, 1, hold);
        ::close(fd);
    });
    bool killed = false;
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_count = 2;
    char buffer[65536];
    while (open_count > 0) {
        int wait_ms = 100;
        if (options.kill_after_ms > 0 && !killed) {
            auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
            if (elapsed >= options.kill_after_ms) {
                ::kill(pid, options.kill_signal);
                killed = true;
            } else {
                wait_ms = static_cast<int>(options.kill_after_ms - elapsed);
            }
        }
        if (::poll(fds, 2, wait_ms) < 0 && errno != EINTR) break;
        for (auto& p : fds) {
            if (p.fd < 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = ::read(p.fd, buffer, sizeof buffer);
            if (n > 0) {
                (p.fd == out[0] ? result.out : result.err).append(buffer, static_cast<size_t>(n));
            } else {
                ::close(p.fd);
                p.fd = -1;
                --open_count;
            }
        }
        if (killed && options.kill_signal == SIGKILL) break;  // a killed supervisor's pipes may be held by survivors
    }
    for (auto& p : fds)
        if (p.fd >= 0) ::close(p.fd);
    int status = 0;
    ::waitpid(pid, &status, 0);
    writer.join();
    result.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    std::string record_text = read_whole(record_path);
    if (!record_text.empty()) result.record = nlohmann::json::parse(record_text, nullptr, false);
    return result;
}

std::vector<int> processes_with(const std::string& token) {
    std::vector<int> found;
    DIR* proc = ::opendir("/proc");
    if (!proc) return found;
    while (dirent* entry = ::readdir(proc)) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
        std::string base = std::string("/proc/") + entry->d_name;
        // Arguments are NUL-separated: as spaces, a token may span them ("sleep 31.7").
        std::string cmdline = read_whole(base + "/cmdline");
        std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
        if (cmdline.find(token) == std::string::npos) continue;
        std::string stat = read_whole(base + "/stat");
        auto close = stat.rfind(')');
        if (close != std::string::npos && close + 2 < stat.size() && (stat[close + 2] == 'Z' || stat[close + 2] == 'X'))
            continue;
        found.push_back(std::atoi(entry->d_name));
    }
    ::closedir(proc);
    return found;
}

std::vector<int> survivors(const std::string& token, int ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    for (;;) {
        auto alive = processes_with(token);
        if (alive.empty() || std::chrono::steady_clock::now() >= deadline) return alive;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

void kill_all_with(const std::string& token) {
    for (int pid : processes_with(token)) ::kill(pid, SIGKILL);
}

bool is_root() { return ::geteuid() == 0; }

bool cgroup_v1_available() {
    static const bool available = [] {
        Result r = run({"run", "--backend", "cgroup-v1", "--", "/bin/true"});
        return r.exit_code == 0 && r.record.is_object() && r.record.value("backend", "") == "cgroup-v1";
    }();
    return available;
}

}  // namespace hwtest
