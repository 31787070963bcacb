// The breaker gate and the pending markers (store/handoff.h) on real files, and the gate
// kept in step with real breaker transitions in the store.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "store/handoff.h"
#include "support.h"
#include "util/fs.h"

using namespace hookwarden;
using hwtest::TempDir;

namespace {

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

}  // namespace

TEST(Gate, MissingOrForeignGateAdmitsNothing) {
    TempDir tmp;
    EXPECT_FALSE(store::gate_admits(tmp.path(), "h")) << "no gate: every run takes the full admission";
    std::ofstream(tmp / store::kGateName) << "something else\n";
    EXPECT_FALSE(store::gate_admits(tmp.path(), "h"));
}

TEST(Gate, AdmitsExactlyTheHooksItDoesNotList) {
    TempDir tmp;
    const std::string odd = "a \"quoted\"\nname";
    ASSERT_EQ(store::write_gate(tmp.path(), {"open-one", odd}), "");
    EXPECT_FALSE(store::gate_admits(tmp.path(), "open-one"));
    EXPECT_FALSE(store::gate_admits(tmp.path(), odd));
    EXPECT_TRUE(store::gate_admits(tmp.path(), "open"));
    EXPECT_TRUE(store::gate_admits(tmp.path(), "open-one-more"));
    EXPECT_TRUE(store::gate_admits(tmp.path(), "name"));
    ASSERT_EQ(store::write_gate(tmp.path(), {}), "");
    EXPECT_TRUE(store::gate_admits(tmp.path(), "open-one"));
    store::remove_gate(tmp.path());
    EXPECT_FALSE(store::gate_admits(tmp.path(), "open-one"));
}

TEST(Gate, FollowsTheBreakersOfTheStore) {
    TempDir tmp;
    auto s = hwtest::open_ok(tmp.path());
    EXPECT_TRUE(store::gate_admits(tmp.path(), "h")) << "opening the store writes the gate";
    BreakerConfig config;
    config.consecutive_failures = 2;
    std::int64_t now = 1'000'000;
    for (int i = 0; i < 2; ++i) {
        auto a = s->admit("h", config, now, 3000);
        RunRecord r = hwtest::make_record("h", Outcome::error, 10, now);
        ASSERT_EQ(s->complete(r, config, a, now), "");
    }
    EXPECT_FALSE(store::gate_admits(tmp.path(), "h")) << "tripped: listed";
    EXPECT_TRUE(store::gate_admits(tmp.path(), "other"));
    // open -> half_open stays listed; a successful probe closes and unlists it.
    now += config.open_ms + 1;
    auto probe = s->admit("h", config, now, 3000);
    ASSERT_TRUE(probe.probe);
    EXPECT_FALSE(store::gate_admits(tmp.path(), "h"));
    RunRecord ok = hwtest::make_record("h", Outcome::ok, 10, now);
    ASSERT_EQ(s->complete(ok, config, probe, now), "");
    EXPECT_EQ(ok.breaker_after, BreakerState::closed);
    EXPECT_TRUE(store::gate_admits(tmp.path(), "h"));
    // Manual states: forced open is listed, disabled always runs and is not.
    ASSERT_EQ(s->set_breaker("h", "open", now), "");
    EXPECT_FALSE(store::gate_admits(tmp.path(), "h"));
    ASSERT_EQ(s->set_breaker("h", "disable", now), "");
    EXPECT_TRUE(store::gate_admits(tmp.path(), "h"));
}

TEST(Gate, ARemovedGateIsWrittenAgainByTheNextOpen) {
    TempDir tmp;
    {
        auto s = hwtest::open_ok(tmp.path());
        ASSERT_EQ(s->set_breaker("stuck", "open", 1000), "");
    }
    store::remove_gate(tmp.path());
    auto s = hwtest::open_ok(tmp.path());
    EXPECT_FALSE(store::gate_admits(tmp.path(), "stuck")) << "rebuilt from the breakers table";
    EXPECT_TRUE(store::gate_admits(tmp.path(), "fine"));
}

