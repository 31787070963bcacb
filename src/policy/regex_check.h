#pragma once

#include <string>

namespace hookwarden::policy {

// "" when `pattern` compiles as an ECMAScript std::regex, else the library's complaint.
std::string regex_syntax_error(const std::string& pattern);

}  // namespace hookwarden::policy
