// Escaping and formatting shared by the renderers. Hook names come from users' policies
// and command lines, so every renderer treats them as untrusted text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hookwarden::report::text {

// Invalid UTF-8 sequences become U+FFFD, so a stray byte in a hook name cannot make an
// XML or JSON consumer reject the whole document.
std::string utf8_sanitize(std::string_view in);

// Columns taken on a terminal, counted as code points (hook names are rarely wide CJK).
std::size_t display_width(std::string_view utf8);

// At most `width` columns; longer text keeps its head and ends in "…".
std::string ellipsize(std::string_view utf8, std::size_t width);

// Text and attribute values for XML 1.0 and HTML: & < > " ' escaped, tab/CR/LF as character
// references (attribute normalization would otherwise turn them into spaces), other C0
// controls (illegal in XML 1.0) replaced by U+FFFD.
std::string xml_escape(std::string_view in);

// One Markdown table cell: '|' escaped, line breaks flattened, HTML-significant characters
// escaped (GitHub renders inline HTML in summaries).
std::string markdown_cell(std::string_view in);

// A latency in ms for tables: "0.4", "123.4", "12345"; "-" for no data.
std::string short_ms(double ms, bool have_data = true);

// Shortest text that reads back as the same double (Prometheus, SVG coordinates).
std::string number(double value);

}  // namespace hookwarden::report::text
