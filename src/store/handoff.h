// What lets a run answer the agent without waiting for SQLite (docs/performance.md):
//
// Pending markers. A supervisor that hands its record to its guardian (which commits it
// after the agent already has its answer) first creates <state>/pending/<hook>.<pid>,
// pid being the guardian's; the guardian removes it once the record is committed.
// Whoever must see every finished run — the next admission of the same hook, and every
// reader (report, status, check, ...) — waits for the markers that exist when it starts.
// A marker whose guardian is dead is stale and removed by the waiter.
//
// The breaker gate. <state>/breakers.gate lists the hooks whose breaker is anything but
// closed or disabled, written inside the transaction that changes that set (so it is a
// superset of the truth except after a crash between write and commit). A run whose
// hook the gate does not list is admitted without opening the database at all; a listed
// hook, or a missing or unreadable gate, takes the full admission in SQLite.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace hookwarden::store {

inline constexpr const char* kGateName = "breakers.gate";
// Where a guardian whose commit failed says why (nobody reads its stderr); `status` warns.
inline constexpr const char* kGuardianLog = "guardian.log";
// Where the continuous OTLP export says what failed (docs/observability.md); `status` shows the last outcome.
inline constexpr const char* kOtlpLog = "otlp.log";
// The store's housekeeping key (Store::state) with the last OTLP export round's outcome, as JSON.
inline constexpr const char* kOtlpStatusKey = "otlp_status";
inline constexpr const char* kPendingDir = "pending";

// Hook names are free text; file names get this fixed-width hash of them.
std::string hook_key(const std::string& hook);

// The marker path for `hook`'s record held by the guardian `guardian_pid`.
std::string pending_marker(const std::string& state_dir, const std::string& hook, int guardian_pid);
// Creates the marker (and the pending directory), relative to the verified state
// directory (store/state_dir.h). Returns "" or an error text.
std::string mark_pending(const std::string& marker);
// Removes it, the same way.
void unmark_pending(const std::string& marker);
// Waits, at most `limit`, until the markers present now (all, or only `hook`'s when it is
// not empty) are gone. Returns false if some were still there at the limit.
bool wait_pending(const std::string& state_dir, const std::string& hook, std::chrono::milliseconds limit);

// True only when the gate exists and does not list `hook`: its breaker is closed or
// disabled, and the run may go ahead without the database.
bool gate_admits(const std::string& state_dir, const std::string& hook);
// Replaces the gate with `listed` (the hooks whose breaker is open, half-open or forced
// open). Returns "" or an error text.
std::string write_gate(const std::string& state_dir, const std::vector<std::string>& listed);
void remove_gate(const std::string& state_dir);

}  // namespace hookwarden::store
