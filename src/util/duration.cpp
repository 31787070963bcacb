#include "util/duration.h"

#include <cctype>

namespace hookwarden {

namespace {

struct Unit {
    const char* name;
    std::int64_t ms;
};
// Largest first; "ms" before "m" so that the longer name is tried first at one position.
constexpr Unit kUnits[] = {{"d", 86'400'000}, {"h", 3'600'000}, {"ms", 1}, {"m", 60'000}, {"s", 1000}};
// The order units must appear in, by size.
int rank(std::int64_t unit_ms) {
    switch (unit_ms) {
        case 86'400'000: return 0;
        case 3'600'000: return 1;
        case 60'000: return 2;
        case 1000: return 3;
        default: return 4;
    }
}

}  // namespace

std::optional<std::int64_t> parse_duration_ms(const std::string& text, std::int64_t max_ms) {
    if (text.empty()) return std::nullopt;
    std::size_t i = 0;
    std::int64_t total = 0;
    int last_rank = -1;
    while (i < text.size()) {
        if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
        std::int64_t value = 0;
        for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
            value = value * 10 + (text[i] - '0');
            if (value > max_ms) return std::nullopt;
        }
        const Unit* unit = nullptr;
        for (const Unit& u : kUnits)
            if (text.compare(i, std::char_traits<char>::length(u.name), u.name) == 0) {
                unit = &u;
                break;
            }
        if (!unit || rank(unit->ms) <= last_rank) return std::nullopt;
        last_rank = rank(unit->ms);
        i += std::char_traits<char>::length(unit->name);
        if (value > (max_ms - total) / unit->ms) return std::nullopt;
        total += value * unit->ms;
    }
    return total;
}

std::string duration_text(std::int64_t ms) {
    if (ms <= 0) return "0s";
    std::string out;
    for (std::int64_t unit : {86'400'000LL, 3'600'000LL, 60'000LL, 1000LL, 1LL}) {
        if (ms < unit) continue;
        const char* name = unit == 86'400'000 ? "d" : unit == 3'600'000 ? "h" : unit == 60'000 ? "m" : unit == 1000 ? "s" : "ms";
        out += std::to_string(ms / unit) + name;
        ms %= unit;
    }
    return out;
}

}  // namespace hookwarden
