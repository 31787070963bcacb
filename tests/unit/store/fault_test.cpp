// The store failing in the ways a real machine makes it fail. The rule under test: the
// caller gets an error text in bounded time, never an exception or a crash, and what is
// on disk stays consistent.
#include <csignal>
#include <fstream>

#include <sqlite3.h>
#include <sys/resource.h>

#include <gtest/gtest.h>

#include "support.h"

using namespace hookwarden;
using hwtest::TempDir;

namespace {

void write_garbage(const std::string& path, std::size_t size) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    for (std::size_t i = 0; i < size; ++i) out.put(static_cast<char>((i * 7919 + 13) % 251));
}

std::vector<std::string> files_with(const std::string& dir, const std::string& part) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().filename().string().find(part) != std::string::npos) out.push_back(e.path().string());
    return out;
}

std::string quick_check(const std::string& db_path) {
    sqlite3* db = nullptr;
    sqlite3_open(db_path.c_str(), &db);
    sqlite3_stmt* s = nullptr;
    std::string result = "no result";
    if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        result = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(db);
    return result;
}

// Record count and the breaker's own tally must agree: they are written in one transaction.
void expect_consistent(const std::string& dir) {
    EXPECT_EQ(quick_check(dir + "/hookwarden.db"), "ok");
    auto s = hwtest::open_ok(dir);
    std::size_t n = s->record_count();
    auto b = s->breakers();
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(static_cast<std::size_t>(b[0].runs), n);
    RunRecord r = hwtest::make_record("h", Outcome::ok);
    EXPECT_EQ(s->complete(r, {}, {}, 1), "");
    EXPECT_EQ(s->record_count(), n + 1);
}

void fill(const std::string& dir, int runs) {
    auto s = hwtest::open_ok(dir);
    for (int i = 0; i < runs; ++i) {
        RunRecord r = hwtest::make_record("h", i % 4 ? Outcome::ok : Outcome::error);
        ASSERT_EQ(s->complete(r, {}, {}, 1), "");
    }
}

}  // namespace

TEST(Faults, StateDirThatIsAFile) {
    TempDir tmp;
    write_garbage(tmp / "file", 10);
    for (std::string dir : {tmp / "file", tmp / "file/state"}) {
        std::string error;
        auto s = store::Store::open(dir, error);
        EXPECT_EQ(s, nullptr);
        EXPECT_NE(error, "");
    }
}

TEST(Faults, StateDirWhereNothingCanBeCreated) {
    std::string error;
    auto s = store::Store::open("/proc/self/hookwarden-state", error);
    EXPECT_EQ(s, nullptr);
    EXPECT_NE(error.find("cannot create"), std::string::npos) << error;
}

TEST(Faults, CorruptDatabaseIsMovedAsideAndRecreated) {
    TempDir tmp;
    write_garbage(tmp / "hookwarden.db", 8192);
    std::string error;
    auto s = store::Store::open(tmp.path(), error);
    ASSERT_TRUE(s) << error;
    EXPECT_NE(error.find("corrupt"), std::string::npos) << error;
    EXPECT_NE(error.find("moved it aside"), std::string::npos) << error;
    auto aside = files_with(tmp.path(), "hookwarden.db.corrupt-");
    ASSERT_EQ(aside.size(), 1u);
    EXPECT_EQ(std::filesystem::file_size(aside[0]), 8192u);  // kept whole, for inspection
    RunRecord r = hwtest::make_record("h", Outcome::ok);
    EXPECT_EQ(s->complete(r, {}, {}, 1), "");
    EXPECT_EQ(s->record_count(), 1u);
    s.reset();
    // The next open finds a healthy store and says nothing.
    s = store::Store::open(tmp.path(), error);
    EXPECT_TRUE(s);
    EXPECT_EQ(error, "");
}

TEST(Faults, CorruptDatabaseFoundByManyProcessesIsMovedAsideOnce) {
    TempDir tmp;
    write_garbage(tmp / "hookwarden.db", 8192);
    hwtest::Barrier barrier;
    std::vector<pid_t> pids;
    for (int i = 0; i < 8; ++i) {
        pids.push_back(hwtest::spawn([&] {
            barrier.wait_in_child();
            std::string error;
            auto s = store::Store::open(tmp.path(), error);
            if (!s) return 1;
            RunRecord r = hwtest::make_record("h", Outcome::ok);
            return s->complete(r, {}, {}, 1).empty() ? 0 : 2;
        }));
    }
    barrier.release();
    for (pid_t pid : pids) EXPECT_EQ(hwtest::wait_exit(pid), 0);
    EXPECT_EQ(files_with(tmp.path(), "hookwarden.db.corrupt-").size(), 1u);
    auto s = hwtest::open_ok(tmp.path());
    EXPECT_EQ(s->record_count(), 8u);  // nobody moved another's fresh store aside
}

