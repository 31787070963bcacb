#include "agents/event_text.h"

#include <cstdint>

namespace hookwarden::agents {

namespace {

constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kReplacementEscape = "\\ufffd";

bool is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

int hex_digit(char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

// The code unit of a `\uXXXX` escape at `at`, or -1 when there is none there.
long escape_at(std::string_view text, std::size_t at) {
    if (at + 6 > text.size() || text[at] != '\\' || text[at + 1] != 'u') return -1;
    long value = 0;
    for (std::size_t i = at + 2; i < at + 6; ++i) {
        const int digit = hex_digit(text[i]);
        if (digit < 0) return -1;
        value = value * 16 + digit;
    }
    return value;
}

// The length of the well-formed UTF-8 sequence at `at` (Unicode table 3-7), or, when it
// is ill-formed, minus the length of its maximal subpart: the bytes one U+FFFD replaces,
// as the WHATWG decoder that agents' stdin readers use does.
int utf8_sequence(std::string_view text, std::size_t at) {
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
    const std::uint8_t lead = byte(at);
    if (lead < 0x80) return 1;
    int length = 0;
    std::uint8_t low = 0x80, high = 0xBF;  // the range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) length = 2;
    else if (lead >= 0xE0 && lead <= 0xEF) length = 3, low = lead == 0xE0 ? 0xA0 : 0x80, high = lead == 0xED ? 0x9F : 0xBF;
    else if (lead >= 0xF0 && lead <= 0xF4) length = 4, low = lead == 0xF0 ? 0x90 : 0x80, high = lead == 0xF4 ? 0x8F : 0xBF;
    else return -1;
    for (int i = 1; i < length; ++i) {
        if (at + i >= text.size()) return -i;
        const std::uint8_t next = byte(at + i);
        if (next < (i == 1 ? low : 0x80) || next > (i == 1 ? high : 0xBF)) return -i;
    }
    return length;
}

class Repairer {
public:
    explicit Repairer(EventText& out) : out_(out), text_(out.input) {}

    void scan() {
        std::size_t at = 0;
        while (at < text_.size() && is_space(text_[at])) ++at;
        if (at == text_.size() || (text_[at] != '{' && text_[at] != '[')) {
            scan_bytes_only(at);
            return;
        }
        while (at < text_.size() && out_.value_end == std::string_view::npos) at = step(at);
        for (std::size_t i = at; i < text_.size(); ++i)
            if (!is_space(text_[i])) ++out_.trailing_bytes;
    }

private:
    // Not an object or array: only invalid UTF-8 is replaced, for the parser's message.
    void scan_bytes_only(std::size_t at) {
        while (at < text_.size()) at = utf8(at);
    }

    // One token's worth of input from `at`; returns where the next starts.
    std::size_t step(std::size_t at) {
        const char ch = text_[at];
        if (in_string_ && ch == '\\') return escape(at);
        if (ch == '"') in_string_ = !in_string_;
        if (!in_string_ && (ch == '{' || ch == '[')) ++depth_;
        if (!in_string_ && (ch == '}' || ch == ']') && --depth_ == 0) out_.value_end = at + 1;
        return utf8(at);
    }

    std::size_t utf8(std::size_t at) {
        const int length = utf8_sequence(text_, at);
        if (length > 0) return keep(at, static_cast<std::size_t>(length));
        ++out_.invalid_utf8;
        return replace(at, static_cast<std::size_t>(-length), kReplacementUtf8);
    }

    // An escape in a string: a surrogate escape must come as a high-low pair.
    std::size_t escape(std::size_t at) {
        const long unit = escape_at(text_, at);
        if (unit < 0xD800 || unit > 0xDFFF) return keep(at, at + 1 < text_.size() ? 2 : 1);
        const long next = escape_at(text_, at + 6);
        if (unit <= 0xDBFF && next >= 0xDC00 && next <= 0xDFFF) return keep(at, 12);
        ++out_.lone_surrogates;
        return replace(at, 6, kReplacementEscape);
    }

    std::size_t keep(std::size_t at, std::size_t length) {
        if (out_.was_repaired) out_.repaired.append(text_.substr(at, length));
        return at + length;
    }

    std::size_t replace(std::size_t at, std::size_t length, std::string_view with) {
        if (!out_.was_repaired) {
            out_.was_repaired = true;
            out_.repaired.reserve(text_.size() + 16);
            out_.repaired.assign(text_.substr(0, at));
        }
        out_.repaired.append(with);
        return at + length;
    }

    EventText& out_;
    std::string_view text_;
    bool in_string_ = false;
    int depth_ = 0;
};

std::string count_of(std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

std::string_view EventText::json() const {
    const std::string_view text = was_repaired ? std::string_view(repaired) : input;
    return value_end == std::string_view::npos ? text : text.substr(0, value_end);
}

std::string EventText::note() const {
    std::string note;
    const auto add = [&](const std::string& part) { note += (note.empty() ? "" : "; ") + part; };
    if (invalid_utf8) add(count_of(invalid_utf8, "invalid UTF-8 sequence", "invalid UTF-8 sequences") + " read as U+FFFD");
    if (lone_surrogates)
        add(count_of(lone_surrogates, "unpaired surrogate escape", "unpaired surrogate escapes") + " read as \\ufffd");
    if (trailing_bytes) add(count_of(trailing_bytes, "byte", "bytes") + " after the event's JSON ignored");
    return note.empty() ? note : "event input: " + note + " (the hook gets the bytes unchanged)";
}

bool raw_flag_is_true(std::string_view input, std::string_view key) {
    const std::string quoted = "\"" + std::string(key) + "\"";
    for (std::size_t at = input.find(quoted); at != std::string_view::npos; at = input.find(quoted, at + 1)) {
        std::size_t i = at + quoted.size();
        while (i < input.size() && is_space(input[i])) ++i;
        if (i >= input.size() || input[i] != ':') continue;
        ++i;
        while (i < input.size() && is_space(input[i])) ++i;
        if (input.substr(i, 4) == "true") return true;
    }
    return false;
}

EventText prepare_event_text(std::string_view input) {
    EventText text;
    text.input = input;
    Repairer(text).scan();
    // value_end was found in input offsets; the repaired copy, which stops there, is
    // longer or shorter by the replacements.
    if (text.value_end != std::string_view::npos && text.was_repaired) text.value_end = text.repaired.size();
    return text;
}

}  // namespace hookwarden::agents
