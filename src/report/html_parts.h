// The pieces of the HTML viewer (render_html in html.cpp puts them together). Internal to
// the report module: the documented contract is docs/reports.md, "HTML viewer".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hookwarden/run_aggregate.h"
#include "hookwarden/run_record.h"
#include "report/gate.h"

namespace hookwarden::report::html {

// The runs the viewer shows: indices into the records given to render_html, oldest first,
// those before the report's lower time bound left out. The index is the run's id in the
// page (its `data-run` attribute), stable for one generated file.
std::vector<std::size_t> shown_runs(const std::vector<RunRecord>& records, std::int64_t since_ms);

// The embedded data of the viewer's script: one JSON document, columnar, with repeated
// strings and objects stored once (docs/reports.md describes its shape). Already made safe
// to sit inside <script> (see script_safe).
std::string viewer_data(const std::vector<RunRecord>& records, const std::vector<std::size_t>& shown,
                        const std::vector<HookBudget>& budgets, std::int64_t generated_ms);

// JSON text that cannot end or confuse the <script> element it sits in: every '<' becomes
// \u003c (so neither "</script" nor "<!--" can appear) and U+2028/U+2029 are escaped (line
// terminators for older JavaScript parsers). Valid JSON stays valid and means the same.
std::string script_safe(std::string_view json);

// "Sessions": per agent session the hook time, its share of the session's span and the
// slowest hooks, as a table readable without the script; the waterfall is drawn by it.
std::string sessions_section(const std::vector<RunRecord>& records, const std::vector<std::size_t>& shown);

// "Trends": per hook and UTC day p50/p95 latency, error rate and peak memory, drawn as
// SVG with the budget lines, and the same figures as a table.
// `aggregates`: the hourly and daily rows in range (Report::aggregates), drawn before the runs.
std::string trends_section(const std::vector<RunRecord>& records, const std::vector<std::size_t>& shown,
                           const std::vector<HookBudget>& budgets, const std::vector<RunAggregate>& aggregates = {});

// A UTC time as "YYYY-MM-DD HH:MM:SSZ", cut to its first `length` characters: 10 gives the
// date alone, 16 the minute (with the Z kept for any cut past the date).
std::string utc_text(double unix_ms, std::size_t length = 19);

// The Content-Security-Policy source of an inline script: 'sha256-<base64>'.
std::string csp_hash_source(std::string_view script);

// The viewer's script and style sheet (html_viewer_assets.cpp).
extern const char* const kViewerScript;
extern const char* const kViewerStyle;

}  // namespace hookwarden::report::html
