#include <algorithm>
#include <cstdio>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support.h"

using namespace hookwarden;
using hwtest::TempDir;

namespace {

struct EnvGuard {
    explicit EnvGuard(std::vector<std::string> names) : names_(std::move(names)) {
        for (const auto& n : names_) {
            const char* v = std::getenv(n.c_str());
            saved_.push_back(v ? std::optional<std::string>(v) : std::nullopt);
        }
    }
    ~EnvGuard() {
        for (std::size_t i = 0; i < names_.size(); ++i) {
            if (saved_[i]) ::setenv(names_[i].c_str(), saved_[i]->c_str(), 1);
            else ::unsetenv(names_[i].c_str());
        }
    }
    std::vector<std::string> names_;
    std::vector<std::optional<std::string>> saved_;
};

int user_version(const std::string& db_path) {
    sqlite3* db = nullptr;
    sqlite3_open(db_path.c_str(), &db);
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, nullptr);
    int v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

}  // namespace

TEST(StateDir, Precedence) {
    EnvGuard guard({"HOOKWARDEN_STATE_DIR", "XDG_STATE_HOME", "HOME"});
    ::setenv("HOOKWARDEN_STATE_DIR", "/a/b", 1);
    ::setenv("XDG_STATE_HOME", "/x", 1);
    ::setenv("HOME", "/home/u", 1);
    EXPECT_EQ(store::default_state_dir(), "/a/b");
    ::unsetenv("HOOKWARDEN_STATE_DIR");
    EXPECT_EQ(store::default_state_dir(), "/x/hookwarden");
    ::setenv("XDG_STATE_HOME", "", 1);
    EXPECT_EQ(store::default_state_dir(), "/home/u/.local/state/hookwarden");
}

