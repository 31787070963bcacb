// Alert rules evaluated over a hook's run records (docs/observability.md). Pure: no
// I/O, no clock; time is the records' own timestamps and the `now` the caller passes, so
// that a test drives a five-minute window with records, not with sleeps. The store keeps
// the firing state the run path needs (store/alert_rows.cpp), `hookwarden alerts`
// evaluates from the records themselves, and `export prometheus-rules` writes the same
// conditions over the exported metrics.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hookwarden/alert_types.h"
#include "hookwarden/run_record.h"

namespace hookwarden::alerts {

// What a rule looks at in one run.
struct Sample {
    std::int64_t time_ms = 0;  // the run's start (RunRecord::time_unix_ms)
    Outcome outcome = Outcome::ok;
    double wall_ms = 0;
    std::int64_t peak_memory_bytes = 0;
    std::int64_t memory_limit_mb = 0;
};
Sample sample_of(const RunRecord& record);

// The rule's condition over the samples whose time is in (at - window, at].
struct Condition {
    bool holds = false;
    double value = 0;  // p95 ms, peak/limit ratio, failure rate, timeouts: what the threshold is compared with
    std::size_t runs = 0;  // runs in the window that the value is made of
    std::string why;   // for people: "p95 2450 ms of 12 runs in the last 5m > 2000 ms"
};
// `samples` sorted by time (oldest first).
Condition condition(const AlertRule& rule, const std::vector<Sample>& samples, std::int64_t at_ms);

// The rule at `now`, without remembered state: the condition is piecewise constant
// between the times a run enters or leaves the window, so those times (within
// horizon_ms of now) are the evaluation points. It fires once it has held at every
// point for `for`.
struct Evaluation {
    AlertKind kind = AlertKind::timeout;
    bool active = false;  // the condition holds now (pending or firing)
    bool firing = false;
    std::int64_t active_since_ms = 0;  // the condition has held since (at most horizon_ms back)
    std::int64_t firing_since_ms = 0;  // active_since_ms + for
    Condition now;
};
Evaluation evaluate(const AlertRule& rule, const std::vector<Sample>& samples, std::int64_t now_ms);
// How far back the samples for evaluate() must reach.
std::int64_t horizon_ms(const AlertRule& rule);

// The remembered state of one rule of one hook, stepped once per recorded run (the
// store keeps it): pending until the condition has held for `for`, then firing.
struct Tracked {
    std::optional<std::int64_t> active_since_ms;  // nullopt: inactive
    bool firing = false;
};
struct Step {
    Tracked next;
    bool started_firing = false;
    bool resolved = false;  // was firing, the condition no longer holds
};
Step step(const AlertRule& rule, const Tracked& tracked, const Condition& now, std::int64_t at_ms);

// Every rule of every hook in `records` (any order) at `now`: the rules a hook's newest
// record resolves to (`rules_for(hook, event)`), evaluated over its records. Only the
// active ones (pending or firing), by hook, then rule.
struct HookAlert {
    std::string hook, event;
    AlertRule rule;
    Evaluation evaluation;
};
using RulesFor = std::function<AlertRules(const std::string& hook, const std::string& event)>;
std::vector<HookAlert> evaluate_records(const std::vector<RunRecord>& records, const RulesFor& rules_for,
                                        std::int64_t now_ms);

// The line the agent's person reads when an alert starts firing (the systemMessage).
std::string firing_message(const std::string& hook, AlertKind kind, const std::string& why);

}  // namespace hookwarden::alerts
