#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "report/html_parts.h"
#include "report/render.h"
#include "report/text.h"
#include "util/fs.h"

namespace hookwarden::report {

namespace {

using text::number;
using text::xml_escape;

constexpr double kMiB = 1024.0 * 1024.0;

// A round axis maximum (1, 2, 2.5, 5 × 10^k) at or above `value`, so tick labels read well.
double nice_ceiling(double value) {
    if (value <= 0) return 1;
    double magnitude = std::pow(10.0, std::floor(std::log10(value)));
    for (double step : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (step * magnitude >= value) return step * magnitude;
    return 10 * magnitude;
}

std::string fixed(double value) { return fmt::format("{:.1f}", value); }

constexpr const char* kStyle = R"(
:root { --fg:#1d232b; --muted:#5b6673; --line:#d8dde3; --bad:#b3261e; --bad-bg:#fde7e6; --ok:#1e7d32;
        --bar:#5b8def; --bar2:#a9c1f5; --p95:#1d232b; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--fg); margin: 24px auto; max-width: 1200px; padding: 0 16px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 10px; }
.meta { color: var(--muted); margin: 0 0 16px; }
.verdict { padding: 10px 14px; border-radius: 6px; margin: 12px 0; }
.verdict.pass { background: #e7f5ea; color: var(--ok); }
.verdict.fail { background: var(--bad-bg); color: var(--bad); }
.verdict ul { margin: 6px 0 0; padding-left: 20px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; }
th, td { padding: 4px 6px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
th { font-weight: 600; color: var(--muted); font-size: 12px; white-space: normal; vertical-align: bottom; }
td.name { font-family: ui-monospace, "DejaVu Sans Mono", monospace; max-width: 220px; overflow: hidden;
          text-overflow: ellipsis; }
td.bad { background: var(--bad-bg); color: var(--bad); font-weight: 600; }
tr.violating td.name { color: var(--bad); font-weight: 600; }
.budget { color: var(--muted); font-size: 11px; display: block; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); gap: 16px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.card.violating { border-color: var(--bad); box-shadow: 0 0 0 1px var(--bad); }
.card h3 { font-size: 14px; margin: 0 0 4px; font-family: ui-monospace, "DejaVu Sans Mono", monospace;
           overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.card .sub { color: var(--muted); font-size: 12px; margin-bottom: 4px; }
svg { display: block; width: 100%; height: auto; }
svg text { font: 11px system-ui, sans-serif; fill: var(--muted); }
svg .axis { stroke: #9aa4af; stroke-width: 1; }
svg .grid { stroke: #eef0f3; stroke-width: 1; }
svg .bar { fill: var(--bar); } svg .bar2 { fill: var(--bar2); }
svg .budget { stroke: var(--bad); stroke-width: 2; stroke-dasharray: 6 4; }
svg .actual { stroke: var(--p95); stroke-width: 1.5; }
svg text.budget-label { fill: var(--bad); font-weight: 600; }
svg text.actual-label { fill: var(--p95); }
svg text.name { font-family: ui-monospace, "DejaVu Sans Mono", monospace; fill: var(--fg); }
.legend { color: var(--muted); font-size: 12px; margin-top: 6px; }
.swatch { display: inline-block; width: 18px; height: 0; vertical-align: middle; margin: 0 4px 0 10px; }
footer { color: var(--muted); font-size: 12px; margin-top: 32px; }
)";

struct HookView {
    const HookStats* stats = nullptr;  // null: in the policy but no runs
    const HookBudget* budget = nullptr;
    std::string name;
    std::vector<double> latencies;  // measured runs
    double memory_limit_bytes = 0;  // largest memory limit in force over its runs
    std::set<std::string> violated;
    std::vector<const Violation*> violations;
};

// The geometry of a latency histogram (viewBox units).
namespace histogram {
constexpr double W = 560, H = 200, left = 44, right = 16, top = 22, bottom = 34;
constexpr double plot_w = W - left - right, plot_h = H - top - bottom;
}  // namespace histogram

// The frame of a latency histogram: ticks in ms along x, the run count up y.
std::string latency_axes(const std::string& name, double x_max, std::size_t peak) {
    using namespace histogram;
    auto x_of = [&](double ms) { return left + ms / x_max * plot_w; };
    std::string svg = fmt::format(
        "<svg viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"latency histogram of {}\">\n", number(W), number(H),
        xml_escape(name));
    for (int t = 0; t <= 5; ++t) {
        double ms = x_max * t / 5;
        double x = x_of(ms);
        svg += fmt::format("<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>", fixed(x),
                           number(top), number(top + plot_h));
        svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", fixed(x),
                           number(top + plot_h + 14), number(std::round(ms * 1000) / 1000));
    }
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">latency (ms)</text>\n",
                       number(left + plot_w / 2), number(H - 4));
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", number(left - 6),
                       number(top + 4), peak);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>\n", number(left - 6),
                       number(top + plot_h));
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 {} {})\">runs</text>\n",
                       number(12), number(top + plot_h / 2), number(12), number(top + plot_h / 2));
    return svg;
}

std::string latency_chart(const HookView& h) {
    using namespace histogram;
    constexpr int kBins = 40;
    const HookStats& s = *h.stats;
    const double budget = h.budget ? h.budget->p95_limit_ms() : 0;
    const double x_max = nice_ceiling(std::max({s.latency_ms.max, budget, 1.0}) * 1.05);
    std::vector<std::size_t> bins(kBins, 0);
    for (double v : h.latencies) {
        auto i = static_cast<int>(v / x_max * kBins);
        bins[static_cast<std::size_t>(std::clamp(i, 0, kBins - 1))]++;
    }
    const std::size_t peak = std::max<std::size_t>(1, *std::max_element(bins.begin(), bins.end()));
    auto x_of = [&](double ms) { return left + ms / x_max * plot_w; };
    auto y_of = [&](double count) { return top + plot_h - count / static_cast<double>(peak) * plot_h; };

    std::string svg = latency_axes(h.name, x_max, peak);
    const double bin_w = plot_w / kBins;
    for (int i = 0; i < kBins; ++i) {
        if (!bins[static_cast<std::size_t>(i)]) continue;
        double count = static_cast<double>(bins[static_cast<std::size_t>(i)]);
        double lo = x_max * i / kBins, hi = x_max * (i + 1) / kBins;
        svg += fmt::format(
            "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}–{} ms: {} run{}</title></rect>\n",
            fixed(left + i * bin_w + 0.5), fixed(y_of(count)), fixed(std::max(bin_w - 1, 1.0)),
            fixed(top + plot_h - y_of(count)), text::short_ms(lo), text::short_ms(hi), count == 1 ? "1" : number(count),
            count == 1 ? "" : "s");
    }
    svg += fmt::format("<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>\n", number(left),
                       number(top + plot_h), number(left + plot_w));
    // The measured p95, then the budget on top: when they coincide the budget stays visible.
    double xa = x_of(s.latency_ms.p95);
    svg += fmt::format("<line class=\"actual\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>", fixed(xa),
                       number(top), number(top + plot_h));
    svg += fmt::format("<text class=\"actual-label\" x=\"{}\" y=\"{}\" text-anchor=\"{}\">p95 {} ms</text>\n",
                       fixed(xa + (xa > left + plot_w * 0.7 ? -4 : 4)), number(top + 12),
                       xa > left + plot_w * 0.7 ? "end" : "start", text::short_ms(s.latency_ms.p95));
    if (h.budget) {
        double xb = x_of(budget);
        svg += fmt::format("<line class=\"budget\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>", fixed(xb),
                           number(top - 8), number(top + plot_h));
        svg += fmt::format(
            "<text class=\"budget-label\" x=\"{}\" y=\"{}\" text-anchor=\"{}\">p95 budget {} ms</text>\n",
            fixed(xb + (xb > left + plot_w * 0.7 ? -4 : 4)), number(top - 8),
            xb > left + plot_w * 0.7 ? "end" : "start", text::short_ms(budget));
    }
    svg += "</svg>\n";
    return svg;
}

std::string memory_chart(const std::vector<HookView>& hooks) {
    std::vector<const HookView*> rows;
    for (const auto& h : hooks)
        if (h.stats && h.stats->measured_runs) rows.push_back(&h);
    if (rows.empty()) return "<p class=\"meta\">No run started, so no memory was measured.</p>\n";
    constexpr double W = 1100, left = 200, right = 90, top = 10, row_h = 26, bottom = 34;
    const double plot_w = W - left - right;
    const double H = top + row_h * static_cast<double>(rows.size()) + bottom;
    double top_value = 1;
    for (const HookView* h : rows) top_value = std::max({top_value, h->stats->memory_max_bytes, h->memory_limit_bytes});
    const double x_max = nice_ceiling(top_value / kMiB * 1.05);
    auto x_of = [&](double bytes) { return left + bytes / kMiB / x_max * plot_w; };

    std::string svg = fmt::format("<svg viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"peak memory per hook\">\n",
                                  number(W), number(H));
    for (int t = 0; t <= 5; ++t) {
        double mb = x_max * t / 5;
        double x = left + mb / x_max * plot_w;
        svg += fmt::format("<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>", fixed(x),
                           number(top), number(H - bottom));
        svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", fixed(x),
                           number(H - bottom + 14), number(std::round(mb * 10) / 10));
    }
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">peak memory of the process tree (MiB)</text>\n",
                       number(left + plot_w / 2), number(H - 4));
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const HookView& h = *rows[i];
        const double y = top + row_h * static_cast<double>(i);
        svg += fmt::format("<text class=\"name\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", number(left - 8),
                           fixed(y + row_h / 2 + 4), xml_escape(text::ellipsize(h.name, 26)));
        svg += fmt::format(
            "<rect class=\"bar2\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>max {} MiB</title></rect>",
            number(left), fixed(y + 5), fixed(x_of(h.stats->memory_max_bytes) - left), number(row_h - 10),
            fixed(h.stats->memory_max_bytes / kMiB));
        svg += fmt::format(
            "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>p50 {} MiB</title></rect>",
            number(left), fixed(y + 5), fixed(x_of(h.stats->memory_p50_bytes) - left), number(row_h - 10),
            fixed(h.stats->memory_p50_bytes / kMiB));
        svg += fmt::format("<text x=\"{}\" y=\"{}\">{} MiB</text>", fixed(x_of(h.stats->memory_max_bytes) + 4),
                           fixed(y + row_h / 2 + 4), fixed(h.stats->memory_max_bytes / kMiB));
        if (h.memory_limit_bytes > 0) {
            double xl = x_of(h.memory_limit_bytes);
            svg += fmt::format(
                "<line class=\"budget\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"><title>limit {3} MiB</title></line>",
                fixed(xl), fixed(y + 1), fixed(y + row_h - 1), fixed(h.memory_limit_bytes / kMiB));
        }
        svg += "\n";
    }
    svg += fmt::format("<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>\n", number(left),
                       number(top), number(H - bottom));
    svg += "</svg>\n";
    return svg;
}

