#include "cmd/bench_pool.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

namespace hookwarden::cmd {

namespace {

// Everything a child needs, built before fork: only async-signal-safe calls after it.
struct Prepared {
    std::vector<std::string> argv;
    std::vector<char*> cargv;
    const char* stdin_file = nullptr;
};

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

[[noreturn]] void exec_child(const char* program, const Prepared& job, char* const* envp) {
    int in = ::open(job.stdin_file, O_RDONLY);
    int null = ::open("/dev/null", O_WRONLY);
    if (in < 0 || null < 0) ::_exit(127);
    ::dup2(in, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    if (in > 2) ::close(in);
    if (null > 2) ::close(null);
    ::execve(program, job.cargv.data(), envp);
    ::_exit(127);
}

class Pool {
public:
    explicit Pool(int concurrency) : concurrency_(concurrency) {}

    void start(const char* program, const Prepared& job, char* const* envp, std::ostream& err) {
        while (static_cast<int>(running_.size()) >= concurrency_) reap_one();
        pid_t pid = ::fork();
        if (pid < 0) {
            err << "hookwarden: bench: fork: " << std::strerror(errno) << "\n";
            ++abnormal_;
            return;
        }
        if (pid == 0) exec_child(program, job, envp);
        running_.insert(pid);
    }

    std::size_t finish() {
        while (!running_.empty()) reap_one();
        return abnormal_;
    }

private:
    void reap_one() {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == ECHILD) running_.clear();
            return;
        }
        if (running_.erase(pid) == 0) return;  // not one of ours
        if (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 127)) ++abnormal_;
    }

    int concurrency_;
    std::set<pid_t> running_;
    std::size_t abnormal_ = 0;
};

}  // namespace

std::size_t run_pool(const std::string& program, const std::vector<PoolJob>& jobs, int rounds, int concurrency,
                     const std::vector<std::string>& env, std::ostream& err) {
    std::vector<std::string> env_copy = env;
    std::vector<char*> envp = pointers_to(env_copy);
    std::vector<Prepared> prepared(jobs.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        prepared[i].argv = jobs[i].argv;
        prepared[i].cargv = pointers_to(prepared[i].argv);
        prepared[i].stdin_file = jobs[i].stdin_file.c_str();
    }
    Pool pool(concurrency < 1 ? 1 : concurrency);
    for (int round = 0; round < rounds; ++round)
        for (const auto& job : prepared) pool.start(program.c_str(), job, envp.data(), err);
    return pool.finish();
}

}  // namespace hookwarden::cmd
