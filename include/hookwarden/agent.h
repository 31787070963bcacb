// The coding agents whose hooks hookwarden supervises. The names are what `--agent`, the
// policy and the records carry; they never change.
#pragma once

#include <optional>
#include <string>

namespace hookwarden {

enum class Agent {
    claude,   // Claude Code
    codex,    // OpenAI Codex CLI
    gemini,   // Google Gemini CLI
    copilot,  // GitHub Copilot CLI
    cursor    // Cursor
};

const char* to_string(Agent agent);
// nullopt for a name this version does not know.
std::optional<Agent> agent_from_string(const std::string& text);
// The names, comma-separated, for error messages and help: "claude, codex, …".
const char* agent_names();

}  // namespace hookwarden
