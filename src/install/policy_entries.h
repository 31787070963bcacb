// What install writes into the policy for one settings command hook, and what a
// wrapped command passes to `run` to find that policy.
#pragma once

#include <cstdint>
#include <string>

#include "install/install.h"
#include "install/json_style.h"
#include "install/settings_shape.h"

namespace hookwarden::install {

// The --policy a wrapper passes to `run`, "" when `run` finds the policy by itself.
std::string policy_arg(const Options& options, const std::string& policy_path);

// The policy entry that runs `hook` as Claude Code did: its argv (or `sh -c COMMAND`),
// its matcher, and a timeout below Claude's own so that hookwarden answers first.
ojson policy_entry(const CommandHook& hook, const std::string& settings_file);

// Same event, command and matcher: the entry install would write for the same hook.
bool same_definition(const ojson& a, const ojson& b);

// An event hookwarden's policy knows (others keep their hooks, without a policy entry).
bool is_known_event(const std::string& event);

}  // namespace hookwarden::install