std::string cell(const std::string& content, bool bad, const std::string& title = "") {
    std::string attrs = bad ? " class=\"bad\"" : "";
    if (!title.empty()) attrs += " title=\"" + xml_escape(title) + "\"";
    return "<td" + attrs + ">" + content + "</td>";
}

std::string violation_title(const HookView& h, const std::string& kind) {
    for (const Violation* v : h.violations)
        if (v->budget == kind) return v->message;
    return "";
}

std::string span_text(const Report& report) {
    if (report.total_runs == 0) return "No runs recorded. The store is empty, or the filters selected nothing.";
    auto utc = [](std::int64_t ms) { return html::utc_text(static_cast<double>(ms), 16); };
    return fmt::format("{} runs over {} hooks, from {} to {}{}.", report.total_runs, report.hooks.size(),
                       utc(report.first_run_ms), utc(report.last_run_ms),
                       report.since_ms ? " (runs since " + utc(report.since_ms) + ")" : "");
}

// Per hook: its statistics, its budget, the samples of its charts and what it violated.
std::vector<HookView> hook_views(const Report& report, const std::vector<RunRecord>& records,
                                 const std::vector<HookBudget>& budgets, const std::vector<Violation>& violations) {
    std::map<std::string, HookView> views;
    for (const auto& s : report.hooks) {
        views[s.hook].stats = &s;
        views[s.hook].name = s.hook;
    }
    for (const auto& b : budgets) {
        HookView& v = views[b.hook];
        v.name = b.hook;
        if (!v.budget) v.budget = &b;
    }
    for (const auto& r : records) {
        if (r.time_unix_ms < report.since_ms) continue;
        auto it = views.find(r.hook);
        if (it == views.end()) continue;
        if (hook_measured(r.outcome, r.wall_ms))
            it->second.latencies.push_back(r.wall_ms);
        it->second.memory_limit_bytes =
            std::max(it->second.memory_limit_bytes, static_cast<double>(r.limits.memory_mb) * kMiB);
    }
    for (const auto& v : violations) {
        views[v.hook].violated.insert(v.budget);
        views[v.hook].violations.push_back(&v);
    }
    std::vector<HookView> hooks;
    for (auto& [name, view] : views) hooks.push_back(std::move(view));
    return hooks;
}

