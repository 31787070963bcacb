// The commit a guardian started ahead of its run (serve's ready pool) receives with the
// record: encoded and decoded whole, every field, and garbage refused.
#include <gtest/gtest.h>

#include "store/handed_over.h"

using namespace hookwarden;

TEST(HandedOverCommit, RoundTripsEveryField) {
    store::HandedOverCommit commit;
    commit.state_dir = "/tmp/state \xff dir";
    commit.hook = "guard";
    commit.breaker.consecutive_failures = 7;
    commit.breaker.failure_rate = 0.25;
    commit.breaker.half_open_probes = 3;
    commit.admission.state_before = BreakerState::half_open;
    commit.admission.probe = true;
    commit.admission.probe_id = 42;
    commit.admission.error = "store busy";
    commit.retention.max_records = 12;
    commit.retention.batch = 9;
    commit.otlp = OtlpConfig{"http://127.0.0.1:4318", {{"Authorization", "Bearer x"}}, 500, 700, "svc"};
    commit.alerts[1].enabled = false;
    commit.alerts[2].threshold = 0.125;
    commit.alerts[3].notify.command = {"notify-send", "a b"};
    commit.alerts[3].notify.webhook = "http://127.0.0.1:9/hook";

    auto back = store::decode_commit(store::encode_commit(commit));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->hook, "guard");
    EXPECT_EQ(back->breaker.consecutive_failures, 7);
    EXPECT_DOUBLE_EQ(back->breaker.failure_rate, 0.25);
    EXPECT_EQ(back->breaker.half_open_probes, 3);
    EXPECT_EQ(back->admission.state_before, BreakerState::half_open);
    EXPECT_TRUE(back->admission.probe);
    EXPECT_EQ(back->admission.probe_id, 42);
    EXPECT_EQ(back->admission.error, "store busy");
    EXPECT_EQ(back->retention.max_records, 12);
    EXPECT_EQ(back->retention.batch, 9);
    ASSERT_TRUE(back->otlp.has_value());
    EXPECT_EQ(back->otlp->endpoint, "http://127.0.0.1:4318");
    EXPECT_EQ(back->otlp->headers.at("Authorization"), "Bearer x");
    EXPECT_EQ(back->otlp->timeout_ms, 700);
    EXPECT_EQ(back->otlp->service_name, "svc");
    EXPECT_FALSE(back->alerts[1].enabled);
    EXPECT_DOUBLE_EQ(back->alerts[2].threshold, 0.125);
    EXPECT_EQ(back->alerts[3].notify.command, (std::vector<std::string>{"notify-send", "a b"}));
    EXPECT_EQ(back->alerts[3].notify.webhook, "http://127.0.0.1:9/hook");
    EXPECT_EQ(back->alerts[0].kind, commit.alerts[0].kind);
}

TEST(HandedOverCommit, NoOtlpAndNoBreakerStateStayUnset) {
    store::HandedOverCommit commit;
    commit.hook = "h";
    auto back = store::decode_commit(store::encode_commit(commit));
    ASSERT_TRUE(back.has_value());
    EXPECT_FALSE(back->otlp.has_value());
    EXPECT_FALSE(back->admission.state_before.has_value());
}

TEST(HandedOverCommit, GarbageIsNoCommit) {
    EXPECT_FALSE(store::decode_commit("").has_value());
    EXPECT_FALSE(store::decode_commit("[1,2]").has_value());
    EXPECT_FALSE(store::decode_commit("{\"hook\":\"h\"}").has_value());
}