TEST(Pending, WaitsForAMarkerUntilItsGuardianRemovesIt) {
    TempDir tmp;
    int go[2];
    ASSERT_EQ(::pipe(go), 0);
    pid_t guardian = ::fork();
    if (guardian == 0) {
        char byte;
        ssize_t n = ::read(go[0], &byte, 1);
        (void)n;
        ::_exit(0);
    }
    const std::string marker = store::pending_marker(tmp.path(), "h", guardian);
    ASSERT_EQ(store::mark_pending(marker), "");
    auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(store::wait_pending(tmp.path(), "h", std::chrono::milliseconds(50))) << "live guardian, marker kept";
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
    EXPECT_TRUE(exists(marker));
    EXPECT_TRUE(store::wait_pending(tmp.path(), "other-hook", std::chrono::milliseconds(50)))
        << "another hook's marker is not waited for";
    EXPECT_FALSE(store::wait_pending(tmp.path(), "", std::chrono::milliseconds(20))) << "readers wait for all";
    ::unlink(marker.c_str());
    EXPECT_TRUE(store::wait_pending(tmp.path(), "h", std::chrono::milliseconds(50)));
    ASSERT_EQ(::write(go[1], "x", 1), 1);
    ::waitpid(guardian, nullptr, 0);
}

TEST(Pending, AMarkerWhoseGuardianDiedIsStaleAndRemoved) {
    TempDir tmp;
    pid_t guardian = ::fork();
    if (guardian == 0) ::_exit(0);
    ::waitpid(guardian, nullptr, 0);
    const std::string marker = store::pending_marker(tmp.path(), "h", guardian);
    EXPECT_NE(store::mark_pending(marker), "") << "no marker names a guardian that is not running";
    ::mkdir((tmp / store::kPendingDir).c_str(), 0700);
    std::ofstream(marker) << "hookwarden-guardian 12345\n";
    EXPECT_TRUE(store::wait_pending(tmp.path(), "h", std::chrono::seconds(2)));
    EXPECT_FALSE(exists(marker));
}

// A hook can write into the state directory it inherits. Markers it plants for another
// hook (pid 1 never dies; a live process with its real start time; a link) used to make
// every run of that hook wait 2 s, for ever: they are not waited for, and removed.
TEST(Pending, ForgedMarkersAreIgnoredAndRemoved) {
    TempDir tmp;
    ASSERT_EQ(::mkdir((tmp / store::kPendingDir).c_str(), 0700), 0);
    const std::string empty = store::pending_marker(tmp.path(), "h", 1);
    std::ofstream(empty) << "";
    const auto init_stat = fs::read_file("/proc/1/stat").value_or("");
    std::string ticks;  // field 22 of pid 1's stat: init runs, but is no guardian
    {
        std::istringstream fields(init_stat.substr(init_stat.rfind(')') + 2));
        for (int i = 3; i <= 22; ++i) fields >> ticks;
    }
    const std::string init = store::pending_marker(tmp.path(), "i", 1);
    std::ofstream(init) << "hookwarden-guardian " << ticks << "\n";
    const std::string wrong_time = store::pending_marker(tmp.path(), "j", ::getpid());
    std::ofstream(wrong_time) << "hookwarden-guardian 1\n";
    const std::string link = store::pending_marker(tmp.path(), "k", ::getpid());
    ASSERT_EQ(::symlink("/etc/hostname", link.c_str()), 0);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(store::wait_pending(tmp.path(), "", std::chrono::seconds(2)));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
    for (const auto& path : {empty, init, wrong_time, link}) EXPECT_FALSE(exists(path)) << path;
    // Our own, genuine marker is waited for.
    const std::string own = store::pending_marker(tmp.path(), "h", ::getpid());
    ASSERT_EQ(store::mark_pending(own), "");
    EXPECT_FALSE(store::wait_pending(tmp.path(), "h", std::chrono::milliseconds(30)));
    EXPECT_TRUE(exists(own));
}

TEST(Pending, ReadersOpeningTheStoreWaitForPendingRecords) {
    TempDir tmp;
    hwtest::open_ok(tmp.path());
    int go[2];
    ASSERT_EQ(::pipe(go), 0);
    pid_t guardian = ::fork();
    if (guardian == 0) {
        // A guardian that commits its record 200 ms from now, then removes its marker.
        char byte;
        ssize_t n = ::read(go[0], &byte, 1);
        (void)n;
        ::usleep(200 * 1000);
        store::OpenOptions options;
        options.wait_for_pending = false;
        auto s = hwtest::open_ok(tmp.path(), options);
        RunRecord r = hwtest::make_record("late", Outcome::ok);
        BreakerConfig config;
        s->complete(r, config, {}, 1'000'000);
        ::unlink(store::pending_marker(tmp.path(), "late", ::getpid()).c_str());
        ::_exit(0);
    }
    ASSERT_EQ(store::mark_pending(store::pending_marker(tmp.path(), "late", guardian)), "");
    ASSERT_EQ(::write(go[1], "x", 1), 1);
    auto reader = hwtest::open_ok(tmp.path());
    EXPECT_EQ(reader->record_count(), 1u) << "the reader waited for the pending record";
    ::waitpid(guardian, nullptr, 0);
}
