// The one vocabulary of run records (hookwarden/run_record.h, hookwarden/percentile.h):
// answers, the predicates stats, status and the breaker judge runs by, the failure rate
// and the percentile.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hookwarden/percentile.h"
#include "hookwarden/run_record.h"

namespace hookwarden {
namespace {

constexpr Outcome kAll[] = {Outcome::ok,      Outcome::blocked,     Outcome::error,
                            Outcome::crash,   Outcome::timeout,     Outcome::oom,
                            Outcome::spawn_error, Outcome::breaker_open, Outcome::internal_error,
                            Outcome::output_overflow};

TEST(Answer, StringsAreTheJsonAndDatabaseOnes) {
    const std::pair<Answer, const char*> expected[] = {{Answer::own, "own"},     {Answer::allow, "allow"},
                                                       {Answer::block, "block"}, {Answer::ask, "ask"},
                                                       {Answer::fallback, "fallback"}};
    for (const auto& [answer, text] : expected) {
        EXPECT_STREQ(to_string(answer), text);
        EXPECT_EQ(answer_from_string(text), answer);
    }
    EXPECT_EQ(answer_from_string("Own"), std::nullopt);
    EXPECT_EQ(answer_from_string(""), std::nullopt);
}

TEST(Answer, DegradedAnswerOfEachActionAndIsDegraded) {
    EXPECT_EQ(degraded_answer(FailureAction::allow), Answer::allow);
    EXPECT_EQ(degraded_answer(FailureAction::block), Answer::block);
    EXPECT_EQ(degraded_answer(FailureAction::ask), Answer::ask);
    EXPECT_EQ(degraded_answer(FailureAction::fallback), Answer::fallback);
    EXPECT_FALSE(is_degraded(Answer::own));
    for (Answer a : {Answer::allow, Answer::block, Answer::ask, Answer::fallback}) EXPECT_TRUE(is_degraded(a));
}

TEST(RunRecordJson, AnswerRoundTripsAndAnUnknownOneIsReportedNotHidden) {
    RunRecord r;
    r.answer = Answer::ask;
    nlohmann::json j = r;
    EXPECT_EQ(j["answer"], "ask");
    EXPECT_EQ(j.get<RunRecord>().answer, Answer::ask);

    j["answer"] = "shrug";
    j["errors"] = {"earlier"};
    const RunRecord read = j.get<RunRecord>();
    EXPECT_EQ(read.answer, Answer::own);
    ASSERT_EQ(read.errors.size(), 2u);
    EXPECT_EQ(read.errors[0], "earlier");
    EXPECT_EQ(read.errors[1], "unknown answer 'shrug' (expected own, allow, block, ask or fallback)");
}

TEST(Predicates, WhichOutcomesWereMeasuredFailedAndAreJudged) {
    for (Outcome o : kAll) {
        SCOPED_TRACE(to_string(o));
        EXPECT_EQ(hook_measured(o, 12.5), o != Outcome::breaker_open && o != Outcome::spawn_error);
        // Without a wall time only hookwarden's own failure is not a measurement (a hook
        // that ran in 0 ms is still one: a clock's resolution is not its absence).
        EXPECT_EQ(hook_measured(o, 0), o != Outcome::breaker_open && o != Outcome::spawn_error &&
                                           o != Outcome::internal_error);
        EXPECT_EQ(counts_in_failure_rate(o), o != Outcome::breaker_open && o != Outcome::internal_error);
        const bool failure = o == Outcome::error || o == Outcome::crash || o == Outcome::timeout ||
                             o == Outcome::oom || o == Outcome::spawn_error || o == Outcome::output_overflow;
        EXPECT_EQ(is_failure(o), failure);
        // Every failure is judged: a rate can never exceed 1.
        if (failure) {
            EXPECT_TRUE(counts_in_failure_rate(o));
        }
    }
}

TEST(FailureRate, FailuresOverJudgedRuns) {
    FailureRate rate;
    EXPECT_EQ(rate.rate(), 0);
    for (Outcome o : kAll) rate.add(o);
    EXPECT_EQ(rate.judged, 8u);    // all but breaker_open and internal_error
    EXPECT_EQ(rate.failures, 6u);  // error, crash, timeout, oom, spawn_error, output_overflow
    EXPECT_DOUBLE_EQ(rate.rate(), 6.0 / 8.0);

    FailureRate refused;
    refused.add(Outcome::breaker_open);
    refused.add(Outcome::internal_error);
    EXPECT_EQ(refused.judged, 0u);
    EXPECT_EQ(refused.rate(), 0);
}

TEST(Percentile, NearestRankOfUnsortedValues) {
    EXPECT_EQ(percentile({}, 50), 0);
    EXPECT_EQ(percentile({7}, 99), 7);
    EXPECT_EQ(percentile({30, 10, 20, 40}, 50), 20);  // rank ceil(2.0) = 2
    EXPECT_EQ(percentile({30, 10, 20, 40}, 51), 30);  // rank ceil(2.04) = 3
    EXPECT_EQ(percentile({30, 10, 20, 40}, 100), 40);
    std::vector<double> hundred;
    for (int i = 100; i >= 1; --i) hundred.push_back(i);
    EXPECT_EQ(percentile(hundred, 95), 95);
    EXPECT_EQ(percentile(hundred, 99), 99);
    EXPECT_EQ(percentile(hundred, 0.1), 1);
}

}  // namespace
}  // namespace hookwarden
