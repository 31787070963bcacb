// classify(): what supervision saw, turned into the run's outcome (README "What a run
// reports"). Order matters: the first matching rule wins.
#include <gtest/gtest.h>

#include "process/supervisor.h"

namespace hookwarden::process {
namespace {

Supervised exited(int code) {
    Supervised s;
    s.started = true;
    s.exit_code = code;
    return s;
}

TEST(Classify, ExitCodesOfAHookThatFinishedOnItsOwn) {
    EXPECT_EQ(classify(exited(0)), Outcome::ok);
    EXPECT_EQ(classify(exited(2)), Outcome::blocked);
    EXPECT_EQ(classify(exited(1)), Outcome::error);
    EXPECT_EQ(classify(exited(127)), Outcome::error);
}

TEST(Classify, NoBackendIsHookwardensFaultNotTheHooks) {
    Supervised s;
    s.no_backend = true;
    EXPECT_EQ(classify(s), Outcome::internal_error);
}

TEST(Classify, NotStartedIsASpawnError) {
    Supervised s;
    s.spawn_error = 2;
    EXPECT_EQ(classify(s), Outcome::spawn_error);
}

TEST(Classify, ASignalToTheSupervisorWinsOverWhatTheHookDid) {
    Supervised s = exited(0);
    s.supervisor_signal = 15;
    EXPECT_EQ(classify(s), Outcome::internal_error);
}

TEST(Classify, TimeoutWinsOverTheSignalItsKillCaused) {
    Supervised s;
    s.started = true;
    s.timed_out = true;
    s.signal = 9;
    EXPECT_EQ(classify(s), Outcome::timeout);
}

TEST(Classify, OomKillIsOomUnlessTheHookStillAnsweredOnItsOwn) {
    Supervised killed;
    killed.started = true;
    killed.signal = 9;
    killed.usage.oom_killed = true;
    EXPECT_EQ(classify(killed), Outcome::oom);

    Supervised failed = exited(1);
    failed.usage.oom_killed = true;
    EXPECT_EQ(classify(failed), Outcome::oom);

    // A child of the hook hit the limit, the hook itself still gave its verdict.
    Supervised answered = exited(2);
    answered.usage.oom_killed = true;
    EXPECT_EQ(classify(answered), Outcome::blocked);
    answered.exit_code = 0;
    EXPECT_EQ(classify(answered), Outcome::ok);
}

TEST(Classify, ASignalHookwardenDidNotSendIsACrash) {
    Supervised s;
    s.started = true;
    s.signal = 11;
    EXPECT_EQ(classify(s), Outcome::crash);
}

TEST(Classify, StartedButNeitherExitedNorSignalledIsInternal) {
    Supervised s;
    s.started = true;
    s.tree_reaped = false;
    EXPECT_EQ(classify(s), Outcome::internal_error);
}

}  // namespace
}  // namespace hookwarden::process
