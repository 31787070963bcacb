#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fixtures.h"
#include "report/render.h"
#include "report/text.h"
#include "util/fs.h"

namespace hookwarden::report {
namespace {

using testing::ramp;
using testing::record;
using testing::run_command;
using testing::Ran;
using testing::TempDir;

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

TEST(Text, EllipsizeCountsCodePoints) {
    EXPECT_EQ(text::ellipsize("short", 10), "short");
    EXPECT_EQ(text::ellipsize("exactly-ten", 11), "exactly-ten");
    EXPECT_EQ(text::ellipsize("a-very-long-hook-name", 10), "a-very-lo…");
    EXPECT_EQ(text::display_width(text::ellipsize("ééééééééééééé", 5)), 5u);
    EXPECT_EQ(text::ellipsize("ééééééééééééé", 5), "éééé…");
}

TEST(Text, Utf8SanitizeReplacesInvalidSequences) {
    EXPECT_EQ(text::utf8_sanitize("ok é"), "ok é");
    EXPECT_EQ(text::utf8_sanitize("a\xff" "b"), "a\xEF\xBF\xBD" "b");
    EXPECT_EQ(text::utf8_sanitize("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
    EXPECT_EQ(text::utf8_sanitize("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

TEST(Table, FitsEightyColumnsAndAbbreviatesLongNames) {
    auto records = ramp("a-hook-with-a-name-far-too-long-for-any-table", 100);
    auto more = ramp("short", 3);
    records.insert(records.end(), more.begin(), more.end());
    records.push_back(record("slowpoke", 123456.7, Outcome::timeout));
    records.back().peak_memory_bytes = 999LL * 1024 * 1024 * 1024;
    for (int i = 0; i < 1234; ++i) records.push_back(record("many", 0.25));
    std::string table = render_table(build(records));
    for (const auto& line : lines(table)) EXPECT_LE(text::display_width(line), 80u) << "[" << line << "]";
    EXPECT_NE(table.find("a-hook-with-a-nam…"), std::string::npos) << table;
    EXPECT_NE(table.find("hook                 runs   ok%    p50    p95    p99    max peak MB fails trips"),
              std::string::npos)
        << table;
    EXPECT_NE(table.find("short                   3 100.0    2.0    3.0    3.0    3.0     3.0     0     0"),
              std::string::npos)
        << table;
    EXPECT_NE(table.find("slowpoke                1   0.0 123457 123457 123457 123457 1022976     1     0"),
              std::string::npos)
        << table;
}

TEST(Table, EmptyReport) { EXPECT_EQ(render_table(build({})), "hookwarden report: no runs recorded\n"); }

TEST(Json, StableDocumentedFields) {
    auto records = ramp("h", 100);
    auto j = nlohmann::json::parse(render_json(build(records)));
    EXPECT_EQ(j["schema"], "hookwarden.report/1");
    EXPECT_EQ(j["total_runs"], 100);
    ASSERT_EQ(j["hooks"].size(), 1u);
    const auto& h = j["hooks"][0];
    for (const char* key : {"hook", "event", "runs", "measured_runs", "outcomes", "latency_ms", "memory_bytes",
                            "cpu_ms", "failures", "timeouts", "oom_kills", "breaker_trips", "degradations",
                            "overhead_ms", "error_rate", "ok_rate", "backend", "first_run_ms", "last_run_ms"})
        EXPECT_TRUE(h.contains(key)) << key;
    EXPECT_EQ(h["latency_ms"]["p95"], 95.0);
    EXPECT_EQ(h["latency_ms"]["p90"], 90.0);
    EXPECT_EQ(h["memory_bytes"]["max"], 100.0 * 1024 * 1024);
    EXPECT_EQ(h["outcomes"]["ok"], 100);
    EXPECT_EQ(h["outcomes"]["spawn_error"], 0);
    EXPECT_EQ(j["events"][0]["event"], "PreToolUse");
    EXPECT_EQ(j["events"][0]["hook"], "");
}

TEST(Json, InvalidUtf8InNamesDoesNotThrow) {
    std::string out;
    EXPECT_NO_THROW(out = render_json(build(ramp("bad\xff", 2))));
    EXPECT_NE(out.find("bad\xEF\xBF\xBD"), std::string::npos);
}

TEST(Markdown, HasBothTables) {
    std::string md = render_markdown(build(ramp("x|y", 10)));
    EXPECT_NE(md.find("## Hooks"), std::string::npos);
    EXPECT_NE(md.find("## Events"), std::string::npos);
    EXPECT_NE(md.find("| x\\|y | 10 | 100.0 | 5.0 | 9.0 | 10.0 | 10.0 | 10.0 |"), std::string::npos) << md;
}

TEST(Jsonl, OneRecordPerLineRoundTrips) {
    auto records = ramp("h", 3);
    records[1].outcome = Outcome::timeout;
    std::string out = render_jsonl(records);
    auto rows = lines(out);
    ASSERT_EQ(rows.size(), 3u);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        RunRecord back = nlohmann::json::parse(rows[i]).get<RunRecord>();
        EXPECT_EQ(back.hook, "h");
        EXPECT_EQ(back.wall_ms, records[i].wall_ms);
        EXPECT_EQ(back.outcome, records[i].outcome);
    }
    EXPECT_EQ(render_jsonl({}), "");
}

TEST(WriteOutput, WritesAtomicallyToAFile) {
    TempDir dir;
    std::string path = (dir.path / "report.txt").string();
    EXPECT_EQ(write_output(path, "one"), "");
    EXPECT_EQ(write_output(path, "two"), "");
    EXPECT_EQ(fs::read_file(path).value_or(""), "two");
    EXPECT_NE(write_output((dir.path / "missing" / "x").string(), "x"), "");
}

std::vector<RunRecord> prometheus_records() {
    std::vector<RunRecord> records;
    // Exactly on bucket bounds, between them, past the last one, and not started.
    for (double ms : {5.0, 5.0, 7.0, 10.0, 99.0, 250.0, 12000.0}) records.push_back(record("edge", ms));
    records.push_back(record("edge", 0, Outcome::breaker_open));
    records.back().breaker_before = BreakerState::closed;
    records.back().breaker_after = BreakerState::open;
    auto more = ramp("we\"ird\\hook\nname", 4);
    records.insert(records.end(), more.begin(), more.end());
    return records;
}

TEST(Prometheus, CumulativeBucketsSumAndCount) {
    auto records = prometheus_records();
    std::string out = render_prometheus(build(records), records);
    const char* expected[] = {
        "hookwarden_run_duration_seconds_bucket{hook=\"edge\",le=\"0.005\"} 2\n",
        "hookwarden_run_duration_seconds_bucket{hook=\"edge\",le=\"0.01\"} 4\n",
        "hookwarden_run_duration_seconds_bucket{hook=\"edge\",le=\"0.025\"} 4\n",
        "hookwarden_run_duration_seconds_bucket{hook=\"edge\",le=\"0.1\"} 5\n",
        "hookwarden_run_duration_seconds_bucket{hook=\"edge\",le=\"0.25\"} 6\n",
        "hookwarden_run_duration_seconds_bucket{hook=\"edge\",le=\"10\"} 6\n",
        "hookwarden_run_duration_seconds_bucket{hook=\"edge\",le=\"+Inf\"} 7\n",
        "hookwarden_run_duration_seconds_sum{hook=\"edge\"} 12.376\n",
        "hookwarden_run_duration_seconds_count{hook=\"edge\"} 7\n",
        "hookwarden_runs_total{hook=\"edge\",outcome=\"ok\"} 7\n",
        "hookwarden_runs_total{hook=\"edge\",outcome=\"breaker_open\"} 1\n",
        "hookwarden_breaker_trips_total{hook=\"edge\"} 1\n",
        "hookwarden_peak_memory_bytes{hook=\"edge\"} 10485760\n",
        "hookwarden_runs_total{hook=\"we\\\"ird\\\\hook\\nname\",outcome=\"ok\"} 4\n",
        "# TYPE hookwarden_run_duration_seconds histogram\n",
        "# TYPE hookwarden_runs_total counter\n",
        "# TYPE hookwarden_peak_memory_bytes gauge\n",
    };
    for (const char* line : expected) EXPECT_NE(out.find(line), std::string::npos) << line << "\n---\n" << out;
}

TEST(Prometheus, PromtoolAcceptsIt) {
    if (!testing::have_program("promtool"))
        GTEST_SKIP() << "promtool not found (Debian: apt-get install prometheus); format checked structurally only";
    auto records = prometheus_records();
    TempDir dir;
    std::string file = dir.write("hookwarden.prom", render_prometheus(build(records), records));
    Ran ran = run_command("promtool check metrics < " + file);
    EXPECT_EQ(ran.status, 0) << ran.output;
    EXPECT_EQ(ran.output, "") << "promtool lint findings:\n" << ran.output;
    // And for an empty store: HELP/TYPE only.
    std::string empty = dir.write("empty.prom", render_prometheus(build({}), {}));
    ran = run_command("promtool check metrics < " + empty);
    EXPECT_EQ(ran.status, 0) << ran.output;
}

// A report with every feature the HTML has: violations of each kind, a hook without runs,
// a hostile name, an outlier. The Chromium check (tests/report/html_chromium.sh) renders
// the file this writes where HOOKWARDEN_HTML_SAMPLE says.
struct HtmlSample {
    std::vector<RunRecord> records;
    std::vector<HookBudget> budgets;
    HtmlSample() {
        auto add = [&](std::vector<RunRecord> more) { records.insert(records.end(), more.begin(), more.end()); };
        // guard-bash: quick, log-normal-ish spread.
        for (int i = 0; i < 300; ++i) {
            records.push_back(record("guard-bash", 20 + (i * 37 % 60) + (i % 17 == 0 ? 90 : 0)));
            records.back().peak_memory_bytes = (8 + i % 5) * 1024 * 1024;
        }
        // format-on-save: slow, violates its p95 budget.
        for (int i = 0; i < 120; ++i) {
            records.push_back(record("format-on-save", 600 + (i * 53 % 700), Outcome::ok, "PostToolUse"));
            records.back().peak_memory_bytes = (30 + i % 12) * 1024 * 1024;
            records.back().limits.memory_mb = 64;
        }
        // flaky-notify: errors and a timeout.
        for (int i = 0; i < 40; ++i) {
            Outcome o = i % 8 == 0 ? Outcome::error : Outcome::ok;
            records.push_back(record("flaky-notify", 50 + i * 3, o, "Notification"));
        }
        records.push_back(record("flaky-notify", 1000, Outcome::timeout, "Notification"));
        // memory-hog: OOM kills against a 50 MB limit.
        for (int i = 0; i < 30; ++i) {
            Outcome o = i % 10 == 0 ? Outcome::oom : Outcome::ok;
            records.push_back(record("memory-hog", 80 + i, o, "Stop"));
            records.back().peak_memory_bytes = (o == Outcome::oom ? 50 : 20 + i) * 1024 * 1024;
        }
        add(ramp("<script>alert(1)</script> & a-rather-long-hook-name", 12, "UserPromptSubmit"));
        auto b = [&](const std::string& hook, const std::string& event, std::int64_t timeout, int line) {
            HookBudget hb;
            hb.hook = hook;
            hb.event = event;
            hb.timeout_ms = timeout;
            hb.policy_file = ".hookwarden/policy.json";
            hb.line = line;
            hb.column = 5;
            budgets.push_back(hb);
        };
        b("guard-bash", "PreToolUse", 2000, 12);
        b("format-on-save", "PostToolUse", 5000, 20);
        budgets.back().budgets.p95_ms = 1000;
        b("flaky-notify", "Notification", 1000, 28);
        b("memory-hog", "Stop", 500, 34);
        b("never-fired", "SessionStart", 2000, 40);
    }
};

TEST(HtmlReport, SelfContainedWithChartsBudgetsAndViolations) {
    HtmlSample sample;
    Report report = build(sample.records);
    std::string html = render_html(report, sample.records, sample.budgets);
    EXPECT_EQ(html.find("http://"), std::string::npos);
    EXPECT_EQ(html.find("https://"), std::string::npos);
    // The hostile name is escaped: the only scripts are the viewer's data and its code.
    EXPECT_EQ(html.find("<script>alert(1)"), std::string::npos);
    EXPECT_EQ(count_of(html, "<script"), 2u);
    EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp;"), std::string::npos);
    EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
    // One latency chart per hook that ran, each with its p95 budget line.
    auto count = [&](const std::string& needle) {
        std::size_t n = 0;
        for (auto at = html.find(needle); at != std::string::npos; at = html.find(needle, at + 1)) ++n;
        return n;
    };
    EXPECT_EQ(count("aria-label=\"latency histogram of"), 5u);
    EXPECT_EQ(count("p95 budget "), 4u);  // the unbudgeted hook has none; +legend text has no trailing space
    EXPECT_EQ(count("aria-label=\"peak memory per hook\""), 1u);
    auto violations = check(report, sample.budgets);
    // format-on-save p95; flaky-notify error rate and timeouts; memory-hog error rate and OOM.
    EXPECT_EQ(violations.size(), 5u);
    EXPECT_NE(html.find("5 budget violations"), std::string::npos);
    EXPECT_EQ(count("<td class=\"bad\""), 5u);
    EXPECT_NE(html.find("no runs recorded"), std::string::npos);  // never-fired

    // Only on request, so that running the tests by hand leaves no files behind.
    if (const char* path = std::getenv("HOOKWARDEN_HTML_SAMPLE"); path && *path) {
        EXPECT_EQ(write_output(path, html), "") << path;
    }
}

TEST(HtmlReport, EmptyStoreStillRenders) {
    std::string html = render_html(build({}), {}, {});
    EXPECT_NE(html.find("No runs recorded."), std::string::npos);
    EXPECT_NE(html.find("</html>"), std::string::npos);
}

}  // namespace
}  // namespace hookwarden::report
