// Runs as OTLP/JSON (docs/observability.md "OpenTelemetry"): one span per hook run, and
// metrics over a batch of runs (runs by outcome, a latency histogram, peak memory), in the
// JSON encoding of the official opentelemetry-proto messages ExportTraceServiceRequest and
// ExportMetricsServiceRequest.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "hookwarden/run_record.h"

namespace hookwarden::telemetry {

// A record with its store id (the span id is derived from it, so a re-export of the same
// run is the same span).
using IdentifiedRun = std::pair<std::int64_t, RunRecord>;

// The attribute Claude Code's own telemetry carries the session id under
// (code.claude.com/docs/en/monitoring-usage, OTEL_METRICS_INCLUDE_SESSION_ID), so that a
// backend joins hookwarden's spans with Claude Code's.
inline constexpr const char* kSessionAttribute = "session.id";

std::string encode_traces(const std::vector<IdentifiedRun>& runs, const std::string& service_name);
std::string encode_metrics(const std::vector<IdentifiedRun>& runs, const std::string& service_name);

// Span and trace ids as OTLP/JSON writes them (lower-case hex): the trace id is one per
// session (runs without a session get one each), the span id one per record.
std::string trace_id_of(const IdentifiedRun& run);
std::string span_id_of(const IdentifiedRun& run);

}  // namespace hookwarden::telemetry
