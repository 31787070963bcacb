#include "hookwarden/agent.h"

#include "hookwarden/enum_names.h"

namespace hookwarden {

namespace {
constexpr EnumNames<Agent, 5> kAgentNames{{{Agent::claude, "claude"},
                                          {Agent::codex, "codex"},
                                          {Agent::gemini, "gemini"},
                                          {Agent::copilot, "copilot"},
                                          {Agent::cursor, "cursor"}}};
}  // namespace

const char* to_string(Agent agent) { return name_in(kAgentNames, agent, "claude"); }

std::optional<Agent> agent_from_string(const std::string& text) { return value_in(kAgentNames, text); }

const char* agent_names() { return "claude, codex, gemini, copilot, cursor"; }

}  // namespace hookwarden
