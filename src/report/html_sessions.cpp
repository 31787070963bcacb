// The viewer's "Sessions" summary, rendered here so that it reads without the script and
// on paper: per agent session, how long hooks held it and which hooks did.
#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>

#include <fmt/format.h>

#include "report/html_parts.h"
#include "util/time_text.h"
#include "report/text.h"

namespace hookwarden::report::html {

namespace {

using text::xml_escape;

constexpr std::size_t kListedSessions = 50;
constexpr std::size_t kSlowestHooks = 3;

struct Session {
    std::string id;
    std::vector<std::size_t> runs;  // record indices, oldest first
    double start_ms = 0, end_ms = 0;
    double held_ms = 0;  // union of the runs' intervals: concurrent hooks count once
    double summed_ms = 0;
    std::vector<std::pair<std::string, double>> slowest;  // hook -> its total time in the session
};

// The time covered by at least one run: runs of one session overlap when the agent fires
// several hooks at once, and the user waited for them once, not twice.
double covered_ms(std::vector<std::pair<double, double>> intervals) {
    std::sort(intervals.begin(), intervals.end());
    double total = 0, open_start = 0, open_end = -1;
    for (const auto& [start, end] : intervals) {
        if (start > open_end) {
            if (open_end > open_start) total += open_end - open_start;
            open_start = start;
            open_end = end;
        } else {
            open_end = std::max(open_end, end);
        }
    }
    if (open_end > open_start) total += open_end - open_start;
    return total;
}

Session summarize(std::string id, std::vector<std::size_t> runs, const std::vector<RunRecord>& records) {
    Session s;
    s.id = std::move(id);
    s.runs = std::move(runs);
    std::vector<std::pair<double, double>> intervals;
    std::map<std::string, double> per_hook;
    s.start_ms = static_cast<double>(records[s.runs.front()].time_unix_ms);
    s.end_ms = s.start_ms;
    for (std::size_t i : s.runs) {
        const RunRecord& r = records[i];
        const double start = static_cast<double>(r.time_unix_ms), wall = std::max(0.0, r.wall_ms);
        intervals.emplace_back(start, start + wall);
        s.start_ms = std::min(s.start_ms, start);
        s.end_ms = std::max(s.end_ms, start + wall);
        s.summed_ms += wall;
        per_hook[r.hook] += wall;
    }
    s.held_ms = covered_ms(std::move(intervals));
    s.slowest.assign(per_hook.begin(), per_hook.end());
    std::sort(s.slowest.begin(), s.slowest.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    if (s.slowest.size() > kSlowestHooks) s.slowest.resize(kSlowestHooks);
    return s;
}

std::string seconds_text(double ms) { return ms < 1000 ? text::short_ms(ms) + " ms" : fmt::format("{:.1f} s", ms / 1000); }

std::string session_row(const Session& s) {
    const double span = s.end_ms - s.start_ms;
    std::string slowest;
    for (const auto& [hook, ms] : s.slowest)
        slowest += fmt::format("{}<span class=\"hook\">{}</span> {}", slowest.empty() ? "" : ", ", xml_escape(hook),
                               seconds_text(ms));
    return fmt::format(
        "<tr data-session=\"{0}\"><td class=\"name\" title=\"{0}\">{1}</td><td class=\"text\">{2}</td><td>{3}</td>"
        "<td>{4}</td><td>{5}</td><td>{6}</td><td>{7}</td><td class=\"text\">{8}</td></tr>\n",
        xml_escape(s.id), xml_escape(text::ellipsize(s.id, 24)), utc_text(s.start_ms), s.runs.size(), seconds_text(span),
        seconds_text(s.held_ms), span > 0 ? fmt::format("{:.1f}%", s.held_ms / span * 100) : "-",
        seconds_text(s.summed_ms), slowest);
}

}  // namespace

std::string utc_text(double unix_ms, std::size_t length) {
    std::string full = time_text(static_cast<std::int64_t>(std::floor(unix_ms)), "%Y-%m-%d %H:%M:%S");
    if (length <= 10) return full.substr(0, length);
    return full.substr(0, length) + "Z";
}

std::string sessions_section(const std::vector<RunRecord>& records, const std::vector<std::size_t>& shown) {
    std::map<std::string, std::vector<std::size_t>> by_id;
    std::size_t without_session = 0;
    for (std::size_t i : shown) {
        if (records[i].session_id.empty()) ++without_session;
        else by_id[records[i].session_id].push_back(i);
    }
    std::vector<Session> sessions;
    for (auto& [id, runs] : by_id) sessions.push_back(summarize(id, std::move(runs), records));
    std::sort(sessions.begin(), sessions.end(), [](const Session& a, const Session& b) { return a.end_ms > b.end_ms; });

    std::string out = "<section id=\"sessions\" class=\"view\">\n<h2>Sessions</h2>\n";
    out += fmt::format("<p class=\"meta\">{} session{}{}. Hook time counts the time at least one hook ran (concurrent "
                       "hooks once); its share is of the span from the session's first hook to its last.{}</p>\n",
                       sessions.size(), sessions.size() == 1 ? "" : "s",
                       sessions.size() > kListedSessions ? fmt::format(", the {} latest listed", kListedSessions) : "",
                       without_session ? fmt::format(" {} run{} carry no session id.", without_session,
                                                     without_session == 1 ? "" : "s")
                                       : "");
    if (sessions.empty()) return out + "</section>\n";
    out += "<div class=\"scroll\"><table class=\"sessions\">\n<thead><tr><th>session</th><th class=\"text\">started"
           "</th><th>runs</th><th>span</th><th>hook time</th><th>share</th><th>summed run time</th>"
           "<th class=\"text\">slowest hooks</th></tr></thead>\n<tbody>\n";
    for (std::size_t i = 0; i < sessions.size() && i < kListedSessions; ++i) out += session_row(sessions[i]);
    out += "</tbody>\n</table></div>\n";
    out += "<div id=\"waterfall\" class=\"waterfall\"><noscript><p class=\"meta\">The waterfall of a session's runs "
           "is drawn by the page's script.</p></noscript></div>\n</section>\n";
    return out;
}

}  // namespace hookwarden::report::html
