#include "report/since.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <ctime>

namespace hookwarden::report {

namespace {

bool all_digits(const std::string& text, std::size_t from, std::size_t to) {
    if (from >= to || to > text.size()) return false;
    for (std::size_t i = from; i < to; ++i)
        if (text[i] < '0' || text[i] > '9') return false;
    return true;
}

int number_at(const std::string& text, std::size_t from, std::size_t length) {
    return std::atoi(text.substr(from, length).c_str());
}

// "YYYY-MM-DD" at the start of `text` into `tm`.
bool parse_date(const std::string& text, std::tm& tm) {
    if (text.size() < 10 || !all_digits(text, 0, 4) || text[4] != '-' || !all_digits(text, 5, 7) || text[7] != '-' ||
        !all_digits(text, 8, 10))
        return false;
    tm.tm_year = number_at(text, 0, 4) - 1900;
    tm.tm_mon = number_at(text, 5, 2) - 1;
    tm.tm_mday = number_at(text, 8, 2);
    return true;
}

// "Thh:mm[:ss[.fff]]" (or with 't' or ' ') at `pos`, which it moves past what it read.
bool parse_time(const std::string& text, std::size_t& pos, std::tm& tm) {
    if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) return true;  // date only
    ++pos;
    if (!all_digits(text, pos, pos + 2) || pos + 2 >= text.size() || text[pos + 2] != ':' ||
        !all_digits(text, pos + 3, pos + 5))
        return false;
    tm.tm_hour = number_at(text, pos, 2);
    tm.tm_min = number_at(text, pos + 3, 2);
    pos += 5;
    if (pos >= text.size() || text[pos] != ':') return true;
    if (!all_digits(text, pos + 1, pos + 3)) return false;
    tm.tm_sec = number_at(text, pos + 1, 2);
    pos += 3;
    if (pos >= text.size() || (text[pos] != '.' && text[pos] != ',')) return true;
    std::size_t end = pos + 1;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    if (end == pos + 1) return false;
    pos = end;  // fractions of a second are dropped: --since is not that precise
    return true;
}

struct Zone {
    bool given = false;  // false: local time
    long offset_s = 0;   // east of UTC
};

// "", "Z", "+hh", "+hhmm", "+hh:mm" (or '-').
std::optional<Zone> parse_zone(const std::string& zone) {
    if (zone.empty()) return Zone{};
    if (zone == "Z" || zone == "z") return Zone{true, 0};
    if (zone[0] != '+' && zone[0] != '-') return std::nullopt;
    std::string digits;
    for (std::size_t i = 1; i < zone.size(); ++i) {
        if (zone[i] == ':' && i == 3) continue;
        if (zone[i] < '0' || zone[i] > '9') return std::nullopt;
        digits += zone[i];
    }
    if (digits.size() != 2 && digits.size() != 4) return std::nullopt;
    const int hours = std::atoi(digits.substr(0, 2).c_str());
    const int minutes = digits.size() == 4 ? std::atoi(digits.substr(2).c_str()) : 0;
    if (hours > 23 || minutes > 59) return std::nullopt;
    return Zone{true, (hours * 3600L + minutes * 60L) * (zone[0] == '-' ? -1 : 1)};
}

std::optional<std::int64_t> to_unix_ms(std::tm tm, const Zone& zone) {
    const std::tm wanted = tm;
    std::time_t seconds;
    if (zone.given) {
        errno = 0;
        seconds = ::timegm(&tm);
        if (seconds == static_cast<std::time_t>(-1) && errno == EOVERFLOW) return std::nullopt;
        seconds -= zone.offset_s;
    } else {
        tm.tm_isdst = -1;
        seconds = std::mktime(&tm);
    }
    // mktime/timegm normalise 2025-02-30 into March: such a date was not a real one.
    if (tm.tm_mday != wanted.tm_mday || tm.tm_mon != wanted.tm_mon || tm.tm_year != wanted.tm_year)
        return std::nullopt;
    return static_cast<std::int64_t>(seconds) * 1000;
}

// The length in ms of the unit of a duration ("30m", "24h", "7d" …); nullopt when `text`
// is not digits followed by one of the units s, m, h, d, w, y (365 days: the history's length).
std::optional<std::int64_t> duration_unit_ms(const std::string& text) {
    if (text.size() < 2 || !all_digits(text, 0, text.size() - 1)) return std::nullopt;
    switch (text.back()) {
        case 's': return 1000LL;
        case 'm': return 60'000LL;
        case 'h': return 3'600'000LL;
        case 'd': return 86'400'000LL;
        case 'w': return 7 * 86'400'000LL;
        case 'y': return 365 * 86'400'000LL;
        default: return std::nullopt;
    }
}

}  // namespace

std::optional<std::int64_t> parse_iso(const std::string& text) {
    std::tm tm{};
    if (!parse_date(text, tm)) return std::nullopt;
    std::size_t pos = 10;
    if (!parse_time(text, pos, tm)) return std::nullopt;
    if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
        tm.tm_sec > 60)
        return std::nullopt;
    auto zone = parse_zone(text.substr(pos));
    if (!zone) return std::nullopt;
    return to_unix_ms(tm, *zone);
}

std::optional<std::int64_t> parse_since(const std::string& text, std::int64_t now_ms, std::string& error) {
    if (text.empty()) return 0;
    if (auto unit_ms = duration_unit_ms(text)) {
        // At most nine digits keep amount × unit far from overflowing.
        if (text.size() > 10) {
            error = "--since '" + text + "': duration too large";
            return std::nullopt;
        }
        const std::int64_t amount = std::atoll(text.substr(0, text.size() - 1).c_str());
        return std::max<std::int64_t>(0, now_ms - amount * *unit_ms);
    }
    if (auto at = parse_iso(text)) return std::max<std::int64_t>(0, *at);
    error = "--since '" + text +
            "': expected a duration (30m, 24h, 7d, 1y; units s, m, h, d, w, y) or an ISO-8601 date or date-time "
            "(2025-01-31, 2025-01-31T14:00, 2025-01-31T14:00:00Z, 2025-01-31T14:00+02:00)";
    return std::nullopt;
}

}  // namespace hookwarden::report
