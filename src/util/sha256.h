// SHA-256 (FIPS 180-4): the CSP hash of the report viewer's script, and the hash Codex CLI
// trusts hooks by (install/codex_trust.h).
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace hookwarden::hash {

std::array<unsigned char, 32> sha256(std::string_view data);
// Lower-case hex of the digest.
std::string sha256_hex(std::string_view data);

}  // namespace hookwarden::hash