std::string head(const std::string& script_source) {
    std::string out =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        // No fetches of any kind and no script but the viewer's own, named by its hash: the
        // file must work offline and from an artifact viewer, and a CSP makes that a
        // guarantee rather than a habit (an injected script would not run either).
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "img-src data:; script-src " + script_source + "\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<link rel=\"icon\" href=\"data:,\">\n<title>hookwarden report</title>\n<style>";
    out += kStyle;
    out += html::kViewerStyle;
    return out + "</style>\n</head>\n<body>\n";
}

std::string verdict(const std::vector<HookBudget>& budgets, const std::vector<Violation>& violations) {
    if (budgets.empty()) return "";
    if (violations.empty()) return "<div class=\"verdict pass\">All budgets met.</div>\n";
    std::string out = fmt::format("<div class=\"verdict fail\"><strong>{} budget violation{}</strong><ul>\n",
                                  violations.size(), violations.size() == 1 ? "" : "s");
    for (const auto& v : violations) out += "<li>" + xml_escape(v.message) + "</li>\n";
    return out + "</ul></div>\n";
}

std::string hook_row(const HookView& h) {
    std::string out = fmt::format("<tr{}><td class=\"name\" title=\"{}\">{}</td>",
                                  h.violated.empty() ? "" : " class=\"violating\"", xml_escape(h.name), xml_escape(h.name));
    if (!h.stats)
        return out + "<td class=\"text\">" + xml_escape(h.budget ? h.budget->event : "") +
               "</td><td>0</td><td colspan=\"12\" class=\"text\">no runs recorded</td></tr>\n";
    const HookStats& s = *h.stats;
    const bool have = s.measured_runs > 0;
    auto budget_note = [&](const std::string& note) {
        return h.budget ? "<span class=\"budget\">" + note + "</span>" : std::string();
    };
    out += "<td class=\"text\">" + xml_escape(s.event) + "</td>";
    out += fmt::format("<td>{}</td><td>{:.1f}</td>", s.runs, s.ok_rate * 100);
    out += cell(text::short_ms(s.latency_ms.p50, have), false);
    out += cell(text::short_ms(s.latency_ms.p95, have) +
                    budget_note(h.budget ? "≤ " + text::short_ms(h.budget->p95_limit_ms()) : ""),
                h.violated.count("p95_ms") > 0, violation_title(h, "p95_ms"));
    out += cell(text::short_ms(s.latency_ms.p99, have), false);
    out += cell(text::short_ms(s.latency_ms.max, have), false);
    out += cell(have ? fixed(s.memory_max_bytes / kMiB) : "-", false);
    out += cell(fmt::format("{:.1f}%", s.error_rate * 100) +
                    budget_note(h.budget ? fmt::format("≤ {:.1f}%", h.budget->budgets.error_rate * 100) : ""),
                h.violated.count("error_rate") > 0, violation_title(h, "error_rate"));
    out += cell(std::to_string(s.timeouts) + budget_note(h.budget ? "≤ " + std::to_string(h.budget->budgets.timeouts) : ""),
                h.violated.count("timeouts") > 0, violation_title(h, "timeouts"));
    out += cell(std::to_string(s.oom_kills) + budget_note(h.budget ? "≤ " + std::to_string(h.budget->budgets.oom) : ""),
                h.violated.count("oom") > 0, violation_title(h, "oom"));
    out += cell(std::to_string(s.breaker_trips), false);
    out += cell(std::to_string(s.degradations), false);
    return out + "<td class=\"text\">" + xml_escape(s.backend) + "</td></tr>\n";
}