TEST(Open, CreatesMissingDirectoriesPrivately) {
    TempDir tmp;
    std::string dir = tmp / "a/b/state";
    auto s = hwtest::open_ok(dir);
    struct stat st {};
    ASSERT_EQ(::stat(dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    EXPECT_EQ(::stat((dir + "/hookwarden.db").c_str(), &st), 0);
    EXPECT_EQ(s->record_count(), 0u);
}

TEST(Open, SchemaIsVersionedAndReopenIsHarmless) {
    TempDir tmp;
    {
        auto s = hwtest::open_ok(tmp.path());
        RunRecord r = hwtest::make_record("h", Outcome::ok);
        ASSERT_EQ(s->complete(r, {}, {}, 1), "");
    }
    EXPECT_EQ(user_version(tmp / "hookwarden.db"), 6);
    auto s = hwtest::open_ok(tmp.path());
    EXPECT_EQ(s->record_count(), 1u);
}

// Schema 3 added the history's aggregates and the housekeeping state: a version-2
// database gets both (and 4's agent column) on open and keeps its runs.
TEST(Open, MigratesVersion2ToTheHistoryTables) {
    TempDir tmp;
    {
        auto s = hwtest::open_ok(tmp.path());
        RunRecord old = hwtest::make_record("old", Outcome::ok);
        ASSERT_EQ(s->complete(old, {}, {}, 1), "");
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((tmp / "hookwarden.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "ALTER TABLE runs DROP COLUMN served_by; ALTER TABLE runs DROP COLUMN agent; DROP TABLE aggregates; "
                           "DROP TABLE housekeeping; PRAGMA user_version=2",
                           nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
    auto s = hwtest::open_ok(tmp.path());
    EXPECT_EQ(user_version(tmp / "hookwarden.db"), 6);
    EXPECT_EQ(s->record_count(), 1u);
    std::string error;
    EXPECT_TRUE(s->aggregates(std::nullopt, std::nullopt, std::nullopt, &error).empty());
    EXPECT_EQ(error, "");
    EXPECT_EQ(s->set_state("k", "v"), "");
    EXPECT_EQ(s->state("k"), "v");
}

// Schema 2 added the run's confinement; a version-1 database gets the column on open,
// its old rows read back with the defaults, and new rows keep what was in force.
TEST(Open, MigratesVersion1AndKeepsTheConfinement) {
    TempDir tmp;
    {
        auto s = hwtest::open_ok(tmp.path());
        RunRecord old = hwtest::make_record("old", Outcome::ok);
        ASSERT_EQ(s->complete(old, {}, {}, 1), "");
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((tmp / "hookwarden.db").c_str(), &db), SQLITE_OK);
    // A real version-1 database has neither the confinement column nor what 3 to 6 added.
    ASSERT_EQ(sqlite3_exec(db,
                           "ALTER TABLE runs DROP COLUMN served_by; ALTER TABLE runs DROP COLUMN agent; ALTER TABLE runs DROP COLUMN confinement; "
                           "DROP TABLE aggregates; DROP TABLE housekeeping; PRAGMA user_version=1",
                           nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);

    auto s = hwtest::open_ok(tmp.path());
    EXPECT_EQ(user_version(tmp / "hookwarden.db"), 6);
    RunRecord r = hwtest::make_record("new", Outcome::ok);
    r.confinement.network = "none";
    r.confinement.filesystem = "landlock-abi-3";
    r.confinement.writable = {"/tmp"};
    r.confinement.env_scrubbed = 4;
    r.confinement.no_new_privs = true;
    r.confinement.unavailable = {"x"};
    ASSERT_EQ(s->complete(r, {}, {}, 2), "");
    auto all = s->records();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].confinement.network, "host");
    EXPECT_EQ(all[0].confinement.filesystem, "unrestricted");
    EXPECT_EQ(all[1].confinement.network, "none");
    EXPECT_EQ(all[1].confinement.filesystem, "landlock-abi-3");
    EXPECT_EQ(all[1].confinement.writable, std::vector<std::string>{"/tmp"});
    EXPECT_EQ(all[1].confinement.env_scrubbed, 4);
    EXPECT_TRUE(all[1].confinement.no_new_privs);
    EXPECT_EQ(all[1].confinement.unavailable, std::vector<std::string>{"x"});
}

// Schema 4 added the agent that called; rows of a version-3 database were all Claude
// Code's, and new rows keep theirs.
TEST(Open, MigratesVersion3AndRecordsTheAgent) {
    TempDir tmp;
    {
        auto s = hwtest::open_ok(tmp.path());
        RunRecord old = hwtest::make_record("old", Outcome::ok);
        ASSERT_EQ(s->complete(old, {}, {}, 1), "");
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((tmp / "hookwarden.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "ALTER TABLE runs DROP COLUMN served_by; ALTER TABLE runs DROP COLUMN agent; PRAGMA user_version=3", nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);

    auto s = hwtest::open_ok(tmp.path());
    EXPECT_EQ(user_version(tmp / "hookwarden.db"), 6);
    RunRecord r = hwtest::make_record("new", Outcome::ok);
    r.agent = Agent::gemini;
    ASSERT_EQ(s->complete(r, {}, {}, 2), "");
    auto all = s->records();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].agent, Agent::claude);
    EXPECT_EQ(all[1].agent, Agent::gemini);
    EXPECT_TRUE(all[1].errors.empty());
}

// Schema 6 added which path ran the run (docs/serve.md): a version-5 database gets the
// column on open, its old rows read back as "process", a served run keeps "serve".
TEST(Open, MigratesVersion5AndKeepsServedBy) {
    TempDir tmp;
    {
        auto s = hwtest::open_ok(tmp.path());
        RunRecord old = hwtest::make_record("old", Outcome::ok);
        ASSERT_EQ(s->complete(old, {}, {}, 1), "");
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((tmp / "hookwarden.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "ALTER TABLE runs DROP COLUMN served_by; PRAGMA user_version=5", nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
    auto s = hwtest::open_ok(tmp.path());
    EXPECT_EQ(user_version(tmp / "hookwarden.db"), 6);
    RunRecord served = hwtest::make_record("new", Outcome::ok);
    served.served_by = "serve";
    ASSERT_EQ(s->complete(served, {}, {}, 2), "");
    auto all = s->records();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].served_by, "process");
    EXPECT_EQ(all[1].served_by, "serve");
}

TEST(Open, RefusesADatabaseFromANewerVersion) {
    TempDir tmp;
    { hwtest::open_ok(tmp.path()); }
    sqlite3* db = nullptr;
    sqlite3_open((tmp / "hookwarden.db").c_str(), &db);
    sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    std::string error;
    auto s = store::Store::open(tmp.path(), error);
    EXPECT_EQ(s, nullptr);
    EXPECT_NE(error.find("newer"), std::string::npos) << error;
    // Never "fixed" by recreating: the data belongs to the newer version.
    EXPECT_EQ(user_version(tmp / "hookwarden.db"), 99);
}

TEST(Open, UsesWalAndLeavesNoInheritableFds) {
    TempDir tmp;
    auto s = hwtest::open_ok(tmp.path());
    RunRecord r = hwtest::make_record("h", Outcome::ok);
    ASSERT_EQ(s->complete(r, {}, {}, 1), "");
    struct stat st {};
    EXPECT_EQ(::stat((tmp / "hookwarden.db-wal").c_str(), &st), 0);
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        int fd = std::stoi(entry.path().filename().string());
        if (fd <= 2) continue;
        std::error_code ec;
        auto target = std::filesystem::read_symlink(entry.path(), ec).string();
        if (target.find(tmp.path()) != 0) continue;
        int flags = ::fcntl(fd, F_GETFD);
        if (flags < 0) continue;
        EXPECT_TRUE(flags & FD_CLOEXEC) << target << " would leak into hooks";
    }
}

TEST(Records, RoundTripEveryField) {
    TempDir tmp;
    auto s = hwtest::open_ok(tmp.path());
    RunRecord r;
    r.time_unix_ms = 1'700'000'000'123;
    r.hook = "guard-bash";
    r.event = "PreToolUse";
    r.matcher_target = "Bash";
    r.session_id = "abc-123";
    r.command = {"python3", "hooks/guard.py", "--flag=\"quoted\"", "bad\xff" "utf8"};
    r.outcome = Outcome::crash;
    r.answer = Answer::block;
    r.exit_code = std::nullopt;
    r.signal = 11;
    r.wall_ms = 123.5;
    r.cpu_user_ms = 12.25;
    r.cpu_sys_ms = 3.5;
    r.peak_memory_bytes = 52'428'800;
    r.peak_memory_source = "cgroup-v1:memory.max_usage_in_bytes";
    r.oom_killed = true;
    r.leftovers_killed = 3;
    r.limits = Limits{1500, 150, 64, 32, 50, 256};
    r.stdout_bytes = 2'000'000;
    r.stderr_bytes = 7;
    r.stdout_truncated = true;
    r.stderr_truncated = false;
    r.backend = "cgroup-v1";
    r.overhead_ms = 1.75;
    r.errors = {"policy: bad thing", "second"};
    store::Admission a;  // closed
    ASSERT_EQ(s->complete(r, {}, a, r.time_unix_ms), "");
    EXPECT_EQ(r.breaker_before, BreakerState::closed);
    EXPECT_EQ(r.breaker_after, BreakerState::closed);

    auto got = s->records();
    ASSERT_EQ(got.size(), 1u);
    nlohmann::json expected = r, actual = got[0];
    expected["command"][3] = "bad\xef\xbf\xbdutf8";  // invalid UTF-8 is replaced, not lost
    EXPECT_EQ(actual, expected) << actual.dump(2);

    RunRecord ok = hwtest::make_record("h2", Outcome::ok);
    ok.exit_code = 0;
    ok.signal.reset();
    ASSERT_EQ(s->complete(ok, {}, a, 1), "");
    auto second = s->records(std::nullopt, std::string("h2"));
    ASSERT_EQ(second.size(), 1u);
    EXPECT_EQ(second[0].exit_code, std::optional<int>(0));
    EXPECT_FALSE(second[0].signal.has_value());
}

TEST(Records, FiltersAndLimit) {
    TempDir tmp;
    auto s = hwtest::open_ok(tmp.path());
    for (int i = 0; i < 10; ++i) {
        RunRecord r = hwtest::make_record(i % 2 ? "odd" : "even", Outcome::ok, 1, 1000 + i);
        r.event = i < 5 ? "PreToolUse" : "Stop";
        ASSERT_EQ(s->complete(r, {}, {}, 1000 + i), "");
    }
    EXPECT_EQ(s->record_count(), 10u);
    EXPECT_EQ(s->records(std::int64_t{1005}).size(), 5u);
    EXPECT_EQ(s->records(std::nullopt, std::string("odd")).size(), 5u);
    EXPECT_EQ(s->records(std::nullopt, std::nullopt, std::string("Stop")).size(), 5u);
    EXPECT_EQ(s->records(std::int64_t{1003}, std::string("even"), std::string("PreToolUse")).size(), 1u);
    auto last = s->records(std::nullopt, std::nullopt, std::nullopt, 3);
    ASSERT_EQ(last.size(), 3u);
    EXPECT_EQ(last[0].time_unix_ms, 1007);  // the newest three, oldest first
    EXPECT_EQ(last[2].time_unix_ms, 1009);
}

TEST(Retention, CountBoundIsAppliedEveryNthInsertByHousekeeping) {
    TempDir tmp;
    store::OpenOptions options;
    options.retention.max_records = 20;
    options.retention.prune_every = 10;
    auto s = hwtest::open_ok(tmp.path(), options);
    for (int i = 1; i <= 55; ++i) {
        RunRecord r = hwtest::make_record("h", Outcome::ok, 1, 1000 + i);
        ASSERT_EQ(s->complete(r, {}, {}, 1000 + i), "");
        // What the guardian does after each commit (complete itself never prunes).
        ASSERT_EQ(s->housekeep_if_due(1000 + i).error, "");
        // Bounded: never more than max_records + prune_every.
        ASSERT_LE(s->record_count(), 30u);
    }
    ASSERT_EQ(s->prune(2000), "");
    auto all = s->records();
    ASSERT_EQ(all.size(), 20u);
    EXPECT_EQ(all.front().time_unix_ms, 1036);  // the oldest went first
    EXPECT_EQ(all.back().time_unix_ms, 1055);
}

TEST(Retention, AgeBound) {
    TempDir tmp;
    store::OpenOptions options;
    options.retention.max_age_ms = 1000;
    options.retention.prune_every = 1000000;
    auto s = hwtest::open_ok(tmp.path(), options);
    for (int i = 0; i < 10; ++i) {
        RunRecord r = hwtest::make_record("h", Outcome::ok, 1, i * 500);
        ASSERT_EQ(s->complete(r, {}, {}, i * 500), "");
    }
    ASSERT_EQ(s->prune(5000), "");  // keeps time >= 4000
    auto all = s->records();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all.front().time_unix_ms, 4000);
}

// The per-run cost of the store as `hookwarden run` pays it: a fresh open, one admit,
// one complete, close. Printed, not asserted: timings on shared CI machines vary.
TEST(Bench, OpenAdmitCompletePerRun) {
    TempDir tmp;
    { hwtest::open_ok(tmp.path()); }
    const int runs = 300;
    std::vector<std::int64_t> total, open_us, admit_us, complete_us;
    BreakerConfig config;
    for (int i = 0; i < runs; ++i) {
        std::int64_t t0 = hwtest::steady_us();
        std::string error;
        auto s = store::Store::open(tmp.path(), error);
        ASSERT_TRUE(s);
        std::int64_t t1 = hwtest::steady_us();
        auto a = s->admit("bench", config, 1000 + i, 5000);
        std::int64_t t2 = hwtest::steady_us();
        RunRecord r = hwtest::make_record("bench", Outcome::ok, 5, 1000 + i);
        ASSERT_EQ(s->complete(r, config, a, 1000 + i), "");
        std::int64_t t3 = hwtest::steady_us();
        s.reset();
        std::int64_t t4 = hwtest::steady_us();
        total.push_back(t4 - t0);
        open_us.push_back(t1 - t0);
        admit_us.push_back(t2 - t1);
        complete_us.push_back(t3 - t2);
    }
    auto pct = [](std::vector<std::int64_t> v, double p) {
        std::sort(v.begin(), v.end());
        return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
    };
    std::printf("store per run (us): total p50 %lld p90 %lld p99 %lld | open p50 %lld, admit p50 %lld, "
                "complete p50 %lld\n",
                static_cast<long long>(pct(total, 0.5)), static_cast<long long>(pct(total, 0.9)),
                static_cast<long long>(pct(total, 0.99)), static_cast<long long>(pct(open_us, 0.5)),
                static_cast<long long>(pct(admit_us, 0.5)), static_cast<long long>(pct(complete_us, 0.5)));
    RecordProperty("total_p50_us", std::to_string(pct(total, 0.5)));
}

// A breaker state this version does not know (a newer hookwarden wrote it): its hook
// runs, the record says "unknown", and the row is not rewritten by a run.
TEST(BreakerRows, AStateThisVersionDoesNotKnowLetsTheHookRun) {
    TempDir tmp;
    auto s = hwtest::open_ok(tmp.path());
    RunRecord first = hwtest::make_record("h", Outcome::ok);
    ASSERT_EQ(s->complete(first, {}, {}, 1), "");
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((tmp / "hookwarden.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE breakers SET state = 'ajar', runs = 41 WHERE hook = 'h'", nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
    sqlite3_close(db);

    auto a = s->admit("h", {}, 2, 1000);
    EXPECT_EQ(a.error, "");
    EXPECT_TRUE(a.run);
    EXPECT_FALSE(a.probe);
    EXPECT_EQ(a.state_before, std::nullopt);
    RunRecord r = hwtest::make_record("h", Outcome::error);
    ASSERT_EQ(s->complete(r, {}, a, 3), "");
    EXPECT_EQ(r.breaker_before, std::nullopt);
    EXPECT_EQ(r.breaker_after, std::nullopt);
    EXPECT_EQ(nlohmann::json(r)["breaker_before"], "");
    auto rows = s->breakers();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].state, std::nullopt);
    EXPECT_EQ(rows[0].runs, 41);
    EXPECT_EQ(s->records().back().breaker_after, std::nullopt);

    // A manual action is explicit: it replaces the unknown state.
    ASSERT_EQ(s->set_breaker("h", "close", 4), "");
    EXPECT_EQ(s->breakers().at(0).state, BreakerState::closed);
    EXPECT_EQ(s->breakers().at(0).runs, 41);
}
