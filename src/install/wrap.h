// The commands install writes into a settings file, `hookwarden run ... -- ORIGINAL` (or,
// for an exec-form hook, the same words as an argv) and `hookwarden dispatch`, and how
// to recognise them again (install.h describes the forms). Only what install itself
// would write counts as its own: a hand-written `hookwarden run` is left alone by
// uninstall.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "install/install.h"

namespace hookwarden::install {

// The words before the hook's own command, in this order:
//   HOOKWARDEN run [--agent A] [--policy P] [--timeout MS] [--on-failure F] [--exit-0-or-2] --name N --
struct RunPrefix {
    std::string hookwarden;                  // as written: install writes an absolute path
    std::string agent;                       // "" = no --agent (installs before agents existed)
    std::string policy;                      // "" = `run` discovers it
    std::optional<std::int64_t> timeout_ms;  // only when the policy cannot hold the hook
    std::string on_failure;                  // likewise ("" = the policy's)
    bool exit_0_or_2 = false;                // the agent's fail-closed switch is on
    std::string name;
};

std::vector<std::string> prefix_words(const RunPrefix& prefix);
std::string wrap_with(const RunPrefix& prefix, const std::string& original);
std::vector<std::string> wrap_args(const RunPrefix& prefix, const std::vector<std::string>& original);

// wrap_command with `--policy POLICY` ("" = none).
std::string wrap_with_policy(const std::string& hookwarden_path, const std::string& name, const std::string& original,
                             const std::string& policy);

struct ParsedWrap {
    RunPrefix prefix;
    std::string original;
    // Shorthands of prefix, for the callers that predate it.
    std::string hookwarden, name, policy;
};
// The parts of a canonical wrapper, nullopt for anything else.
std::optional<ParsedWrap> parse_wrap(const std::string& command);

struct ParsedArgs {
    RunPrefix prefix;
    std::vector<std::string> original;
};
// The same for an exec-form wrapper (an argv install wrote).
std::optional<ParsedArgs> parse_wrapped_args(const std::vector<std::string>& args);

// `hookwarden dispatch [...]`, however the binary is spelled.
bool is_dispatch_command(const std::string& command);
// An argv that starts hookwarden run or dispatch.
bool is_hookwarden_argv(const std::vector<std::string>& args);

}  // namespace hookwarden::install
