#include "hookwarden/breaker_state.h"

#include "hookwarden/enum_names.h"

namespace hookwarden {

namespace {
constexpr EnumNames<BreakerState, 5> kBreakerStateNames{{
    {BreakerState::closed, "closed"}, {BreakerState::open, "open"}, {BreakerState::half_open, "half_open"},
    {BreakerState::disabled, "disabled"}, {BreakerState::forced_open, "forced_open"}}};
}  // namespace

const char* to_string(BreakerState state) { return name_in(kBreakerStateNames, state, "closed"); }

std::optional<BreakerState> breaker_state_from_string(const std::string& text) {
    return value_in(kBreakerStateNames, text);
}

std::string breaker_state_text(const std::optional<BreakerState>& state) { return state ? to_string(*state) : ""; }

}  // namespace hookwarden
