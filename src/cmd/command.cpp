#include "cmd/command.h"

#include <CLI/CLI.hpp>

#include "hookwarden/agent.h"

namespace hookwarden::cmd {

const std::vector<std::string> kBackends{"auto", "cgroup-v2", "cgroup-v1", "none"};

void add_agent_option(CLI::App& subcommand, std::string& target) {
    CLI::Validator known(
        [](std::string& text) -> std::string {
            if (agent_from_string(text)) return {};
            return "unknown agent '" + text + "': expected one of " + agent_names();
        },
        "", "agent");
    subcommand
        .add_option("--agent", target,
                    "the agent that runs this hook: claude|codex|gemini|copilot|cursor (default: detected from the "
                    "event and the environment, see docs/agents.md)")
        ->check(known)
        ->type_name("AGENT");
}

bool parsed(const CLI::App* subcommand) { return subcommand != nullptr && subcommand->parsed(); }

}  // namespace hookwarden::cmd
