// The circuit breaker as a pure state machine (README.md, "Breakers and records"): what
// a hook's breaker decides at admission, what a run's outcome does to it, and the manual
// actions. No I/O and no clock: the store loads the value, applies one of these inside
// its write transaction, and saves it back; `now_ms` is always passed in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hookwarden/breaker_state.h"
#include "hookwarden/policy_types.h"
#include "hookwarden/run_record.h"

namespace hookwarden::breaker {

// One hook's breaker as persisted.
struct Breaker {
    BreakerState state = BreakerState::closed;
    std::int64_t since_ms = 0;
    std::int64_t open_until_ms = 0;
    std::int64_t consecutive_failures = 0;
    std::int64_t open_count = 0;  // consecutive trips without a close (drives the doubling)
    std::int64_t probe_successes = 0;
    std::int64_t trips = 0;     // every transition to open, ever (not reset by close)
    std::int64_t runs = 0;      // runs applied since the breaker was created
    std::int64_t failures = 0;  // of those, failures
    // One character per accounted call in the closed state, oldest first: '0' + (failure
    // ? 1 : 0) + (slow ? 2 : 0). Kept with the breaker so that judging the window needs
    // no scan of the records inside the write transaction.
    std::string recent;
};

// A breaker seen for the first time at `now_ms`: closed since then.
Breaker fresh(std::int64_t now_ms);

struct WindowRates {
    std::int64_t calls = 0;
    double failure_rate = 0;
    double slow_rate = 0;
};
WindowRates window_rates(const std::string& recent);

// open_ms doubled for each consecutive trip after the first, capped at max_open_ms.
std::int64_t open_duration_ms(const BreakerConfig& config, std::int64_t open_count);

// Whether a run of a hook in this state must be admitted by the store; closed and
// disabled breakers admit without it (the gate file lists the others).
bool needs_admission(BreakerState state);

struct Verdict {
    bool run = true;
    bool probe = false;                // run is a half-open probe holding a slot
    std::int64_t probe_expires_ms = 0;  // when probe: the slot is presumed dead from then on
    std::int64_t retry_after_ms = 0;   // when !run: how long until a run may be admitted
};

// Every decision that needs no probe slot: closed and disabled run, forced open refuses,
// open refuses until open_until_ms. nullopt: the breaker is half-open, or open and due
// for it; the caller takes its write lock and continues with enter_half_open/admit_probe.
std::optional<Verdict> admit_without_probe(const Breaker& b, std::int64_t now_ms);

// An open breaker whose time is up becomes half-open. Returns true when it changed: the
// new episode starts with no probe slot held (the caller voids the earlier ones).
bool enter_half_open(Breaker& b, std::int64_t now_ms);

// A slot granted with this expiry is presumed dead (its supervisor never reported back).
bool probe_expired(std::int64_t expires_ms, std::int64_t now_ms);

// A half-open breaker's admission, given the expiry times of the probe slots granted and
// not yet reported back (expired ones are ignored). At most max(half_open_probes, 1)
// live probes; a granted slot lasts max(probe_ttl_ms, 1).
Verdict admit_probe(const BreakerConfig& config, const std::vector<std::int64_t>& slot_expiries,
                    std::int64_t now_ms, std::int64_t probe_ttl_ms);

struct Result {
    Outcome outcome = Outcome::ok;
    double wall_ms = 0;
    bool probe = false;  // admitted as a half-open probe
};

// Applies one run's result. Returns true when a half-open episode ended (closed, or open
// again): every probe slot still held is void.
bool apply(Breaker& b, const BreakerConfig& config, const Result& result, std::int64_t now_ms);

enum class Action {
    reset,   // closed, and the trip history forgotten
    close,   // closed; trips kept
    open,    // forced open until reset or close
    disable  // runs always, never trips
};
const char* to_string(Action action);
std::optional<Action> action_from_string(const std::string& text);

// A manual action. Every probe slot still held is void afterwards.
void apply(Breaker& b, Action action, std::int64_t now_ms);

}  // namespace hookwarden::breaker
