#include "report/text.h"

#include <cmath>
#include <cstdint>

#include <fmt/format.h>

#include "util/printable.h"

namespace hookwarden::report::text {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Length of the valid UTF-8 sequence at `i`, or 0 when it is not one (overlongs,
// surrogates and code points past U+10FFFF included).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) return 1;
    std::size_t len;
    std::uint32_t cp;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2;
        cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3;
        cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4;
        cp = b0 & 0x07;
    } else {
        return 0;
    }
    if (i + len > s.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

}  // namespace

std::string utf8_sanitize(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size();) {
        std::size_t len = utf8_sequence(in, i);
        if (len == 0) {
            out += kReplacement;
            ++i;
        } else {
            out.append(in.substr(i, len));
            i += len;
        }
    }
    return out;
}

std::size_t display_width(std::string_view utf8) {
    std::size_t width = 0;
    for (char c : utf8)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;
    return width;
}

std::string ellipsize(std::string_view utf8, std::size_t width) {
    std::string clean = utf8_sanitize(hookwarden::text::escape_controls(utf8));
    if (display_width(clean) <= width) return clean;
    if (width == 0) return "";
    std::string out;
    std::size_t columns = 0;
    for (std::size_t i = 0; i < clean.size();) {
        std::size_t len = utf8_sequence(clean, i);
        if (columns + 1 > width - 1) break;
        out.append(clean, i, len);
        ++columns;
        i += len;
    }
    return out + "\xE2\x80\xA6";
}

std::string xml_escape(std::string_view in) {
    std::string clean = utf8_sanitize(in);
    std::string out;
    out.reserve(clean.size());
    for (char c : clean) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            case '\t': out += "&#9;"; break;
            case '\n': out += "&#10;"; break;
            case '\r': out += "&#13;"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
                    out += kReplacement;
                else
                    out += c;
        }
    }
    return out;
}

std::string markdown_cell(std::string_view in) {
    std::string clean = utf8_sanitize(in);
    std::string out;
    for (char c : clean) {
        switch (c) {
            case '|': out += "\\|"; break;
            case '\\': out += "\\\\"; break;
            case '`': out += "\\`"; break;
            case '*': out += "\\*"; break;
            case '_': out += "\\_"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '&': out += "&amp;"; break;
            default:
                // Shown as \n, \x01...: a control character never ends the row.
                out += static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? hookwarden::text::escape_controls({&c, 1})
                                                                         : std::string(1, c);
        }
    }
    return out;
}

std::string short_ms(double ms, bool have_data) {
    if (!have_data) return "-";
    if (ms < 1000) return fmt::format("{:.1f}", ms);
    if (ms < 1e6) return fmt::format("{:.0f}", ms);
    return fmt::format("{:.0f}s", ms / 1000);
}

std::string number(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{:.0f}", value);
    return fmt::format("{}", value);
}

}  // namespace hookwarden::report::text
