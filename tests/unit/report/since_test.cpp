// --since (report/since.h): every relative unit, ISO dates and date-times with Z, offsets
// and local time, fractions of a second, and each way of getting it wrong.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

#include "report/since.h"

namespace hookwarden::report {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;  // 2027-01-15, unix ms
constexpr std::int64_t k20250131 = 1738281600LL * 1000;               // 2025-01-31T00:00Z
constexpr std::int64_t k20250131T1405 = 1738332300LL * 1000;          // 2025-01-31T14:05Z
constexpr std::int64_t k20250131T140509 = 1738332309LL * 1000;        // 2025-01-31T14:05:09Z

std::optional<std::int64_t> since(const std::string& text) {
    std::string error;
    auto at = parse_since(text, kNow, error);
    EXPECT_EQ(at.has_value(), error.empty()) << text << ": " << error;
    return at;
}

std::string error_of(const std::string& text) {
    std::string error;
    EXPECT_EQ(parse_since(text, kNow, error), std::nullopt) << text;
    return error;
}

// A fixed zone two hours east of UTC without daylight saving, so "local time" is known.
class LocalZone : public ::testing::Test {
protected:
    void SetUp() override {
        if (const char* tz = std::getenv("TZ")) old_ = tz;
        ::setenv("TZ", "XXX-02", 1);
        ::tzset();
    }
    void TearDown() override {
        old_ ? ::setenv("TZ", old_->c_str(), 1) : ::unsetenv("TZ");
        ::tzset();
    }

private:
    std::optional<std::string> old_;
};

TEST(Since, EmptyMeansNoBound) { EXPECT_EQ(since(""), 0); }

TEST(Since, EveryRelativeUnitCountsBackFromNow) {
    EXPECT_EQ(since("45s"), kNow - 45'000);
    EXPECT_EQ(since("30m"), kNow - 30 * 60'000);
    EXPECT_EQ(since("24h"), kNow - 24 * 3'600'000LL);
    EXPECT_EQ(since("7d"), kNow - 7 * 86'400'000LL);
    EXPECT_EQ(since("1y"), kNow - 365 * 86'400'000LL);  // the history's length (docs/records.md)
    EXPECT_EQ(since("2w"), kNow - 14 * 86'400'000LL);
    EXPECT_EQ(since("0h"), kNow);
    EXPECT_EQ(since("007m"), kNow - 7 * 60'000);  // leading zeros are digits like any other
}

TEST(Since, ADurationReachingBeforeTheEpochIsClampedToZero) {
    std::string error;
    EXPECT_EQ(parse_since("999999999w", kNow, error), 0) << error;
    EXPECT_EQ(parse_since("2h", 1000, error), 0) << error;
}

TEST(Since, ADurationOfMoreThanNineDigitsIsTooLarge) {
    EXPECT_EQ(error_of("1234567890d"), "--since '1234567890d': duration too large");
    EXPECT_EQ(error_of("99999999999999999999999s"), "--since '99999999999999999999999s': duration too large");
}

TEST(Since, IsoDateTimesInUtc) {
    EXPECT_EQ(since("2025-01-31T14:05Z"), k20250131T1405);
    EXPECT_EQ(since("2025-01-31T14:05:09Z"), k20250131T140509);
    EXPECT_EQ(since("2025-01-31t14:05:09z"), k20250131T140509);
    EXPECT_EQ(since("2025-01-31 14:05:09Z"), k20250131T140509);
    EXPECT_EQ(since("2024-02-29T00:00Z"), 1709164800LL * 1000);  // a leap day exists
}

TEST(Since, FractionsOfASecondAreDropped) {
    EXPECT_EQ(since("2025-01-31T14:05:09.999Z"), k20250131T140509);
    EXPECT_EQ(since("2025-01-31T14:05:09,5Z"), k20250131T140509);
    EXPECT_EQ(since("2025-01-31T14:05:09.123456789+00:00"), k20250131T140509);
}

TEST(Since, OffsetsEastAndWestOfUtc) {
    EXPECT_EQ(since("2025-01-31T16:05+02:00"), k20250131T1405);
    EXPECT_EQ(since("2025-01-31T16:05+0200"), k20250131T1405);
    EXPECT_EQ(since("2025-01-31T16:05+02"), k20250131T1405);
    EXPECT_EQ(since("2025-01-31T09:05-05"), k20250131T1405);
    EXPECT_EQ(since("2025-01-31T19:35:09+05:30"), k20250131T140509);
    EXPECT_EQ(since("2025-01-31T14:05-00:00"), k20250131T1405);
}

TEST_F(LocalZone, WithoutAZoneDatesAndTimesAreLocalTime) {
    EXPECT_EQ(since("2025-01-31"), k20250131 - 2 * 3'600'000);
    EXPECT_EQ(since("2025-01-31T16:05"), k20250131T1405);
    EXPECT_EQ(since("2025-01-31 16:05:09.5"), k20250131T140509);
    EXPECT_EQ(since("2025-01-31Z"), k20250131);  // a date with a zone is midnight there
}

TEST(Since, ABareDateWithAnOffset) { EXPECT_EQ(since("2025-01-31+01:00"), k20250131 - 3'600'000); }

TEST(Since, DatesThatDoNotExistAreRejected) {
    for (const char* text : {"2025-02-30", "2025-02-29", "2025-04-31", "2025-13-01", "2025-00-10", "2025-01-00",
                             "2025-01-32"})
        EXPECT_NE(error_of(text).find("expected a duration"), std::string::npos) << text;
}

TEST(Since, TimesOutOfRangeAreRejected) {
    for (const char* text : {"2025-01-31T24:00Z", "2025-01-31T14:60Z", "2025-01-31T14:05:61Z"})
        EXPECT_NE(error_of(text).find("expected a duration"), std::string::npos) << text;
}

TEST(Since, MalformedTextNamesWhatWasExpected) {
    const std::string expected =
        "': expected a duration (30m, 24h, 7d, 1y; units s, m, h, d, w, y) or an ISO-8601 date or date-time "
        "(2025-01-31, 2025-01-31T14:00, 2025-01-31T14:00:00Z, 2025-01-31T14:00+02:00)";
    for (const char* text :
         {"yesterday", "5", "m", "-5m", "5q", "5 m", "1.5h", "2025-1-31", "2025/01/31", "25-01-31", "2025-01-31T",
          "2025-01-31T14", "2025-01-31T14:5", "2025-01-31T1405", "2025-01-31T14:05:9", "2025-01-31T14:05:09.",
          "2025-01-31T14:05:09.Z", "2025-01-31T14:05 UTC", "2025-01-31T14:05+2", "2025-01-31T14:05+123",
          "2025-01-31T14:05+24:00", "2025-01-31T14:05+02:60", "2025-01-31T14:05+02:00:00", "2025-01-31T14:05ZZ",
          "2025-01-31junk"})
        EXPECT_EQ(error_of(text), std::string("--since '") + text + expected);
}

TEST(Iso, ParsesWithoutANowAndRejectsDurations) {
    EXPECT_EQ(parse_iso("2025-01-31T14:05Z"), k20250131T1405);
    EXPECT_EQ(parse_iso("30m"), std::nullopt);
    EXPECT_EQ(parse_iso(""), std::nullopt);
}

}  // namespace
}  // namespace hookwarden::report
