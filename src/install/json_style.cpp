#include "install/json_style.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "util/json_positions.h"

namespace hookwarden::install {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_plain_key_char(char c) {
    return c == '_' || c == '-' || c == '$' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c);
}

std::string inline_members(const ojson& v);

std::string inline_json(const ojson& v) {
    if (v.is_object()) return v.empty() ? "{}" : "{" + inline_members(v) + "}";
    if (v.is_array()) {
        if (v.empty()) return "[]";
        std::string out = "[";
        for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + inline_json(v[i]);
        return out + "]";
    }
    return v.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string inline_members(const ojson& v) {
    std::string out;
    for (const auto& [k, x] : v.items()) out += (out.empty() ? "" : ", ") + ojson(k).dump() + ": " + inline_json(x);
    return out;
}

// One top-level member: objects one member a line, anything else inline.
std::string policy_member(const std::string& key, const ojson& v) {
    std::string out = "  " + ojson(key).dump() + ": ";
    if (!v.is_object() || v.empty()) return out + inline_json(v);
    out += "{\n";
    bool first = true;
    for (const auto& [k, x] : v.items()) {
        out += first ? "" : ",\n";
        first = false;
        out += "    " + ojson(k).dump() + ": " + inline_json(x);
    }
    return out + "\n  }";
}

}  // namespace

IndentStyle detect_indent(const std::string& text) {
    IndentStyle style;
    std::size_t end = text.find_last_not_of(" \t\r\n");
    style.trailing_newline = !text.empty() && text.back() == '\n';
    std::size_t nl = text.find('\n');
    if (nl == std::string::npos || nl >= end) {
        style.width = text.empty() ? 2 : -1;
        return style;
    }
    for (std::size_t pos = nl; pos != std::string::npos && pos < end; pos = text.find('\n', pos + 1)) {
        std::size_t i = pos + 1, n = 0;
        char ch = i < text.size() ? text[i] : ' ';
        if (ch != ' ' && ch != '\t') continue;
        while (i < text.size() && text[i] == ch) ++i, ++n;
        if (i < text.size() && text[i] != '\n' && text[i] != '\r') {
            style.width = static_cast<int>(n);
            style.ch = ch;
            return style;
        }
    }
    return style;
}

std::string dump_with(const ojson& value, const IndentStyle& style) {
    std::string text = value.dump(style.width, style.ch, false, ojson::error_handler_t::strict);
    if (style.trailing_newline) text += '\n';
    return text;
}

std::string policy_text(const ojson& policy) {
    std::string out = "{\n";
    bool first = true;
    for (const auto& [k, v] : policy.items()) {
        out += first ? "" : ",\n";
        first = false;
        out += policy_member(k, v);
    }
    return out + "\n}\n";
}

std::string json_path_of(const std::vector<std::string>& parts) {
    std::string out = "$";
    for (const auto& p : parts) {
        bool index = !p.empty() && std::all_of(p.begin(), p.end(), is_digit);
        bool plain = !p.empty() && std::all_of(p.begin(), p.end(), is_plain_key_char);
        if (index)
            out += "[" + p + "]";
        else
            out += plain ? "." + p : "[" + ojson(p).dump() + "]";
    }
    return out;
}

std::string pointer_of(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) out = jsonpos::pointer_append(out, p);
    return out;
}

std::string type_name(const ojson& v) {
    if (v.is_object()) return "an object";
    if (v.is_array()) return "an array";
    if (v.is_string()) return "a string";
    if (v.is_boolean()) return "a boolean";
    if (v.is_null()) return "null";
    return "a number";
}

std::optional<ojson> parse_or_report(const std::string& text, const std::string& file, std::ostream& err) {
    try {
        return ojson::parse(text);
    } catch (const ojson::parse_error& e) {
        std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
        auto pos = jsonpos::position_of_offset(text, offset);
        std::string what = e.what();
        if (auto col = what.find("column "); col != std::string::npos)
            if (auto colon = what.find(": ", col); colon != std::string::npos) what = what.substr(colon + 2);
        err << file << ":" << pos.line << ":" << pos.column << ": $: invalid JSON: " << what << "\n";
        return std::nullopt;
    }
}

}  // namespace hookwarden::install
