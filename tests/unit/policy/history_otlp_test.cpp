// The top-level `history` and `otlp` keys (docs/policy.md "History and OpenTelemetry").
#include <gtest/gtest.h>

#include "policy/policy.h"

using namespace hookwarden;

namespace {

std::string errors_of(const policy::LoadResult& r) {
    std::string all;
    for (const auto& d : r.errors) all += d.to_string() + "\n";
    return all;
}

}  // namespace

TEST(HistoryKey, DefaultsAndValues) {
    auto plain = policy::load_string(R"({"version": 1})", "p.json");
    ASSERT_TRUE(plain.policy) << errors_of(plain);
    EXPECT_EQ(plain.policy->history.detailed_days, 30);
    EXPECT_EQ(plain.policy->history.hourly_days, 90);
    EXPECT_EQ(plain.policy->history.daily_days, 365);
    EXPECT_FALSE(plain.policy->otlp);
    auto set = policy::load_string(
        R"({"version": 1, "history": {"detailed_days": 7, "max_records": 5000, "hourly_days": 30, "daily_days": 730}})",
        "p.json");
    ASSERT_TRUE(set.policy) << errors_of(set);
    EXPECT_EQ(set.policy->history.detailed_days, 7);
    EXPECT_EQ(set.policy->history.max_records, 5000);
    EXPECT_EQ(set.policy->history.hourly_days, 30);
    EXPECT_EQ(set.policy->history.daily_days, 730);
}

TEST(HistoryKey, BadValuesAreErrorsWithPositions) {
    auto r = policy::load_string("{\"version\": 1,\n \"history\": {\"detailed_days\": 0, \"daily_days\": 10, \"keep\": 1}}",
                                 "p.json");
    EXPECT_FALSE(r.policy);
    const std::string all = errors_of(r);
    EXPECT_NE(all.find("p.json:2:31: $.history.detailed_days: expected a positive integer (days"), std::string::npos) << all;
    EXPECT_NE(all.find("$.history.daily_days: expected daily_days >= hourly_days (90), got 10"), std::string::npos) << all;
    EXPECT_NE(all.find("$.history.keep: unknown key \"keep\""), std::string::npos) << all;
}

TEST(OtlpKey, ParsedWithDefaults) {
    auto r = policy::load_string(
        R"({"version": 1, "otlp": {"endpoint": "http://127.0.0.1:4318", "headers": {"Authorization": "Bearer t"}}})",
        "p.json");
    ASSERT_TRUE(r.policy) << errors_of(r);
    ASSERT_TRUE(r.policy->otlp);
    EXPECT_EQ(r.policy->otlp->endpoint, "http://127.0.0.1:4318");
    EXPECT_EQ(r.policy->otlp->headers.at("Authorization"), "Bearer t");
    EXPECT_EQ(r.policy->otlp->interval_ms, 10000);
    EXPECT_EQ(r.policy->otlp->timeout_ms, 2000);
    EXPECT_EQ(r.policy->otlp->service_name, "hookwarden");
}

TEST(OtlpKey, BadValuesAreErrorsWithPositions) {
    auto r = policy::load_string(
        "{\"version\": 1, \"otlp\": {\"endpoint\": \"grpc://x:4317\", \"timeout_ms\": 600000,\n"
        " \"headers\": {\"Bad Name\": \"v\", \"X-Ok\": 3}, \"interval\": 5}}",
        "p.json");
    EXPECT_FALSE(r.policy);
    const std::string all = errors_of(r);
    EXPECT_NE(all.find("p.json:1:37: $.otlp.endpoint: expected an http://HOST[:PORT][/PATH] URL"), std::string::npos) << all;
    EXPECT_NE(all.find("$.otlp.timeout_ms: expected a positive integer (milliseconds, at most 60000), got 600000"),
              std::string::npos) << all;
    EXPECT_NE(all.find("$.otlp.headers[\"Bad Name\"]: expected an HTTP header name"), std::string::npos) << all;
    EXPECT_NE(all.find("$.otlp.headers.X-Ok: expected a string, got 3"), std::string::npos) << all;
    EXPECT_NE(all.find("$.otlp.interval: unknown key \"interval\"; did you mean \"interval_ms\"?"), std::string::npos)
        << all;
}
