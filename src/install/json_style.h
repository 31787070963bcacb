// JSON as install reads and writes it: settings files keep their own indentation, the
// policy gets the layout of `policy init`, and a parse error or a misplaced value is
// named as FILE:LINE:COL: $.path.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace hookwarden::install {

using ojson = nlohmann::ordered_json;  // ordered: a settings file keeps its key order

struct IndentStyle {
    int width = 2;  // -1: compact
    char ch = ' ';
    bool trailing_newline = true;
};

// The indentation a text uses (first indented line), or compact when on one line.
IndentStyle detect_indent(const std::string& text);
std::string dump_with(const ojson& value, const IndentStyle& style);

// The policy's house style (that of policy init): two levels spelled out, deeper values
// on one line.
std::string policy_text(const ojson& policy);

// {"hooks", "Stop", "0"} -> $.hooks.Stop[0], and the JSON pointer /hooks/Stop/0.
std::string json_path_of(const std::vector<std::string>& parts);
std::string pointer_of(const std::vector<std::string>& parts);

// "an object", "a string", ... for messages.
std::string type_name(const ojson& value);

// The parsed text, or nullopt after writing FILE:LINE:COL: $: invalid JSON: ... to err.
std::optional<ojson> parse_or_report(const std::string& text, const std::string& file, std::ostream& err);

}  // namespace hookwarden::install
