#include "util/json_positions.h"

#include <set>

namespace hookwarden::jsonpos {

namespace {

bool is_continuation_byte(unsigned char c) { return (c & 0xC0) == 0x80; }

void append_utf8(std::string& out, unsigned long cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

}  // namespace

Position position_of_offset(const std::string& text, std::size_t offset) {
    Position p;
    if (offset > text.size()) offset = text.size();
    for (std::size_t i = 0; i < offset; ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n') {
            ++p.line;
            p.column = 1;
        } else if (!is_continuation_byte(c)) {
            ++p.column;
        }
    }
    return p;
}

std::string pointer_append(const std::string& pointer, const std::string& key) {
    std::string out = pointer + "/";
    for (char c : key) {
        if (c == '~') out += "~0";
        else if (c == '/') out += "~1";
        else out += c;
    }
    return out;
}

// The input has already been accepted by nlohmann, so this scanner can be lax: it only
// needs to find where things start and to decode keys exactly as nlohmann does (so
// pointers built from nlohmann's keys match). On anything unexpected it just stops.
class Scanner {
public:
    Scanner(const std::string& text, PositionIndex& index) : text_(text), index_(index) {
        if (text_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;  // nlohmann skips a BOM too
        skip_ws();
        scan_value("", here());
    }

private:
    Position here() const { return {line_, column_}; }
    bool at_end() const { return failed_ || pos_ >= text_.size(); }
    char peek() const { return at_end() ? '\0' : text_[pos_]; }

    void advance() {
        auto c = static_cast<unsigned char>(text_[pos_++]);
        if (c == '\n') {
            ++line_;
            column_ = 1;
        } else if (pos_ >= text_.size() || !is_continuation_byte(static_cast<unsigned char>(text_[pos_]))) {
            // Count a code point once, when its last byte has been consumed.
            ++column_;
        }
    }

    void skip_ws() {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) advance();
    }

    unsigned long read_hex4() {
        unsigned long v = 0;
        for (int i = 0; i < 4 && !at_end(); ++i) {
            char c = peek();
            v <<= 4;
            if (c >= '0' && c <= '9') v |= static_cast<unsigned long>(c - '0');
            else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned long>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned long>(c - 'A' + 10);
            advance();
        }
        return v;
    }

    std::string read_string() {
        std::string out;
        advance();  // opening quote
        while (!at_end() && peek() != '"') {
            if (peek() != '\\') {
                out += peek();
                advance();
                continue;
            }
            advance();
            char e = peek();
            advance();
            switch (e) {
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    unsigned long cp = read_hex4();
                    if (cp >= 0xD800 && cp <= 0xDBFF && peek() == '\\') {  // surrogate pair
                        advance();
                        advance();
                        unsigned long low = read_hex4();
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    }
                    append_utf8(out, cp);
                    break;
                }
                default: out += e;  // \" \\ \/
            }
        }
        if (!at_end()) advance();  // closing quote
        return out;
    }

    void scan_value(const std::string& pointer, Position key_position) {
        if (at_end()) return;
        auto& entry = index_.entries_[pointer];
        entry.key = key_position;
        entry.value = here();
        char c = peek();
        if (c == '{') {
            advance();
            std::set<std::string> seen;
            skip_ws();
            while (!at_end() && peek() != '}') {
                if (peek() != '"') {
                    failed_ = true;
                    return;
                }
                Position kp = here();
                std::string key = read_string();
                std::string child = pointer_append(pointer, key);
                if (!seen.insert(key).second) index_.duplicates_.push_back({child, kp});
                skip_ws();
                if (peek() == ':') advance();
                skip_ws();
                scan_value(child, kp);
                skip_ws();
                if (peek() == ',') advance();
                skip_ws();
            }
            if (!at_end()) advance();
        } else if (c == '[') {
            advance();
            skip_ws();
            for (std::size_t i = 0; !at_end() && peek() != ']'; ++i) {
                scan_value(pointer + "/" + std::to_string(i), here());
                skip_ws();
                if (peek() == ',') advance();
                skip_ws();
            }
            if (!at_end()) advance();
        } else if (c == '"') {
            read_string();
        } else {
            // Numbers and literals: everything up to a delimiter.
            while (!at_end() && peek() != ',' && peek() != '}' && peek() != ']' && peek() != ' ' &&
                   peek() != '\n' && peek() != '\r' && peek() != '\t')
                advance();
        }
    }

    const std::string& text_;
    PositionIndex& index_;
    std::size_t pos_ = 0;
    int line_ = 1, column_ = 1;
    bool failed_ = false;
};

PositionIndex::PositionIndex(const std::string& text) { Scanner scanner(text, *this); }

const PositionIndex::Entry* PositionIndex::find(const std::string& pointer) const {
    std::string p = pointer;
    for (;;) {
        auto it = entries_.find(p);
        if (it != entries_.end()) return &it->second;
        if (p.empty()) return nullptr;
        p.erase(p.rfind('/'));
    }
}

Position PositionIndex::key(const std::string& pointer) const {
    const Entry* e = find(pointer);
    return e ? e->key : Position{};
}

Position PositionIndex::value(const std::string& pointer) const {
    const Entry* e = find(pointer);
    return e ? e->value : Position{};
}

}  // namespace hookwarden::jsonpos
