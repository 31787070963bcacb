#include "util/printable.h"

namespace hookwarden::text {

std::string escape_controls(std::string_view in) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(in.size());
    for (char c : in) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte != 0x7F) {
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else {
            out += "\\x";
            out += kHex[byte >> 4];
            out += kHex[byte & 0xF];
        }
    }
    return out;
}

}  // namespace hookwarden::text
