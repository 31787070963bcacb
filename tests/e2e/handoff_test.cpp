// Runs without --record answer first and leave their record to the guardian
// (store/handoff.h): the next run of the same hook, and every reader, still sees it.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "support/harness.h"

using nlohmann::json;

namespace {

const char* kEvent = R"({"hook_event_name":"PreToolUse","tool_name":"Bash","session_id":"s1"})";

hwtest::Options plain(const std::string& state) {
    hwtest::Options options;
    options.state_dir = state;
    options.stdin_data = kEvent;
    options.with_record = false;
    return options;
}

std::string write_policy(const std::string& dir, const json& breaker) {
    std::string path = dir + "/policy.json";
    std::ofstream(path) << json{{"version", 1}, {"defaults", {{"breaker", breaker}}}}.dump();
    return path;
}

std::vector<json> stored_records(const std::string& state) {
    hwtest::Options reader = plain(state);
    reader.stdin_data.clear();  // report reads no stdin
    auto r = hwtest::run({"report", "--format", "jsonl"}, reader);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<json> records;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) records.push_back(json::parse(line));
    return records;
}

// Another process holds the store's write lock for `seconds`; returns its pid once held.
pid_t hold_write_lock(const std::string& state, double seconds) {
    const std::string held = state + "/held";
    ::unlink(held.c_str());
    pid_t holder = ::fork();
    if (holder == 0) {
        std::string script = "import sqlite3, time\n"
                             "c = sqlite3.connect('" + state + "/hookwarden.db', isolation_level=None)\n"
                             "c.execute('BEGIN EXCLUSIVE')\n"
                             "open('" + held + "', 'w').close()\n"
                             "time.sleep(" + std::to_string(seconds) + ")\n"
                             "c.execute('COMMIT')\n";
        ::execl("/usr/bin/python3", "python3", "-c", script.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    for (int i = 0; i < 300 && ::access(held.c_str(), F_OK) != 0; ++i) ::usleep(10000);
    EXPECT_EQ(::access(held.c_str(), F_OK), 0) << "the lock holder did not start";
    return holder;
}

}  // namespace

TEST(Handoff, TheGuardianCommitsTheWholeRecord) {
    const std::string state = hwtest::temp_dir();
    auto r = hwtest::run({"run", "--name", "handed", "--", "sh", "-c", "echo no; exit 2"}, plain(state));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out, "no\n");
    auto records = stored_records(state);
    ASSERT_EQ(records.size(), 1u);
    const json& rec = records[0];
    EXPECT_EQ(rec["hook"], "handed");
    EXPECT_EQ(rec["outcome"], "blocked");
    EXPECT_EQ(rec["exit_code"], 2);
    EXPECT_EQ(rec["event"], "PreToolUse");
    EXPECT_EQ(rec["breaker_before"], "closed");
    EXPECT_EQ(rec["breaker_after"], "closed");
    EXPECT_GT(rec["wall_ms"].get<double>(), 0);
    EXPECT_FALSE(rec["backend"].get<std::string>().empty());
    EXPECT_EQ(rec["stdout_bytes"], 3);
}

