// The commit a guardian makes after its supervisor answered and exited: the record the
// supervisor handed over, stored together with its breaker update (store/handoff.h says
// how readers and the next run wait for it).
#pragma once

#include <optional>
#include <string>

#include "hookwarden/alert_types.h"
#include "hookwarden/policy_types.h"
#include "store/store.h"

namespace hookwarden::store {

// Everything the commit needs, known before the guardian is forked: plain data.
struct HandedOverCommit {
    std::string state_dir;
    std::string hook;
    BreakerConfig breaker;
    Admission admission;
    Retention retention;              // the policy's history: housekeeping after the commit
    std::optional<OtlpConfig> otlp;  // the policy's continuous export, done by the guardian
    AlertRules alerts = builtin_alerts();  // stepped once the record is in (Store::track_alerts)
};

// The commit as one string and back, for a guardian started before its run was known
// (serve's ready pool), which gets it with the record. nullopt: not a commit.
std::string encode_commit(const HandedOverCommit& commit);
std::optional<HandedOverCommit> decode_commit(const std::string& text);

// Parses `payload` (the record as JSON), commits it and removes this process's pending
// marker. Nobody is left to read a complaint on stderr, so a failure is appended to
// <state>/guardian.log, which `status` reports.
void commit_handed_over(const HandedOverCommit& commit, const std::string& payload);

}  // namespace hookwarden::store
