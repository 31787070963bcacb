// Durations as people write them in a policy and as Prometheus reads them: "90s", "5m",
// "1h30m", "250ms", "0s". One grammar for both directions, so that what the policy says
// and what `export prometheus-rules` writes are the same durations.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace hookwarden {

// One or more <digits><unit> pairs, units largest first, each at most once: d, h, m, s,
// ms. No sign, no spaces, no fractions. nullopt when `text` is not such a duration or
// exceeds `max_ms`.
std::optional<std::int64_t> parse_duration_ms(const std::string& text, std::int64_t max_ms);

// The shortest text of that grammar for `ms` (>= 0): 300000 -> "5m", 90000 -> "1m30s", 0 -> "0s".
std::string duration_text(std::int64_t ms);

}  // namespace hookwarden
