#include "store/status.h"
#include "util/time_text.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "store/handoff.h"
#include "store/store.h"
#include "util/fs.h"
#include "util/printable.h"

namespace hookwarden::store {

namespace {

constexpr std::size_t kLastRuns = 10;
// Wide enough to mean something, short enough to be about the present.
constexpr std::size_t kRateRuns = 20;

std::string local_time(std::int64_t ms) { return ms <= 0 ? "-" : time_text(ms, "%Y-%m-%d %H:%M:%S", Zone::local); }

std::string short_duration(std::int64_t ms) {
    std::int64_t s = (ms + 999) / 1000;
    if (s < 60) return std::to_string(s) + "s";
    if (s < 3600) return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
    return std::to_string(s / 3600) + "h" + std::to_string((s % 3600) / 60) + "m";
}

char outcome_mark(Outcome o) {
    switch (o) {
        case Outcome::ok: return '.';
        case Outcome::blocked: return 'B';
        case Outcome::error: return 'E';
        case Outcome::crash: return 'C';
        case Outcome::timeout: return 'T';
        case Outcome::oom: return 'M';
        case Outcome::spawn_error: return 'S';
        case Outcome::breaker_open: return 'o';
        case Outcome::internal_error: return 'I';
        case Outcome::output_overflow: return 'F';
    }
    return '?';
}

std::string fit(const std::string& text, std::size_t width) {
    if (text.size() <= width) return text;
    return text.substr(0, width - 1) + "~";
}

std::string state_text(const BreakerStatus& b, std::int64_t now) {
    if (b.state == BreakerState::open) {
        if (now >= b.open_until_ms) return "open, due";
        return "open " + short_duration(b.open_until_ms - now);
    }
    return b.state ? to_string(*b.state) : "unknown";
}

// The continuous OTLP export's last round (docs/observability.md), when one ran.
std::string otlp_line(Store& store, std::int64_t now) {
    const auto last = nlohmann::json::parse(store.state(kOtlpStatusKey), nullptr, false);
    if (!last.is_object()) return "";
    const std::string when = short_duration(now - last.value("time_ms", std::int64_t{0})) + " ago";
    const std::string endpoint = last.value("endpoint", "");
    const auto cursor = last.value("cursor", std::int64_t{0});
    if (last.value("ok", false))
        return "OTLP export to " + endpoint + ": ok " + when + " (up to record " + std::to_string(cursor) + ")\n";
    return "OTLP export to " + endpoint + ": FAILING, last try " + when + ": " + last.value("error", "") +
           " (records after " + std::to_string(cursor) + " wait; see " + kOtlpLog + ")\n";
}

}  // namespace

ExitCode status_command(const std::string& state_dir, std::ostream& out, std::ostream& err) {
    if (std::string refused = refuse_state_dir(state_dir); !refused.empty()) {
        err << "hookwarden: status: " << refused << "\n";
        return ExitCode::usage;
    }
    std::string db = state_dir + "/" + kDatabaseName;
    struct stat st {};
    if (::stat(db.c_str(), &st) != 0) {
        out << "No hook runs recorded yet (" << db << " does not exist).\n";
        return ExitCode::ok;
    }
    std::string error;
    auto store = Store::open(state_dir, error);
    if (!error.empty()) err << error << "\n";
    if (!store) return ExitCode::usage;
    auto breakers = store->breakers(&error);
    if (!error.empty()) {
        err << error << "\n";
        return ExitCode::usage;
    }
    if (breakers.empty()) {
        out << "No hook runs recorded yet (" << db << ").\n";
        return ExitCode::ok;
    }
    std::int64_t now = fs::now_unix_ms();
    char line[160];
    std::snprintf(line, sizeof line, "%-20s %-12s %-19s %6s %6s  %s", "HOOK", "BREAKER", "SINCE", "RUNS",
                  "FAIL%", "LAST RUNS");
    out << line << "\n";
    for (const auto& b : breakers) {
        auto recent = store->records(std::nullopt, b.hook, std::nullopt, kRateRuns, &error);
        if (!error.empty()) {
            err << error << "\n";
            return ExitCode::usage;
        }
        std::string marks;
        FailureRate failure_rate;  // the one `report` uses too (docs/reports.md)
        for (std::size_t i = 0; i < recent.size(); ++i) {
            if (i + kLastRuns >= recent.size()) marks.push_back(outcome_mark(recent[i].outcome));
            failure_rate.add(recent[i].outcome);
        }
        std::string rate =
            failure_rate.judged ? std::to_string(failure_rate.failures * 100 / failure_rate.judged) + "%" : "-";
        std::snprintf(line, sizeof line, "%-20s %-12s %-19s %6lld %6s  %s", fit(text::escape_controls(b.hook), 20).c_str(),
                      fit(state_text(b, now), 12).c_str(), local_time(b.since_ms).c_str(),
                      static_cast<long long>(b.runs), rate.c_str(), marks.c_str());
        std::string row = line;
        row.erase(row.find_last_not_of(' ') + 1);
        out << row << "\n";
    }
    out << "FAIL%: failures in the last " << kRateRuns << " runs. LAST RUNS, oldest first: . ok  B blocked\n"
        << "E error  C crash  T timeout  M oom  S spawn error  o skipped (open)  I internal\n"
        << "F output over the limit\n";
    out << otlp_line(*store, now);
    const std::string log = state_dir + "/" + kGuardianLog;
    if (auto text = fs::read_file(log); text && !text->empty())
        err << "hookwarden: " << std::count(text->begin(), text->end(), '\n')
            << " record(s) could not be committed after their run answered; see " << log << "\n";
    return ExitCode::ok;
}

ExitCode breaker_command(const std::string& state_dir, const std::string& action, const std::string& hook,
                    std::ostream& out, std::ostream& err) {
    if (action != "reset" && action != "open" && action != "close" && action != "disable") {
        err << "breaker: unknown action '" << action << "' (expected reset, open, close or disable)\n";
        return ExitCode::usage;
    }
    if (hook.empty()) {
        err << "breaker: a hook name is required\n";
        return ExitCode::usage;
    }
    std::string error;
    auto store = Store::open(state_dir, error);
    if (!error.empty()) err << error << "\n";
    if (!store) return ExitCode::usage;
    if (std::string e = store->set_breaker(hook, action, fs::now_unix_ms()); !e.empty()) {
        err << e << "\n";
        return ExitCode::usage;
    }
    const char* now_state = action == "open" ? "forced open until reset or close"
                            : action == "disable" ? "disabled: runs always, never trips"
                                                  : "closed";
    out << "breaker '" << text::escape_controls(hook) << "': " << action << " (" << now_state << ")\n";
    return ExitCode::ok;
}

}  // namespace hookwarden::store