// The guardian removes its pending marker once it committed, whatever the supervisor's
// fds were: it closes them all after the fork, and the verified state directory's fd the
// supervisor kept is one of them. A marker left behind made the next run of the hook
// wait for it (2 s while the exited guardian was not yet reaped).
TEST(Handoff, NoPendingMarkerIsLeftOnceTheRecordIsCommitted) {
    const std::string state = hwtest::temp_dir();
    for (int i = 0; i < 3; ++i) {
        auto r = hwtest::run({"run", "--name", "marked", "--", "true"}, plain(state));
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    ASSERT_EQ(stored_records(state).size(), 3u);
    std::vector<std::string> left;
    for (int waited = 0; waited < 2000; waited += 10) {
        left.clear();
        if (DIR* d = ::opendir((state + "/pending").c_str())) {
            while (const dirent* e = ::readdir(d))
                if (e->d_name[0] != '.') left.push_back(e->d_name);
            ::closedir(d);
        }
        if (left.empty()) break;
        ::usleep(10000);
    }
    EXPECT_TRUE(left.empty()) << "left: " << (left.empty() ? "" : left.front());
}

TEST(Handoff, ABreakerTrippedByRecordsCommittedAfterTheAnswerStopsTheNextRun) {
    const std::string state = hwtest::temp_dir();
    const std::string policy = write_policy(state, {{"consecutive_failures", 3}, {"open_ms", 60000}});
    const std::string started = state + "/started";
    auto fail_once = [&] {
        auto r = hwtest::run({"run", "--policy", policy, "--name", "flaky", "--", "sh", "-c", "exit 1"}, plain(state));
        EXPECT_EQ(r.exit_code, 1) << "the hook's own non-blocking error";
    };
    fail_once();
    fail_once();
    // The third failure's record stays pending for 0.5 s behind another writer's lock;
    // the next run, started at once, must wait for it and find the breaker open.
    pid_t holder = hold_write_lock(state, 0.5);
    fail_once();
    auto r = hwtest::run({"run", "--policy", policy, "--name", "flaky", "--", "sh", "-c", "touch " + started},
                         plain(state));
    EXPECT_NE(r.out.find("circuit breaker"), std::string::npos) << r.out << r.err;
    EXPECT_NE(::access(started.c_str(), F_OK), 0) << "an open breaker must not start the hook";
    ::waitpid(holder, nullptr, 0);
    auto records = stored_records(state);
    ASSERT_EQ(records.size(), 4u);
    EXPECT_EQ(records.back()["outcome"], "breaker_open");
}

// A writer that holds the lock past a run's own busy timeout (5 s: stopped inside its
// transaction, say) delays the guardian's commit; it does not lose the record. The run
// itself answers at once: the gate admits it without the database.
TEST(Handoff, ALockHeldPastTheBusyTimeoutDelaysTheRecordWithoutLosingIt) {
    const std::string state = hwtest::temp_dir();
    ASSERT_EQ(hwtest::run({"run", "--name", "held", "--", "true"}, plain(state)).exit_code, 0);
    ASSERT_EQ(stored_records(state).size(), 1u);
    pid_t holder = hold_write_lock(state, 6.5);
    auto r = hwtest::run({"run", "--name", "held", "--", "true"}, plain(state));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_LT(r.elapsed_ms, 2000) << "the answer does not wait for the store";
    int status = 0;
    ::waitpid(holder, &status, 0);
    EXPECT_EQ(status, 0) << "the holder kept the lock the whole time";
    // The reader waits (2 s) for the guardian's pending marker, then reads.
    auto records = stored_records(state);
    EXPECT_EQ(records.size(), 2u);
    std::ifstream log(state + "/guardian.log");
    EXPECT_FALSE(log.is_open()) << std::string(std::istreambuf_iterator<char>(log), {});
}

TEST(Handoff, ConcurrentRunsLoseNoRecord) {
    const std::string state = hwtest::temp_dir();
    constexpr int kProcesses = 8, kRuns = 25;
    std::vector<pid_t> children;
    for (int p = 0; p < kProcesses; ++p) {
        pid_t pid = ::fork();
        if (pid == 0) {
            int bad = 0;
            for (int i = 0; i < kRuns; ++i) {
                auto r = hwtest::run({"run", "--backend", "none", "--name", "h" + std::to_string(p % 2), "--", "true"},
                                     plain(state));
                if (r.exit_code != 0 || !r.err.empty()) ++bad;
            }
            ::_exit(bad == 0 ? 0 : 1);
        }
        children.push_back(pid);
    }
    for (pid_t pid : children) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    EXPECT_EQ(stored_records(state).size(), static_cast<size_t>(kProcesses * kRuns));
}

TEST(Handoff, TheAnswerDoesNotWaitForABusyStore) {
    const std::string state = hwtest::temp_dir();
    ASSERT_EQ(hwtest::run({"run", "--", "true"}, plain(state)).exit_code, 0);  // creates the store and gate
    ASSERT_EQ(stored_records(state).size(), 1u);
    pid_t holder = hold_write_lock(state, 1.5);
    auto r = hwtest::run({"run", "--", "sh", "-c", "echo answered"}, plain(state));
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, "answered\n");
    EXPECT_LT(r.elapsed_ms, 1000) << "the answer waited for the store";
    // The reader waits for the guardian, which commits once the lock is released.
    EXPECT_EQ(stored_records(state).size(), 2u);
    ::waitpid(holder, nullptr, 0);
}

TEST(Handoff, DispatchHandsEveryHooksRecordToItsGuardian) {
    const std::string state = hwtest::temp_dir();
    json hooks = json::object();
    for (const char* name : {"first", "second", "third"})
        hooks[name] = {{"event", "PreToolUse"}, {"matcher", "Bash"}, {"command", {"sh", "-c", "cat >/dev/null"}}};
    hooks["not-matching"] = {{"event", "PreToolUse"}, {"matcher", "Edit"}, {"command", {"true"}}};
    const std::string policy = state + "/dispatch.json";
    std::ofstream(policy) << json{{"version", 1}, {"hooks", hooks}}.dump();
    auto r = hwtest::run({"dispatch", "--policy", policy}, plain(state));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> names;
    for (const auto& rec : stored_records(state)) {
        names.push_back(rec["hook"]);
        EXPECT_EQ(rec["outcome"], "ok");
        EXPECT_EQ(rec["breaker_after"], "closed");
    }
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"first", "second", "third"}));
}
