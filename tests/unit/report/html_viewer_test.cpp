// The HTML viewer's server-side parts: escaping of the embedded data, the CSP hash, the
// session and trend figures, hostile and odd records. The browser side is tested in
// headless Chromium (tests/report/viewer_chromium.sh).
#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "fixtures.h"
#include "report/html_parts.h"
#include "report/render.h"

namespace hookwarden::report {
namespace {

using testing::record;

std::size_t occurrences(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

// The JSON between <script type="application/json" id="hw-data"> and its </script>.
nlohmann::json embedded_data(const std::string& html) {
    const std::string open = "<script type=\"application/json\" id=\"hw-data\">";
    auto start = html.find(open);
    EXPECT_NE(start, std::string::npos);
    start += open.size();
    return nlohmann::json::parse(html.substr(start, html.find("</script>", start) - start));
}

TEST(HtmlViewer, ScriptSafeJsonCannotLeaveItsElementAndMeansTheSame) {
    nlohmann::json original = {{"name", "</script><script>alert(1)</script><!-- \u2028 \u2029 <\\/b>"}};
    const std::string text = original.dump(-1, ' ', false);
    const std::string safe = html::script_safe(text);
    EXPECT_EQ(safe.find('<'), std::string::npos) << safe;
    EXPECT_EQ(safe.find("\u2028"), std::string::npos);
    EXPECT_EQ(safe.find("\u2029"), std::string::npos);
    EXPECT_EQ(nlohmann::json::parse(safe), original);
}

TEST(HtmlViewer, CspHashIsTheScriptsSha256) {
    EXPECT_EQ(html::csp_hash_source("abc"), "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='");
    EXPECT_EQ(html::csp_hash_source(""), "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
    const std::string page = render_html(build({record("h", 5)}), {record("h", 5)}, {});
    const auto open = page.rfind("<script>") + 8;
    const std::string script = page.substr(open, page.find("</script>", open) - open);
    EXPECT_NE(page.find("script-src " + html::csp_hash_source(script) + "\""), std::string::npos);
}

TEST(HtmlViewer, HostileNamesStayTextAndRoundTripThroughTheData) {
    const std::string hostile = "</script><script>alert(1)</script><!--\nsecond line \u2028";
    RunRecord r = record(hostile, 12);
    r.session_id = "<b>session</b>\n\"quoted\"";
    r.command = {"sh", "-c", "echo '</script>'"};
    r.errors = {"<img src=x onerror=alert(2)>"};
    std::vector<RunRecord> records = {r};
    const std::string page = render_html(build(records), records, {});
    EXPECT_EQ(occurrences(page, "<script"), 2u);    // the data and the viewer, nothing else
    EXPECT_EQ(occurrences(page, "</script>"), 2u);  // no name closes them early
    EXPECT_EQ(page.find("<img"), std::string::npos);
    EXPECT_EQ(page.find("<b>session"), std::string::npos);
    auto data = embedded_data(page);
    const auto& strings = data["strings"];
    EXPECT_EQ(strings[data["columns"]["hook"]["constant"].get<std::size_t>()], hostile);
    EXPECT_EQ(strings[data["columns"]["session"]["constant"].get<std::size_t>()], r.session_id);
    EXPECT_EQ(data["objects"][data["columns"]["errors"]["constant"].get<std::size_t>()][0], r.errors[0]);
}

TEST(HtmlViewer, SessionHookTimeCountsConcurrentRunsOnce) {
    std::vector<RunRecord> records;
    for (auto [offset, wall, hook] : {std::tuple{0, 100.0, "a"}, {50, 100.0, "b"}, {200, 100.0, "c"}}) {
        records.push_back(record(hook, wall));
        records.back().time_unix_ms += offset;
        records.back().session_id = "s-1";
    }
    records.push_back(record("loner", 7));  // no session id: counted, not listed
    const std::string section = html::sessions_section(records, html::shown_runs(records, 0));
    // Span 0..300 ms, covered 0..150 and 200..300 = 250 ms, 83.3 %; summed 300 ms.
    EXPECT_NE(section.find("<td>3</td><td>300.0 ms</td><td>250.0 ms</td><td>83.3%</td><td>300.0 ms</td>"),
              std::string::npos) << section;
    EXPECT_NE(section.find("1 run carry no session id"), std::string::npos) << section;
    EXPECT_NE(section.find("data-session=\"s-1\""), std::string::npos);
}

TEST(HtmlViewer, TrendsPerHookAndUtcDay) {
    std::vector<RunRecord> records;
    const std::int64_t day0 = 1'700'006'400'000;  // 2023-11-15T00:00:00Z
    for (int day = 0; day < 3; ++day)
        for (int i = 1; i <= 20; ++i) {
            records.push_back(record("slowing", i * (day + 1), i == 1 && day == 2 ? Outcome::error : Outcome::ok));
            records.back().time_unix_ms = day0 + day * 86'400'000LL + i * 1000;
        }
    HookBudget budget;
    budget.hook = "slowing";
    budget.budgets.p95_ms = 50;
    const std::string section = html::trends_section(records, html::shown_runs(records, 0), {budget});
    // p95 of 1..20 (× day+1) by nearest rank is the 19th: 19, 38, 57 ms; day 3 has 1 error in 20.
    EXPECT_NE(section.find("<tr data-day=\"2023-11-15\"><td>2023-11-15</td><td>20</td><td>10.0</td><td>19.0</td><td>0.0%"),
              std::string::npos) << section;
    EXPECT_NE(section.find("<tr data-day=\"2023-11-16\"><td>2023-11-16</td><td>20</td><td>20.0</td><td>38.0</td>"),
              std::string::npos);
    EXPECT_NE(section.find("<tr data-day=\"2023-11-17\"><td>2023-11-17</td><td>20</td><td>30.0</td><td>57.0</td><td>5.0%"),
              std::string::npos);
    EXPECT_NE(section.find("<title>budget 50 ms</title>"), std::string::npos);
}

TEST(HtmlViewer, EmptyAndOddRecordsStillRender) {
    const std::string empty = render_html(build({}), {}, {});
    EXPECT_EQ(embedded_data(empty)["count"], 0);
    EXPECT_NE(empty.find("0 sessions"), std::string::npos);
    EXPECT_NE(empty.find("No runs, so no trends."), std::string::npos);

    RunRecord odd;  // what an old version may have left: no hook, no event, no times
    odd.wall_ms = std::nan("");
    odd.hook = "bad\xff" "utf8";
    std::vector<RunRecord> records = {odd};
    const std::string page = render_html(build(records), records, {});
    auto data = embedded_data(page);
    EXPECT_EQ(data["count"], 1);
    EXPECT_TRUE(data["columns"]["wall_ms"]["constant"].is_null());
    EXPECT_EQ(data["strings"][data["columns"]["hook"]["constant"].get<std::size_t>()], "bad\xEF\xBF\xBDutf8");
}

}  // namespace
}  // namespace hookwarden::report
