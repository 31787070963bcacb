// Renderers of a Report for people and machines (docs/reports.md). All return the whole document
// as a string; write_output() puts it where the user asked.
#pragma once

#include <string>
#include <vector>

#include "hookwarden/run_record.h"
#include "report/gate.h"
#include "report/stats.h"

namespace hookwarden::report {

// Fixed-width table for an 80-column terminal: per hook, then per event.
// Columns: hook, runs, ok% ((ok + blocked) / runs), p50, p95, p99, max (ms),
// peak MB (max of the tree's peak memory, MiB), fails, trips.
std::string render_table(const Report& report);

// The stable machine-readable report. Schema "hookwarden.report/1"; additions may come,
// renames or removals would bump the version.
//
// {
//   "schema": "hookwarden.report/1",
//   "since_ms": 0,                 // lower time bound applied, unix ms (0: none)
//   "first_run_ms": …, "last_run_ms": …,   // unix ms of the oldest/newest run (0: none)
//   "total_runs": 42,
//   "hooks":  [Stats…],            // sorted by hook
//   "events": [Stats…]             // sorted by event; "hook" is ""
// }
// Stats = {
//   "hook", "event",               // event: several joined with "," if the hook served more
//   "runs", "measured_runs",       // measured: runs where the hook started (not breaker_open/spawn_error)
//   "outcomes": {"ok": n, "blocked": n, "error": n, "crash": n, "timeout": n, "oom": n,
//                "spawn_error": n, "breaker_open": n, "internal_error": n, "output_overflow": n},   // all keys, always
//   "latency_ms": {"p50", "p90", "p95", "p99", "max"},  // exact nearest-rank over measured runs
//   "memory_bytes": {"p50", "max"},                      // peak memory of the tree, measured runs
//   "cpu_ms": {"user_total", "sys_total"},
//   "failures", "timeouts", "oom_kills", "breaker_trips", "degradations",
//   "overhead_ms": {"p50", "p95"},                      // supervisor overhead, all runs
//   "error_rate",                  // failures / judged runs (not breaker_open/internal_error), 0..1
//   "ok_rate",                     // (ok + blocked) / judged runs: 1 - error_rate, 0 when none judged
//   "backend",                     // "cgroup-v2", or several joined with "+"
//   "first_run_ms", "last_run_ms"
// }
std::string render_json(const Report& report);
nlohmann::json to_json_value(const HookStats& stats);
nlohmann::json to_json_value(const Report& report);

std::string render_markdown(const Report& report);

// Raw export: one RunRecord JSON object per line, in the order given.
std::string render_jsonl(const std::vector<RunRecord>& records);

// The HTML viewer (docs/reports.md, "The HTML viewer"): one self-contained file that opens
// offline — sessions with their waterfall, trends per hook and day, the searchable runs, the
// hooks and budgets. No network and no script but its own (the CSP admits it by its hash).
// `records` are those the report was built from; runs before report.since_ms are ignored.
std::string render_html(const Report& report, const std::vector<RunRecord>& records,
                        const std::vector<HookBudget>& budgets);

// node_exporter textfile-collector format, per hook: hookwarden_runs_total{hook,outcome},
// hookwarden_run_duration_seconds histogram (measured runs), hookwarden_peak_memory_bytes
// (max), hookwarden_breaker_trips_total, hookwarden_timeouts_total, hookwarden_oom_kills_total,
// hookwarden_last_run_timestamp_seconds. The counters count the records still retained,
// so they can drop when old records expire; Prometheus' rate() treats that as a reset.
//
// For the alert rules (docs/observability.md), also: hookwarden_run_peak_memory_ratio
// histogram (peak / memory limit of each measured run), hookwarden_memory_limit_bytes (the
// newest run's limit) and hookwarden_last_timeout_timestamp_seconds. The histograms' bounds
// are the fixed ones plus `extra` (the policy's alert thresholds), so that a rule's
// threshold is always a bucket bound and the exported rule decides exactly as the local one.
struct PrometheusBounds {
    std::vector<double> latency_ms;     // extra bounds of hookwarden_run_duration_seconds, in ms
    std::vector<double> memory_ratio;   // extra bounds of hookwarden_run_peak_memory_ratio
};
std::string render_prometheus(const Report& report, const std::vector<RunRecord>& records,
                              const PrometheusBounds& extra = {});
// The `le` label text of a bound (seconds or a ratio), as the export and the rules write it.
std::string bucket_label(double bound);

// "-" or "": stdout. Anything else: written atomically (temp file + rename) so that a
// collector or CI step never reads half a file. Returns an error text, "" on success.
std::string write_output(const std::string& path, const std::string& content);

}  // namespace hookwarden::report
