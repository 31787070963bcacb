// std::regex lives alone in this file: with -fsanitize, GCC 12 reports a false
// -Wmaybe-uninitialized deep inside libstdc++'s <regex> (std::function in _StateT),
// which would break -Werror builds. The pragma is scoped to this file only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop

#include "policy/regex_check.h"

namespace hookwarden::policy {

std::string regex_syntax_error(const std::string& pattern) {
    try {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
        std::regex re(pattern, std::regex::ECMAScript);
#pragma GCC diagnostic pop
        return "";
    } catch (const std::regex_error& e) {
        return e.what();
    }
}

}  // namespace hookwarden::policy
