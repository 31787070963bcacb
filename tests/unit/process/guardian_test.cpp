// The guardian told that the hook's tree is reaped (Guardian::reaped) before its
// supervisor made the record: if the supervisor dies then, the guardian leaves the hook's
// process group alone (its id may be someone else's by now) and says in guardian.log that
// the record it was to commit never came. Real processes, a real state directory.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "process/guardian.h"
#include "store/handoff.h"

namespace hookwarden::process {
namespace {

std::string temp_state_dir() {
    char dir[] = "/tmp/hw-guardian-test-XXXXXX";
    EXPECT_NE(::mkdtemp(dir), nullptr);
    return dir;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Alive and not a zombie.
bool running(pid_t pid) {
    const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
    const std::size_t close = stat.rfind(')');
    return close != std::string::npos && stat.size() > close + 2 && stat[close + 2] != 'Z';
}

// A supervisor (a child of ours) starts a guardian with a commit for `state`, starts a
// "hook" in a process group of its own, tells the guardian, optionally says the tree is
// reaped, and dies without handing a record over. Returns the hook's pid.
pid_t supervisor_dies(const std::string& state, bool say_reaped) {
    int pids[2];
    EXPECT_EQ(::pipe(pids), 0);
    const pid_t supervisor = ::fork();
    if (supervisor == 0) {
        ::close(pids[0]);
        Guardian guardian;
        store::HandedOverCommit commit{state, "lost-hook", {}, {}, {}, std::nullopt};
        if (!guardian.start({{}, {}, commit})) ::_exit(1);
        const pid_t hook = ::fork();
        if (hook == 0) {
            ::setpgid(0, 0);
            ::execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::setpgid(hook, hook);
        guardian.watch(hook);
        if (say_reaped && !guardian.reaped()) ::_exit(2);
        if (::write(pids[1], &hook, sizeof hook) != sizeof hook) ::_exit(3);
        ::_exit(0);  // no hand_over: killed between the answer and the record
    }
    ::close(pids[1]);
    pid_t hook = -1;
    EXPECT_EQ(::read(pids[0], &hook, sizeof hook), static_cast<ssize_t>(sizeof hook));
    ::close(pids[0]);
    int status = 0;
    ::waitpid(supervisor, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    return hook;
}

TEST(Guardian, ToldTheTreeIsReapedItSparesTheGroupAndLogsTheRecordThatNeverCame) {
    const std::string state = temp_state_dir();
    const pid_t hook = supervisor_dies(state, true);
    ASSERT_GT(hook, 0);
    const std::string log = state + "/" + store::kGuardianLog;
    for (int i = 0; i < 200 && slurp(log).empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_NE(slurp(log).find("hook 'lost-hook': its supervisor died after the hook's tree was reaped, before "
                              "handing over the record"),
              std::string::npos)
        << slurp(log);
    EXPECT_TRUE(running(hook)) << "the guardian killed a group it was told is gone";
    ::kill(hook, SIGKILL);
    std::filesystem::remove_all(state);
}

TEST(Guardian, NotToldItKillsTheHooksGroup) {
    const std::string state = temp_state_dir();
    const pid_t hook = supervisor_dies(state, false);
    ASSERT_GT(hook, 0);
    bool alive = true;
    for (int i = 0; i < 200 && (alive = running(hook)); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_FALSE(alive) << "the hook's group outlived its supervisor";
    if (alive) ::kill(hook, SIGKILL);
    EXPECT_EQ(slurp(state + "/" + store::kGuardianLog), "");  // nothing was handed over: nothing to say
    std::filesystem::remove_all(state);
}

}  // namespace
}  // namespace hookwarden::process
