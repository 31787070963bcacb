// What install changes in how each hook behaves, said before it is done (in the dry run)
// and after: the limit it gets from the agent's timeout, the SLA that becomes a budget,
// the fail-closed switch, the absolute path the settings call hookwarden by. And the
// pieces install and uninstall share around it.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "install/agent_format.h"
#include "install/install.h"
#include "install/policy_entries.h"
#include "install/settings_shape.h"
#include "policy/policy.h"

namespace hookwarden::install {

struct Change {
    std::string hook, event, text;
};

// Whether the agent's fail-closed switch exists for this hook: the agent has one, the
// hook is not async (nobody waits for it), and Claude Code does not ignore it there
// (Stop and SubagentStop hooks).
bool switch_applies(const AgentFormat& format, const CommandHook& hook);

Change describe_change(const CommandHook& hook, const std::string& name, const HookLimits& limits,
                       const policy::Resolved& resolved, bool switch_set, bool in_policy, const AgentFormat& format);
void print_changes(std::ostream& out, const std::string& hookwarden, const std::vector<Change>& changes);

// The absolute path of the hookwarden the settings will call: `given` ("" = this
// binary) made absolute or found in $PATH, and checked to be an executable file.
// nullopt after saying why on `err`.
std::optional<std::string> resolve_hookwarden(const std::string& given, std::ostream& err);

// Runs `one` for the options' settings file, or for each file of a directory scope
// (Copilot's .github/hooks/*.json). The worst exit status.
int for_each_settings_file(const Options& options, std::ostream& out,
                           const std::function<int(const Options&)>& one);

}  // namespace hookwarden::install