// "Budgets": the verdict, the per-hook table with budgets beside the figures, the charts.
std::string budgets_section(const std::vector<HookView>& hooks, const std::vector<HookBudget>& budgets,
                            const std::vector<Violation>& violations) {
    std::string out = "<section id=\"budgets\" class=\"view\">\n<h2>Hooks and budgets</h2>\n" + verdict(budgets, violations);
    out += "<div class=\"scroll\"><table>\n<thead><tr><th>hook</th><th class=\"text\">event</th><th>runs</th><th>ok %</th>"
           "<th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th><th>peak MiB</th><th>error rate</th>"
           "<th>timeouts</th><th>OOM</th><th>breaker trips</th><th>degraded</th><th class=\"text\">backend</th></tr>"
           "</thead>\n<tbody>\n";
    for (const auto& h : hooks) out += hook_row(h);
    out += "</tbody>\n</table></div>\n<h3>Latency distribution</h3>\n<div class=\"charts\">\n";
    for (const auto& h : hooks) {
        if (!h.stats || !h.stats->measured_runs) continue;
        const HookStats& s = *h.stats;
        out += fmt::format("<div class=\"card{}\"><h3 title=\"{}\">{}</h3>\n", h.violated.empty() ? "" : " violating",
                           xml_escape(h.name), xml_escape(h.name));
        out += fmt::format("<div class=\"sub\">{} runs started · p50 {} · p90 {} · p95 {} · p99 {} · max {} ms</div>\n",
                           s.measured_runs, text::short_ms(s.latency_ms.p50), text::short_ms(s.latency_ms.p90),
                           text::short_ms(s.latency_ms.p95), text::short_ms(s.latency_ms.p99),
                           text::short_ms(s.latency_ms.max));
        out += latency_chart(h) + "</div>\n";
    }
    out += "</div>\n<div class=\"legend\"><span class=\"swatch\" style=\"border-top:2px dashed #b3261e\"></span>"
           "p95 budget<span class=\"swatch\" style=\"border-top:2px solid #1d232b\"></span>measured p95 "
           "(exact nearest-rank)</div>\n<h3>Peak memory</h3>\n" + memory_chart(hooks);
    return out + "<div class=\"legend\"><span class=\"swatch\" style=\"border-top:8px solid #5b8def\"></span>p50"
                 "<span class=\"swatch\" style=\"border-top:8px solid #a9c1f5\"></span>max"
                 "<span class=\"swatch\" style=\"border-top:2px dashed #b3261e\"></span>memory limit</div>\n</section>\n";
}

