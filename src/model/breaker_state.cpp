#include "hookwarden/breaker_state.h"

#include <array>
#include <utility>

namespace hookwarden {

namespace {
constexpr std::array<std::pair<BreakerState, const char*>, 5> kBreakerStateNames{{
    {BreakerState::closed, "closed"},
    {BreakerState::open, "open"},
    {BreakerState::half_open, "half_open"},
    {BreakerState::disabled, "disabled"},
    {BreakerState::forced_open, "forced_open"},
}};
}  // namespace

const char* to_string(BreakerState state) {
    for (const auto& [value, name] : kBreakerStateNames)
        if (value == state) return name;
    return "closed";
}

std::optional<BreakerState> breaker_state_from_string(const std::string& text) {
    for (const auto& [value, name] : kBreakerStateNames)
        if (text == name) return value;
    return std::nullopt;
}

std::string breaker_state_text(const std::optional<BreakerState>& state) { return state ? to_string(*state) : ""; }

}  // namespace hookwarden
