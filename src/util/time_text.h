// A point in time as text, for people and file names. One place for the calendar
// conversion, so every output of hookwarden writes times the same way.
#pragma once

#include <cstdint>
#include <string>

namespace hookwarden {

enum class Zone { utc, local };

// `unix_ms` through strftime's `format` (e.g. "%Y-%m-%dT%H:%M:%SZ"), in UTC or in the
// local time zone. Times before the epoch are written like any other.
std::string time_text(std::int64_t unix_ms, const char* format, Zone zone = Zone::utc);

}  // namespace hookwarden
