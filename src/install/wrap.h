// The two commands install writes into a settings file, `hookwarden run ... -- ORIGINAL`
// and `hookwarden dispatch`, and how to recognise them again (install.h describes the
// forms). Only what install itself would write counts as its own: a hand-written
// `hookwarden run` is left alone by uninstall.
#pragma once

#include <optional>
#include <string>

#include "install/install.h"

namespace hookwarden::install {

// wrap_command with `--policy POLICY` ("" = none).
std::string wrap_with_policy(const std::string& hookwarden_path, const std::string& name, const std::string& original,
                             const std::string& policy);

struct ParsedWrap {
    std::string hookwarden, name, policy, original;
};
// The parts of a canonical wrapper, nullopt for anything else.
std::optional<ParsedWrap> parse_wrap(const std::string& command);

// `hookwarden dispatch [...]`, however the binary is spelled.
bool is_dispatch_command(const std::string& command);

}  // namespace hookwarden::install
