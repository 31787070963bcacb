// The CSP hash (SHA-256, util/sha256.h) of the viewer's inline script: the page allows
// exactly that script and no other, so an injected one would not run even if escaping
// failed. Computed at generation time; the script is a constant, the cost is microseconds.
#include <array>
#include <cstdint>

#include "report/html_parts.h"
#include "util/sha256.h"

namespace hookwarden::report::html {

namespace {

std::string base64(const unsigned char* bytes, std::size_t size) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < size; i += 3) {
        std::uint32_t n = std::uint32_t(bytes[i]) << 16;
        if (i + 1 < size) n |= std::uint32_t(bytes[i + 1]) << 8;
        if (i + 2 < size) n |= bytes[i + 2];
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += i + 1 < size ? kAlphabet[(n >> 6) & 63] : '=';
        out += i + 2 < size ? kAlphabet[n & 63] : '=';
    }
    return out;
}

}  // namespace

std::string csp_hash_source(std::string_view script) {
    auto digest = hash::sha256(script);
    return "'sha256-" + base64(digest.data(), digest.size()) + "'";
}

}  // namespace hookwarden::report::html
