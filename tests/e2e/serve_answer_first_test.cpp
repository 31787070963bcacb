// A served run answers first and makes its record after (core::RunOptions::answered,
// docs/run.md "Answer, then commit"): the client has its verdict before the record is
// made, yet the record is committed exactly once, the hook's breaker counts every run of
// the hook that came before (its pending marker is made before the answer), and a daemon
// killed right after the verdict does not take the record with it.
#include <gtest/gtest.h>

#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include "support/harness.h"
#include "support/serve_daemon.h"

using nlohmann::json;

namespace {

const char* kEvent = R"({"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}})";

std::string write_policy(const std::string& dir, const json& extra = json::object()) {
    const std::string path = dir + "/policy.json";
    json policy = {{"version", 1}, {"defaults", {{"breaker", {{"consecutive_failures", 3}, {"open_ms", 600000}}}}}};
    for (auto& [k, v] : extra.items()) policy[k] = v;
    std::ofstream(path) << policy.dump();
    return path;
}

// The records the store holds for `hook`, oldest first (report waits for pending ones).
std::vector<json> stored(const std::string& state, const std::string& hook) {
    hwtest::Options reader;
    reader.state_dir = state;
    reader.with_record = false;
    auto r = hwtest::run({"report", "--format", "jsonl", "--hook", hook}, reader);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<json> records;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) records.push_back(json::parse(line, nullptr, false));
    return records;
}

