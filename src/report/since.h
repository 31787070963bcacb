// The time bound of `--since` (report, check): a duration counted back from now, or an
// ISO-8601 date or date-time (docs/reports.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace hookwarden::report {

// The lower time bound of --since, unix ms: "" gives 0 (no bound); "30m", "24h", "7d"
// (units s, m, h, d, w, y = 365 d) count back from `now_ms`; an ISO-8601 date or date-time
// ("2025-01-31", "2025-01-31T14:00[:00[.fff]]", with "Z" or "+02:00", else local time) is
// taken as is. nullopt with `error` set for anything else.
std::optional<std::int64_t> parse_since(const std::string& text, std::int64_t now_ms, std::string& error);

// "2025-01-31", "2025-01-31T14:05", "2025-01-31 14:05:09", with optional ".fff" (dropped)
// and a zone ("Z", "+02:00", "+0200", "-05"), as unix ms. Without a zone the time is local
// time, as `date` prints it. nullopt for anything else, including dates that do not exist.
std::optional<std::int64_t> parse_iso(const std::string& text);

}  // namespace hookwarden::report