// "Runs": the table is the script's (filters, sort, pages over every run); without it the
// section says so rather than showing nothing.
std::string runs_section() {
    return "<section id=\"runs\" class=\"view\">\n<h2>Runs</h2>\n"
           "<noscript><p class=\"meta\">The searchable table of runs is drawn by the page's script; "
           "`hookwarden report --format jsonl` exports the same records.</p></noscript>\n"
           "<div id=\"runs-app\"></div>\n</section>\n";
}

std::string navigation() {
    return "<nav class=\"views\"><a href=\"#sessions\">Sessions</a><a href=\"#trends\">Trends</a>"
           "<a href=\"#runs\">Runs</a><a href=\"#budgets\">Budgets</a></nav>\n";
}

}  // namespace

std::string render_html(const Report& report, const std::vector<RunRecord>& records,
                        const std::vector<HookBudget>& budgets) {
    const std::vector<Violation> violations = check(report, budgets);
    const std::vector<HookView> hooks = hook_views(report, records, budgets, violations);
    const std::vector<std::size_t> shown = html::shown_runs(records, report.since_ms);
    const std::string script = html::kViewerScript;

    std::string out = head(html::csp_hash_source(script));
    out += "<header><h1>hookwarden report</h1>\n<p class=\"meta\" id=\"summary\">" + xml_escape(span_text(report)) +
           "</p>\n" + navigation() + "</header>\n<main>\n";
    out += html::sessions_section(records, shown);
    out += html::trends_section(records, shown, budgets, report.aggregates);
    out += runs_section();
    out += budgets_section(hooks, budgets, violations);
    out += "</main>\n<footer>Generated by hookwarden. Latency: wall time from start request to reaped process tree, of "
           "runs that started. Self-contained file: no network; its one script only reads the data embedded below."
           "</footer>\n<script type=\"application/json\" id=\"hw-data\">";
    out += html::viewer_data(records, shown, budgets, fs::now_unix_ms());
    out += "</script>\n<script>" + script + "</script>\n</body>\n</html>\n";
    return out;
}

}  // namespace hookwarden::report
