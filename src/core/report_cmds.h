// `report`, `check`, `bench` and `export prometheus`: the records turned into per-hook
// reports and a CI gate (SPEC §8).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace hookwarden::core {

struct ReportOptions {
    std::string since;   // "" = all; "24h", "7d", "30m", or an ISO date/time
    std::string hook;    // "" = all hooks
    std::string event;   // "" = all events
    std::string format = "table";  // table|json|markdown|html|jsonl
    std::string output;  // "" or "-" = stdout
    std::string policy_path;       // budgets come from here ("" = discovered)
    std::string state_dir;         // "" = store::default_state_dir()
    bool open = false;             // --open: hand the HTML file to xdg-open (a temporary file without -o)
};

struct CheckOptions {
    std::string since, hook, event;
    std::string junit, sarif;  // output files, "" = none
    bool github = false;       // ::error annotations + $GITHUB_STEP_SUMMARY
    std::string policy_path;
    std::string state_dir;
};

struct BenchOptions {
    std::string events_dir;
    std::string policy_path;
    int runs = 1;
    int concurrency = 1;
    int warmup = 0;
    std::string format = "table";
    std::string junit, sarif;
    bool github = false;
    std::string backend = "auto";
    std::string keep_state;  // "" = a fresh temporary store, removed afterwards
};

// The lower time bound of --since, unix ms: "" gives 0 (no bound); "30m", "24h", "7d"
// (units s, m, h, d, w) count back from `now_ms`; an ISO-8601 date or date-time
// ("2025-01-31", "2025-01-31T14:00[:00[.fff]]", with "Z" or "+02:00", else local time) is
// taken as is. nullopt with `error` set for anything else.
std::optional<std::int64_t> parse_since(const std::string& text, std::int64_t now_ms, std::string& error);

// Exit codes: 0 fine, 1 budget violated (check, bench), 2 usage or configuration error.
int report_command(const ReportOptions& options, std::ostream& out, std::ostream& err);
int check_command(const CheckOptions& options, std::ostream& out, std::ostream& err);
int bench_command(const BenchOptions& options, std::ostream& out, std::ostream& err);
int export_prometheus_command(const std::string& output, const std::string& state_dir, std::ostream& out,
                              std::ostream& err);

}  // namespace hookwarden::core