std::size_t pending_markers(const std::string& state) {
    std::size_t n = 0;
    if (DIR* d = ::opendir((state + "/pending").c_str())) {
        while (const dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
        ::closedir(d);
    }
    return n;
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

// One served run, no --record: the record goes to the guardian after the verdict.
hwtest::Result served(const hwtest::ServeDaemon& d, const std::string& policy, const std::string& hook,
                      const std::string& script) {
    return hwtest::run({"run", "--policy", policy, "--name", hook, "--", "sh", "-c", script}, d.client(kEvent));
}

}  // namespace

TEST(ServeAnswerFirst, EachRunsRecordIsCommittedOnceWithItsFields) {
    hwtest::ServeDaemon d;
    ASSERT_TRUE(d.alive());
    const std::string policy = write_policy(d.dir);
    for (int i = 0; i < 5; ++i) {
        auto r = served(d, policy, "answered", "cat >/dev/null; echo out; echo err >&2; exit 0");
        EXPECT_EQ(r.exit_code, 0) << r.err;
        EXPECT_EQ(r.out, "out\n");
        EXPECT_EQ(r.err, "err\n");
    }
    const auto records = stored(d.state, "answered");
    ASSERT_EQ(records.size(), 5u);
    for (const auto& rec : records) {
        EXPECT_EQ(rec["served_by"], "serve") << rec.dump() << hwtest::slurp_file(d.log);
        EXPECT_EQ(rec["outcome"], "ok");
        EXPECT_EQ(rec["answer"], "own");
        EXPECT_EQ(rec["exit_code"], 0);
        EXPECT_EQ(rec["stdout_bytes"], 4);
        EXPECT_EQ(rec["stderr_bytes"], 4);
        EXPECT_EQ(rec["event"], "PreToolUse");
        EXPECT_EQ(rec["breaker_before"], "closed");
        EXPECT_EQ(rec["breaker_after"], "closed");  // committed with the breaker update
        EXPECT_GT(rec["wall_ms"].get<double>(), 0);
        EXPECT_GT(rec["overhead_ms"].get<double>(), 0);
        EXPECT_TRUE(rec["errors"].empty()) << rec.dump();
    }
    EXPECT_EQ(pending_markers(d.state), 0u);
}

// Each run fired the moment the previous client exited, as an agent does: the third
// failure opens the breaker, and the fourth run is refused, never run. The third run's
// commit is held back 0.5 s by another writer's lock (as a busy store would): the fourth
// run, whose client starts when the third has its verdict, must wait for that record
// (its pending marker) rather than being admitted by the still-closed gate.
TEST(ServeAnswerFirst, BackToBackFailingRunsOpenTheBreakerAtExactlyTheThreshold) {
    hwtest::ServeDaemon d;
    ASSERT_TRUE(d.alive());
    const std::string policy = write_policy(d.dir);
    const std::string ran = d.dir + "/ran";
    const std::string script = "echo x >> '" + ran + "'; exit 1";
    for (int i = 0; i < 2; ++i) served(d, policy, "failing", script);
    pid_t holder = hold_write_lock(d.state, 0.5);
    for (int i = 2; i < 6; ++i) served(d, policy, "failing", script);
    ::waitpid(holder, nullptr, 0);
    const auto records = stored(d.state, "failing");
    ASSERT_EQ(records.size(), 6u);
    std::vector<std::string> outcomes;
    for (const auto& rec : records) outcomes.push_back(rec["outcome"]);
    EXPECT_EQ(outcomes, (std::vector<std::string>{"error", "error", "error", "breaker_open", "breaker_open",
                                                  "breaker_open"}));
    EXPECT_EQ(records[2]["breaker_after"], "open");
    EXPECT_EQ(records[3]["breaker_before"], "open");
    EXPECT_EQ(hwtest::slurp_file(ran), "x\nx\nx\n");  // the hook itself ran three times
    for (const auto& rec : records)
        for (const auto& e : rec["errors"])
            EXPECT_EQ(e.get<std::string>().find("still being committed"), std::string::npos) << rec.dump();
}

// SIGKILL to the daemon as soon as the client has its verdict: the worker no longer dies
// with it, hands the record over, and the guardian commits it. Every time.
TEST(ServeAnswerFirst, ADaemonKilledRightAfterTheVerdictStillLeavesTheRecord) {
    hwtest::ServeDaemon d;
    const std::string policy = write_policy(d.dir);
    constexpr int kRuns = 8;
    for (int i = 0; i < kRuns; ++i) {
        ASSERT_TRUE(d.alive());
        auto r = served(d, policy, "killed-after", "exit 0");
        EXPECT_EQ(r.exit_code, 0) << r.err;
        d.stop(SIGKILL);
        d.start();
    }
    const auto records = stored(d.state, "killed-after");
    ASSERT_EQ(records.size(), static_cast<std::size_t>(kRuns));
    for (const auto& rec : records) {
        EXPECT_EQ(rec["served_by"], "serve") << rec.dump() << hwtest::slurp_file(d.log);
        EXPECT_EQ(rec["outcome"], "ok");
        EXPECT_EQ(rec["breaker_after"], "closed");
    }
}

// dispatch through the daemon: every hook's supervisor answers first and hands its
// record over after; each record is committed once.
TEST(ServeAnswerFirst, ServedDispatchCommitsEachHooksRecordOnce) {
    hwtest::ServeDaemon d;
    ASSERT_TRUE(d.alive());
    json hooks = json::object();
    for (const char* name : {"d-first", "d-second"})
        hooks[name] = {{"event", "PreToolUse"}, {"matcher", "Bash"}, {"command", {"sh", "-c", "cat >/dev/null; exit 0"}}};
    hooks["d-blocks"] = {{"event", "PreToolUse"},
                         {"matcher", "Bash"},
                         {"command", {"sh", "-c", "cat >/dev/null; echo no >&2; exit 2"}}};
    const std::string policy = write_policy(d.dir, {{"hooks", hooks}});
    for (int i = 0; i < 3; ++i) {
        auto r = hwtest::run({"dispatch", "--policy", policy}, d.client(kEvent));
        EXPECT_EQ(r.exit_code, 2) << r.err;
        EXPECT_NE(r.err.find("no"), std::string::npos) << r.err;
    }
    for (const char* name : {"d-first", "d-second", "d-blocks"}) {
        const auto records = stored(d.state, name);
        ASSERT_EQ(records.size(), 3u) << name;
        for (const auto& rec : records) {
            EXPECT_EQ(rec["served_by"], "serve");
            EXPECT_EQ(rec["outcome"], std::string(name) == "d-blocks" ? "blocked" : "ok");
            EXPECT_EQ(rec["breaker_after"], "closed");
        }
    }
    EXPECT_EQ(pending_markers(d.state), 0u);
}
