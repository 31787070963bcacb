// The process pool of `hookwarden bench`. It is its own unit because a bench has to look
// like the agent to the hooks: every run is a fresh `hookwarden run` process with the
// event on its stdin, many at once. So it forks and execs, with no threads (a forked
// child of a threaded parent may only make async-signal-safe calls) and one waitpid loop
// that keeps at most `concurrency` children alive.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

namespace hookwarden::cmd {

struct PoolJob {
    std::vector<std::string> argv;  // argv[0] included
    std::string stdin_file;         // the child's stdin; its stdout and stderr go to /dev/null
};

// Runs `program` once per job and round (round by round, jobs in order), at most
// `concurrency` at once, each with exactly the environment `env` ("NAME=value").
// Returns how many processes did not exit normally: killed by a signal, exit status 127
// (exec failed, or the stdin file could not be opened), or not forked at all (said on `err`).
std::size_t run_pool(const std::string& program, const std::vector<PoolJob>& jobs, int rounds, int concurrency,
                     const std::vector<std::string>& env, std::ostream& err);

}  // namespace hookwarden::cmd
