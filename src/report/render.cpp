#include "report/render.h"
#include "util/time_text.h"

#include <cstdio>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "report/text.h"
#include "util/fs.h"

namespace hookwarden::report {

namespace {

std::string iso_time(std::int64_t unix_ms) { return time_text(unix_ms, "%Y-%m-%dT%H:%M:%SZ"); }

std::string span(const Report& report) {
    if (report.total_runs == 0)
        return report.since_ms ? "no runs since " + iso_time(report.since_ms) : "no runs recorded";
    return fmt::format("{} run{} from {} to {}", report.total_runs, report.total_runs == 1 ? "" : "s",
                       iso_time(report.first_run_ms), iso_time(report.last_run_ms));
}

std::string pad_right(const std::string& utf8, std::size_t width) {
    std::size_t have = text::display_width(utf8);
    return have >= width ? utf8 : utf8 + std::string(width - have, ' ');
}

constexpr std::size_t kNameWidth = 18;
constexpr double kMiB = 1024.0 * 1024.0;

// Keeps the peak-memory column at most 7 characters wide up to ~9.5 TiB.
std::string short_mib(double bytes) {
    double mib = bytes / kMiB;
    return mib < 1000 ? fmt::format("{:.1f}", mib) : fmt::format("{:.0f}", mib);
}

std::string table_row(const std::string& name, const HookStats& s) {
    const bool have = s.measured_runs > 0;
    return fmt::format("{}{:>7}{:>6}{:>7}{:>7}{:>7}{:>7}{:>8}{:>6}{:>6}\n",
                       pad_right(text::ellipsize(name, kNameWidth), kNameWidth), s.runs,
                       fmt::format("{:.1f}", s.ok_rate * 100), text::short_ms(s.latency_ms.p50, have),
                       text::short_ms(s.latency_ms.p95, have), text::short_ms(s.latency_ms.p99, have),
                       text::short_ms(s.latency_ms.max, have),
                       have ? short_mib(s.memory_max_bytes) : std::string("-"), s.failures,
                       s.breaker_trips);
}

std::string table_section(const char* first_column, const std::vector<HookStats>& rows, bool by_event) {
    std::string out = fmt::format("{}{:>7}{:>6}{:>7}{:>7}{:>7}{:>7}{:>8}{:>6}{:>6}\n",
                                  pad_right(first_column, kNameWidth), "runs", "ok%", "p50", "p95", "p99", "max",
                                  "peak MB", "fails", "trips");
    for (const auto& s : rows) out += table_row(by_event ? s.event : s.hook, s);
    return out;
}

}  // namespace

std::string render_table(const Report& report) {
    std::string out = "hookwarden report: " + span(report) + "\n";
    if (report.hooks.empty()) return out;
    out += "\n" + table_section("hook", report.hooks, false);
    out += "\n" + table_section("event", report.events, true);
    out += "\nLatency in ms (exact nearest-rank); ok% counts ok and blocked runs;\n"
           "peak MB is the largest peak memory of a run's process tree.\n";
    return out;
}

nlohmann::json to_json_value(const HookStats& s) {
    return nlohmann::json{
        {"hook", s.hook},
        {"event", s.event},
        {"runs", s.runs},
        {"measured_runs", s.measured_runs},
        {"outcomes", s.outcomes},
        {"latency_ms",
         {{"p50", s.latency_ms.p50},
          {"p90", s.latency_ms.p90},
          {"p95", s.latency_ms.p95},
          {"p99", s.latency_ms.p99},
          {"max", s.latency_ms.max}}},
        {"memory_bytes", {{"p50", s.memory_p50_bytes}, {"max", s.memory_max_bytes}}},
        {"cpu_ms", {{"user_total", s.cpu_user_ms_total}, {"sys_total", s.cpu_sys_ms_total}}},
        {"failures", s.failures},
        {"timeouts", s.timeouts},
        {"oom_kills", s.oom_kills},
        {"breaker_trips", s.breaker_trips},
        {"degradations", s.degradations},
        {"overhead_ms", {{"p50", s.overhead_p50_ms}, {"p95", s.overhead_p95_ms}}},
        {"error_rate", s.error_rate},
        {"ok_rate", s.ok_rate},
        {"backend", s.backend},
        {"first_run_ms", s.first_run_ms},
        {"last_run_ms", s.last_run_ms},
        {"aggregated_runs", s.aggregated_runs},
    };
}

nlohmann::json to_json_value(const Report& report) {
    nlohmann::json hooks = nlohmann::json::array(), events = nlohmann::json::array();
    for (const auto& s : report.hooks) hooks.push_back(to_json_value(s));
    for (const auto& s : report.events) events.push_back(to_json_value(s));
    return nlohmann::json{{"schema", "hookwarden.report/1"},
                          {"since_ms", report.since_ms},
                          {"first_run_ms", report.first_run_ms},
                          {"last_run_ms", report.last_run_ms},
                          {"total_runs", report.total_runs},
                          {"aggregated_runs", report.aggregated_runs},
                          {"hooks", hooks},
                          {"events", events}};
}

std::string render_json(const Report& report) {
    return to_json_value(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string render_markdown(const Report& report) {
    std::string out = "# hookwarden report\n\n" + span(report) + ".\n";
    auto section = [&](const char* title, const char* first, const std::vector<HookStats>& rows, bool by_event) {
        out += fmt::format("\n## {}\n\n", title);
        out += fmt::format(
            "| {} | runs | ok % | p50 ms | p90 ms | p95 ms | p99 ms | max ms | peak MB p50 | peak MB max | "
            "CPU user ms | CPU sys ms | failures | timeouts | OOM | trips | degraded | overhead p95 ms | backend |\n",
            first);
        out += "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n";
        for (const auto& s : rows) {
            const bool have = s.measured_runs > 0;
            out += fmt::format(
                "| {} | {} | {:.1f} | {} | {} | {} | {} | {} | {} | {} | {:.0f} | {:.0f} | {} | {} | {} | {} | {} | "
                "{:.1f} | {} |\n",
                text::markdown_cell(by_event ? s.event : s.hook), s.runs, s.ok_rate * 100,
                text::short_ms(s.latency_ms.p50, have), text::short_ms(s.latency_ms.p90, have),
                text::short_ms(s.latency_ms.p95, have), text::short_ms(s.latency_ms.p99, have),
                text::short_ms(s.latency_ms.max, have),
                have ? fmt::format("{:.1f}", s.memory_p50_bytes / kMiB) : "-",
                have ? fmt::format("{:.1f}", s.memory_max_bytes / kMiB) : "-", s.cpu_user_ms_total,
                s.cpu_sys_ms_total, s.failures, s.timeouts, s.oom_kills, s.breaker_trips, s.degradations,
                s.overhead_p95_ms, text::markdown_cell(s.backend));
        }
    };
    if (!report.hooks.empty()) {
        section("Hooks", "hook", report.hooks, false);
        section("Events", "event", report.events, true);
        out += "\nLatencies are exact nearest-rank percentiles of runs that started; ok % counts ok and "
               "blocked runs among those that judged the hook (not breaker_open nor internal_error).\n";
    }
    return out;
}

std::string render_jsonl(const std::vector<RunRecord>& records) {
    std::string out;
    for (const auto& r : records) {
        nlohmann::json j = r;
        out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        out += '\n';
    }
    return out;
}

std::string write_output(const std::string& path, const std::string& content) {
    if (path.empty() || path == "-") {
        if (std::fwrite(content.data(), 1, content.size(), stdout) != content.size() || std::fflush(stdout) != 0)
            return "cannot write to stdout";
        return "";
    }
    return fs::write_file_atomic(path, content);
}

}  // namespace hookwarden::report
