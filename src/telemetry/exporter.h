// Sending runs to an OTLP/HTTP collector (docs/observability.md "OpenTelemetry"): once, for
// `export otlp`, and continuously, from the guardian after a run's record is committed, so
// that an export never delays a hook's answer and never loses a record: the store keeps a
// cursor (the last record id the collector accepted) and only a 2xx answer advances it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hookwarden/policy_types.h"
#include "store/handoff.h"
#include "telemetry/otlp.h"

namespace hookwarden::telemetry {

struct Sent {
    std::int64_t runs = 0;       // runs the collector accepted
    std::string error;           // "" or what went wrong (the runs after the last accepted batch are not sent)
};

// POSTs the runs, in batches, to /v1/traces and /v1/metrics under config.endpoint.
Sent send_runs(const OtlpConfig& config, const std::vector<IdentifiedRun>& runs);

// Housekeeping keys the exporter keeps in the store (Store::state).
inline constexpr const char* kCursorKey = "otlp_cursor";        // last exported record id
inline constexpr const char* kNextKey = "otlp_next_ms";         // when the next round may start
inline constexpr const char* kStatusKey = store::kOtlpStatusKey;  // JSON: the last round's outcome

// One continuous-export round when due (at most one per interval across all processes):
// the records after the cursor, up to a bounded number of batches. A failure is a line
// in <state>/otlp.log and in `status`; the cursor stays, so the next round resends.
void export_if_due(const std::string& state_dir, const OtlpConfig& config, std::int64_t now_ms);

}  // namespace hookwarden::telemetry
