// The bench's process pool (cmd/bench_pool.h) with real processes: every job runs once per
// round with its stdin and exactly the given environment, never more than `concurrency`
// at once, and abnormal ends are counted.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "cmd/bench_pool.h"

namespace fs = std::filesystem;

namespace hookwarden::cmd {
namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "hw-pool-XXXXXX").string();
        path = ::mkdtemp(pattern.data());
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

PoolJob sh(const std::string& script, const std::string& stdin_file) {
    return PoolJob{{"sh", "-c", script}, stdin_file};
}

TEST(BenchPool, RunsEveryJobOncePerRoundWithItsStdinAndTheGivenEnvironment) {
    TempDir tmp;
    const std::string log = (tmp.path / "log").string();
    std::ofstream(tmp.path / "a.json") << "alpha\n";
    std::ofstream(tmp.path / "b.json") << "beta\n";
    // Appends are atomic for lines this short (O_APPEND), whatever runs at once.
    const std::string script = "read line; echo \"$line $MARK ${HOME:-no-home}\" >> " + log;
    std::vector<PoolJob> jobs{sh(script, (tmp.path / "a.json").string()), sh(script, (tmp.path / "b.json").string())};
    std::ostringstream err;
    EXPECT_EQ(run_pool("/bin/sh", jobs, 3, 2, {"MARK=pooled", "PATH=/usr/bin:/bin"}, err), 0u) << err.str();
    auto got = lines(read(log));
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<std::string>{"alpha pooled no-home", "alpha pooled no-home", "alpha pooled no-home",
                                             "beta pooled no-home", "beta pooled no-home", "beta pooled no-home"}));
    EXPECT_EQ(err.str(), "");
}

TEST(BenchPool, NeverRunsMoreThanConcurrencyAtOnce) {
    TempDir tmp;
    const std::string dir = tmp.path.string();
    std::ofstream(tmp.path / "in") << "";
    // Each job registers itself, records how many are registered, lingers, and leaves.
    const std::string script = "touch " + dir + "/run.$$; ls " + dir + " | grep -c '^run\\.' >> " + dir +
                               "/seen; sleep 0.05; rm " + dir + "/run.$$";
    std::vector<PoolJob> jobs(6, sh(script, dir + "/in"));
    std::ostringstream err;
    EXPECT_EQ(run_pool("/bin/sh", jobs, 2, 3, {"PATH=/usr/bin:/bin"}, err), 0u) << err.str();
    auto seen = lines(read(tmp.path / "seen"));
    ASSERT_EQ(seen.size(), 12u);
    int most = 0;
    for (const auto& n : seen) most = std::max(most, std::stoi(n));
    EXPECT_LE(most, 3);
    EXPECT_GE(most, 2);  // they did overlap: the pool is not serial
}

TEST(BenchPool, CountsSignalsExecFailuresAndMissingStdinAsAbnormal) {
    TempDir tmp;
    const std::string in = (tmp.path / "in").string();
    std::ofstream(in) << "";
    std::vector<PoolJob> jobs{
        sh("exit 0", in),
        sh("exit 1", in),                  // a failing run is still a normal exit
        sh("kill -KILL $$", in),           // killed by a signal
        sh("exit 0", in + ".missing"),     // stdin cannot be opened: 127 before exec
    };
    std::ostringstream err;
    EXPECT_EQ(run_pool("/bin/sh", jobs, 1, 2, {"PATH=/usr/bin:/bin"}, err), 2u);
    std::vector<PoolJob> unknown{PoolJob{{"nope"}, in}};
    EXPECT_EQ(run_pool((tmp.path / "no-such-program").string(), unknown, 2, 1, {}, err), 2u);
}

TEST(BenchPool, ZeroRoundsRunNothing) {
    std::ostringstream err;
    EXPECT_EQ(run_pool("/bin/false", {PoolJob{{"false"}, "/dev/null"}}, 0, 4, {}, err), 0u);
}

}  // namespace
}  // namespace hookwarden::cmd
