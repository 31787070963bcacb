// The viewer's "Trends": per hook and UTC day, p50/p95 latency, error rate and peak memory
// over the retained runs and, before them, the hourly and daily aggregates (docs/records.md
// "History"), with the budget in force drawn across. Rendered here (SVG and a
// table) so that it prints and reads without the script.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "report/html_parts.h"
#include "report/stats.h"
#include "report/text.h"

namespace hookwarden::report::html {

namespace {

using text::number;
using text::xml_escape;

constexpr std::int64_t kDayMs = 86'400'000;
constexpr double kMiB = 1024.0 * 1024.0;

struct Day {
    std::int64_t day = 0;  // days since 1970-01-01 (UTC)
    std::vector<double> latencies;
    std::vector<Weighted> bucketed;  // from aggregate rows: bucket bounds, weighted by their runs
    std::size_t runs = 0, judged = 0, failures = 0;  // judged: runs the error rate counts (not breaker_open)
    double peak_bytes = 0;
    double p50 = 0, p95 = 0, error_rate = 0;
};

struct HookTrend {
    std::string hook;
    std::vector<Day> days;
    double memory_limit_bytes = 0;
};

void add_run(Day& d, const RunRecord& r) {
    ++d.runs;
    if (r.outcome != Outcome::breaker_open) ++d.judged;
    if (is_failure(r.outcome)) ++d.failures;
    if (r.outcome == Outcome::breaker_open || r.outcome == Outcome::spawn_error) return;
    d.latencies.push_back(r.wall_ms);
    d.peak_bytes = std::max(d.peak_bytes, static_cast<double>(r.peak_memory_bytes));
}

void add_row(Day& d, const RunAggregate& a) {
    d.runs += static_cast<std::size_t>(a.runs);
    for (const auto& [name, n] : a.outcomes) {
        auto o = outcome_from_string(name);
        if (!o) continue;
        if (*o != Outcome::breaker_open) d.judged += static_cast<std::size_t>(n);
        if (is_failure(*o)) d.failures += static_cast<std::size_t>(n);
    }
    for (std::size_t i = 0; i < kLatencyBuckets; ++i)
        if (a.latency_buckets[i] > 0) d.bucketed.push_back({latency_bucket_value(i, a.wall_ms_max), a.latency_buckets[i]});
    d.peak_bytes = std::max(d.peak_bytes, static_cast<double>(a.peak_memory_max));
}

void finish_day(Day& d) {
    std::sort(d.latencies.begin(), d.latencies.end());
    if (d.bucketed.empty()) {
        d.p50 = nearest_rank(d.latencies, 50);
        d.p95 = nearest_rank(d.latencies, 95);
    } else {
        for (double v : d.latencies) d.bucketed.push_back({v, 1});
        const Percentiles p = weighted_percentiles(d.bucketed);
        d.p50 = p.p50;
        d.p95 = p.p95;
    }
    d.error_rate = d.judged ? static_cast<double>(d.failures) / static_cast<double>(d.judged) : 0;
}

std::vector<HookTrend> trends_of(const std::vector<RunRecord>& records, const std::vector<std::size_t>& shown,
                                 const std::vector<RunAggregate>& aggregates) {
    std::map<std::string, std::map<std::int64_t, Day>> by_hook;
    std::map<std::string, double> limit_of;
    for (const RunAggregate& a : aggregates) {
        add_row(by_hook[a.hook][period_start(Period::day, a.start_ms) / kDayMs], a);
        limit_of[a.hook] = std::max(limit_of[a.hook], static_cast<double>(a.memory_limit_max_bytes));
    }
    for (std::size_t i : shown) {
        const RunRecord& r = records[i];
        const std::int64_t day = r.time_unix_ms >= 0 ? r.time_unix_ms / kDayMs : (r.time_unix_ms + 1) / kDayMs - 1;
        add_run(by_hook[r.hook][day], r);
        limit_of[r.hook] = std::max(limit_of[r.hook], static_cast<double>(r.limits.memory_mb) * kMiB);
    }
    std::vector<HookTrend> trends;
    for (auto& [hook, days] : by_hook) {
        HookTrend t{hook, {}, limit_of[hook]};
        for (auto& [day, d] : days) {
            d.day = day;
            finish_day(d);
            t.days.push_back(std::move(d));
        }
        trends.push_back(std::move(t));
    }
    return trends;
}

std::string date_of(std::int64_t day) { return utc_text(static_cast<double>(day * kDayMs), 10); }

struct Series {
    const char* css;  // class of the line: "p50", "p95", …
    std::vector<double> values;
};

// One small line chart over the hook's days; `limit` > 0 draws the budget line across.
std::string line_chart(const std::string& label, const std::vector<Day>& days, const std::vector<Series>& series,
                       double limit, const std::string& unit) {
    constexpr double W = 300, H = 120, left = 56, right = 8, top = 14, bottom = 20;
    const double plot_w = W - left - right, plot_h = H - top - bottom;
    double y_max = std::max(limit, 1e-9);
    for (const auto& s : series)
        for (double v : s.values) y_max = std::max(y_max, v);
    y_max *= 1.1;
    const std::size_t n = days.size();
    auto x_of = [&](std::size_t i) { return left + (n > 1 ? plot_w * static_cast<double>(i) / static_cast<double>(n - 1) : plot_w / 2); };
    auto y_of = [&](double v) { return top + plot_h - v / y_max * plot_h; };
    std::string svg = fmt::format("<svg class=\"trend\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\">", number(W),
                                  number(H), xml_escape(label));
    svg += fmt::format("<text x=\"{}\" y=\"10\">{}</text>", number(left), xml_escape(label));
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", number(left - 4), number(top + 4),
                       xml_escape(text::number(y_max >= 10 ? std::round(y_max) : std::round(y_max * 10) / 10) + unit));
    svg += fmt::format("<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>", number(left),
                       number(top + plot_h), number(left + plot_w));
    svg += fmt::format("<text x=\"{}\" y=\"{}\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                       number(left), number(H - 4), date_of(days.front().day), number(left + plot_w), number(H - 4),
                       date_of(days.back().day));
    if (limit > 0)
        svg += fmt::format("<line class=\"budget\" x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\"><title>budget {3}{4}"
                           "</title></line>", number(left), y_of(limit), number(left + plot_w), number(limit), unit);
    for (const auto& s : series) {
        std::string points;
        for (std::size_t i = 0; i < n; ++i) points += fmt::format("{:.1f},{:.1f} ", x_of(i), y_of(s.values[i]));
        svg += fmt::format("<polyline class=\"{}\" points=\"{}\"/>", s.css, points);
        for (std::size_t i = 0; i < n; ++i)
            svg += fmt::format("<circle class=\"{}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2\"><title>{} {}: {}{}</title></circle>",
                               s.css, x_of(i), y_of(s.values[i]), date_of(days[i].day), s.css,
                               number(std::round(s.values[i] * 1000) / 1000), unit);
    }
    return svg + "</svg>\n";
}

std::string trend_table(const HookTrend& t) {
    std::string out = "<details><summary>per day</summary><table class=\"trend-table\"><thead><tr><th>day (UTC)</th>"
                      "<th>runs</th><th>p50 ms</th><th>p95 ms</th><th>error rate</th><th>peak MiB</th></tr></thead><tbody>";
    for (const Day& d : t.days)
        out += fmt::format("<tr data-day=\"{0}\"><td>{0}</td><td>{1}</td><td>{2}</td><td>{3}</td><td>{4:.1f}%</td>"
                           "<td>{5:.1f}</td></tr>", date_of(d.day), d.runs,
                           text::short_ms(d.p50, !d.latencies.empty() || !d.bucketed.empty()),
                           text::short_ms(d.p95, !d.latencies.empty() || !d.bucketed.empty()), d.error_rate * 100, d.peak_bytes / kMiB);
    return out + "</tbody></table></details>\n";
}

std::string trend_card(const HookTrend& t, const HookBudget* budget) {
    std::vector<double> p50, p95, errors, memory;
    for (const Day& d : t.days) {
        p50.push_back(d.p50);
        p95.push_back(d.p95);
        errors.push_back(d.error_rate * 100);
        memory.push_back(d.peak_bytes / kMiB);
    }
    std::string out = fmt::format("<div class=\"card trend-card\" data-hook=\"{0}\"><h3 title=\"{0}\">{0}</h3>\n",
                                  xml_escape(t.hook));
    out += "<div class=\"trend-charts\">";
    out += line_chart("latency p50 / p95", t.days, {{"p50", p50}, {"p95", p95}}, budget ? budget->p95_limit_ms() : 0,
                      " ms");
    out += line_chart("error rate", t.days, {{"errors", errors}}, budget ? budget->budgets.error_rate * 100 : 0, "%");
    out += line_chart("peak memory", t.days, {{"memory", memory}}, t.memory_limit_bytes / kMiB, " MiB");
    return out + "</div>\n" + trend_table(t) + "</div>\n";
}

}  // namespace

std::string trends_section(const std::vector<RunRecord>& records, const std::vector<std::size_t>& shown,
                           const std::vector<HookBudget>& budgets, const std::vector<RunAggregate>& aggregates) {
    const auto trends = trends_of(records, shown, aggregates);
    std::string out = "<section id=\"trends\" class=\"view\">\n<h2>Trends</h2>\n<p class=\"meta\">Per hook and UTC "
                      "day over the retained runs and the aggregates before them: latency p50 and p95 (nearest rank, runs that started), error rate, "
                      "peak memory; dashed: the budget or limit in force.</p>\n";
    if (trends.empty()) return out + "<p class=\"meta\">No runs, so no trends.</p>\n</section>\n";
    out += "<div class=\"trends\">\n";
    for (const auto& t : trends) {
        auto b = std::find_if(budgets.begin(), budgets.end(), [&](const HookBudget& hb) { return hb.hook == t.hook; });
        out += trend_card(t, b == budgets.end() ? nullptr : &*b);
    }
    return out + "</div>\n</section>\n";
}

}  // namespace hookwarden::report::html
