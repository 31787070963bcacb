// How each agent's settings file holds its hooks: one row per agent, read by install,
// uninstall and doctor (docs/install.md has the same table for people). The facts are
// those of ../shared/notes/agents.md, measured with the real CLIs where they run here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hookwarden/agent.h"

namespace hookwarden::install {

// Where the handlers sit under "hooks".EVENT.
enum class HooksShape {
    // [{"matcher": ..., "hooks": [HANDLER, ...]}]: Claude Code, Codex CLI, Gemini CLI.
    groups,
    // [HANDLER, ...] in a {"version": 1, "hooks": {...}} file: Copilot CLI, Cursor.
    flat,
};

struct AgentFormat {
    Agent agent;
    std::string_view display;  // "Claude Code"
    HooksShape shape;
    // The handler key holding the shell command ("command"; Copilot: "bash").
    std::string_view command_key;
    // Handler types install wraps; "" = the agent's handlers have no type key.
    std::string_view command_type;
    std::string_view timeout_key;
    std::int64_t timeout_unit_ms;     // 1000 (seconds) or 1 (milliseconds)
    std::int64_t default_timeout_ms;  // the agent's own, when a handler sets none
    // The agent's fail-closed switch on a handler ("" = none): KEY = VALUE makes the agent
    // block when the hook fails (crash, timeout, an exit other than 0 and 2).
    std::string_view fail_closed_key;
    std::string_view fail_closed_value_json;  // "\"block\"" or "true"
    // Settings files per scope, relative to the project ("project", "local") or to the
    // home directory ("user"); empty when the agent has no such scope.
    std::string_view project_file, local_file, user_file;
    // The handler may hold an exec-form argv under this key instead of a command ("").
    std::string_view args_key;
};

const AgentFormat& format_of(Agent agent);
const std::vector<Agent>& all_agents();

// The agent's own timeout for a handler of `event` that sets none (some events have a
// lower one: Claude Code's SessionEnd, Codex's SessionEnd).
std::int64_t agent_default_timeout_ms(Agent agent, const std::string& event);

// The settings file of `agent` for a scope, "" when the agent has none for it.
// Copilot's project scope is a directory (.github/hooks/*.json): the files in it.
std::vector<std::string> settings_files_for(Agent agent, const std::string& scope, const std::string& project_dir,
                                            const std::string& home_dir);

}  // namespace hookwarden::install
