#include "util/time_text.h"

#include <ctime>

namespace hookwarden {

std::string time_text(std::int64_t unix_ms, const char* format, Zone zone) {
    // Floor, not truncation: -1 ms is 23:59:59.999 of the day before.
    std::int64_t seconds = unix_ms / 1000 - (unix_ms % 1000 < 0 ? 1 : 0);
    const std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    if (zone == Zone::utc) gmtime_r(&t, &tm);
    else localtime_r(&t, &tm);
    char buffer[64];
    // Every caller passes a literal; -Wformat-nonliteral cannot see through the parameter.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    std::size_t n = std::strftime(buffer, sizeof buffer, format, &tm);
#pragma GCC diagnostic pop
    return std::string(buffer, n);
}

}  // namespace hookwarden
