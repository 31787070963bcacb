// A circuit breaker's state (README.md, "Breakers and records"). The names are what records, the
// database and `status --json` carry; they never change.
#pragma once

#include <optional>
#include <string>

namespace hookwarden {

enum class BreakerState {
    closed,      // runs, accounts every outcome
    open,        // refuses until open_until, then lets probes through (half_open)
    half_open,   // a bounded number of probe runs decide: close or open again
    disabled,    // runs always, never trips (set by hand)
    forced_open  // refuses until closed or reset by hand
};

const char* to_string(BreakerState state);
// nullopt for a name this version does not know (e.g. written by a newer one).
std::optional<BreakerState> breaker_state_from_string(const std::string& text);
// What records and the database carry for a state that may be unknown: "" then.
std::string breaker_state_text(const std::optional<BreakerState>& state);

}  // namespace hookwarden
