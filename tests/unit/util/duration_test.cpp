#include <gtest/gtest.h>

#include "util/duration.h"

using namespace hookwarden;

TEST(Duration, ParsesTheGrammarPrometheusReads) {
    const std::int64_t day = 86'400'000;
    EXPECT_EQ(parse_duration_ms("5m", day), 300000);
    EXPECT_EQ(parse_duration_ms("1h30m", day), 5'400'000);
    EXPECT_EQ(parse_duration_ms("250ms", day), 250);
    EXPECT_EQ(parse_duration_ms("1m5s10ms", day), 65010);
    EXPECT_EQ(parse_duration_ms("0s", day), 0);
    EXPECT_EQ(parse_duration_ms("1d", day), day);
    for (const char* bad : {"", "5", "5 minutes", "-1m", "+1m", "1.5s", "5M", "1s1m", "1m1m", "ms", "2d", "1h 30m",
                            "99999999999999999999s"})
        EXPECT_FALSE(parse_duration_ms(bad, day)) << bad;
}

TEST(Duration, WritesTheShortestTextThatParsesBack) {
    EXPECT_EQ(duration_text(0), "0s");
    EXPECT_EQ(duration_text(300000), "5m");
    EXPECT_EQ(duration_text(90000), "1m30s");
    EXPECT_EQ(duration_text(1500), "1s500ms");
    EXPECT_EQ(duration_text(86'400'000), "1d");
    for (std::int64_t ms : {1LL, 999LL, 61001LL, 3'600'000LL, 86'399'999LL})
        EXPECT_EQ(parse_duration_ms(duration_text(ms), 86'400'000), ms) << ms;
}