TEST(Faults, WriterKilledInsideATransaction) {
    TempDir tmp;
    fill(tmp.path(), 20);
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    pid_t pid = hwtest::spawn([&] {
        sqlite3* db = nullptr;
        sqlite3_open((tmp / "hookwarden.db").c_str(), &db);
        sqlite3_busy_timeout(db, 2000);
        sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
        // Half of what `complete` does: many rows in, the breaker tally not yet updated.
        for (int i = 0; i < 5; ++i)
            sqlite3_exec(db, "INSERT INTO runs SELECT NULL, time_ms, hook, event, matcher_target, session_id, "
                             "command, outcome, answer, exit_code, signal, wall_ms, cpu_user_ms, cpu_sys_ms, "
                             "peak_memory_bytes, peak_memory_source, oom_killed, leftovers_killed, "
                             "limit_timeout_ms, limit_kill_grace_ms, limit_memory_mb, limit_pids, "
                             "limit_cpu_percent, limit_output_kb, stdout_bytes, stderr_bytes, stdout_truncated, "
                             "stderr_truncated, breaker_before, breaker_after, backend, overhead_ms, errors "
                             "FROM runs",
                         nullptr, nullptr, nullptr);
        // Force pages out to the WAL mid-transaction, as a big transaction would.
        sqlite3_exec(db, "PRAGMA cache_size=1; UPDATE runs SET answer = 'x'", nullptr, nullptr, nullptr);
        (void)!::write(ready[1], "r", 1);
        ::pause();
        return 0;
    });
    char c;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
    ::kill(pid, SIGKILL);
    EXPECT_EQ(hwtest::wait_exit(pid), 128 + SIGKILL);
    ::close(ready[0]);
    ::close(ready[1]);
    auto s = hwtest::open_ok(tmp.path());
    EXPECT_EQ(s->record_count(), 20u);
    for (const auto& r : s->records()) EXPECT_EQ(r.answer, Answer::own);
    s.reset();
    expect_consistent(tmp.path());
}

TEST(Faults, WritersKilledAtRandomMoments) {
    TempDir tmp;
    fill(tmp.path(), 1);
    for (int round = 0; round < 6; ++round) {
        pid_t pid = hwtest::spawn([&] {
            for (int i = 0;; ++i) {
                std::string error;
                auto s = store::Store::open(tmp.path(), error);
                if (!s) return 1;
                auto a = s->admit("h", {}, 1000 + i, 1000);
                RunRecord r = hwtest::make_record("h", i % 5 ? Outcome::ok : Outcome::timeout);
                if (!s->complete(r, {}, a, 1000 + i).empty()) return 2;
            }
        });
        ::usleep(static_cast<useconds_t>(20000 + round * 7919 % 30000));
        ::kill(pid, SIGKILL);
        EXPECT_EQ(hwtest::wait_exit(pid), 128 + SIGKILL);
        expect_consistent(tmp.path());
    }
}

TEST(Faults, LockedLongerThanTheBusyTimeout) {
    TempDir tmp;
    fill(tmp.path(), 3);
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    pid_t pid = hwtest::spawn([&] {
        sqlite3* db = nullptr;
        sqlite3_open((tmp / "hookwarden.db").c_str(), &db);
        sqlite3_exec(db, "BEGIN EXCLUSIVE; UPDATE breakers SET runs = runs", nullptr, nullptr, nullptr);
        (void)!::write(ready[1], "r", 1);
        ::sleep(30);
        return 0;
    });
    char c;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);

    auto t0 = std::chrono::steady_clock::now();
    std::string error;
    const int busy_ms = store::OpenOptions{}.busy_timeout_ms;
    auto s = store::Store::open(tmp.path(), error);  // the default busy timeout
    ASSERT_TRUE(s) << error;
    // WAL readers are not blocked by a writer: the breaker can still be consulted.
    auto a = s->admit("h", {}, 1, 1000);
    EXPECT_TRUE(a.run);
    EXPECT_EQ(a.error, "");
    RunRecord r = hwtest::make_record("h", Outcome::ok);
    std::string e = s->complete(r, {}, a, 1);
    auto waited = std::chrono::steady_clock::now() - t0;
    EXPECT_NE(e.find("locked"), std::string::npos) << e;
    EXPECT_GE(waited, std::chrono::milliseconds(busy_ms - 100));
    EXPECT_LT(waited, std::chrono::milliseconds(busy_ms + 1500));
    EXPECT_NE(s->set_breaker("h", "open", 1), "");

    ::kill(pid, SIGKILL);
    hwtest::wait_exit(pid);
    ::close(ready[0]);
    ::close(ready[1]);
    // Once the holder is gone the same connection works again.
    EXPECT_EQ(s->complete(r, {}, a, 1), "");
}

// A full disk, simulated with RLIMIT_FSIZE: writes past the limit fail with EFBIG.
TEST(Faults, DiskFull) {
    TempDir tmp;
    fill(tmp.path(), 3);
    pid_t pid = hwtest::spawn([&] {
        ::signal(SIGXFSZ, SIG_IGN);
        std::string error;
        auto s = store::Store::open(tmp.path(), error);
        if (!s) return 1;
        rlimit limit{0, 0};
        ::setrlimit(RLIMIT_FSIZE, &limit);
        auto a = s->admit("h", {}, 1, 1000);
        if (!a.run) return 2;
        RunRecord r = hwtest::make_record("h", Outcome::ok);
        r.errors.assign(200, std::string(1000, 'x'));  // more pages than any cache holds
        std::string e = s->complete(r, {}, a, 1);
        if (e.empty()) return 3;
        std::fprintf(stderr, "as expected: %s\n", e.c_str());
        return 0;
    });
    EXPECT_EQ(hwtest::wait_exit(pid), 0);
    expect_consistent(tmp.path());
}
