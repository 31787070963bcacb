// The part of an agent's settings file install works on, checked before anything is
// changed: "hooks" is {EVENT: [{"matcher": ..., "hooks": [HANDLER]}]} (Claude Code, Codex,
// Gemini) or {EVENT: [HANDLER]} (Copilot, Cursor), the handler keys as the agent's row
// of install/agent_format.h names them. Every problem is collected with its JSON path,
// so one run reports all of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "install/agent_format.h"
#include "install/json_style.h"

namespace hookwarden::install {

struct Problem {
    std::vector<std::string> where;  // JSON path parts
    std::string message;
};

struct CommandHook {
    std::string event;
    std::size_t group = 0, index = 0;  // group is 0 in a flat file
    bool flat = false;
    std::string matcher;  // "" when absent
    // The shell command; for an exec-form hook (Claude Code `args`), its argv quoted
    // back into one string, for names and messages.
    std::string command;
    std::optional<std::vector<std::string>> args;  // exec form
    std::optional<std::int64_t> timeout_ms;        // the handler's own, in ms
    bool async = false;                            // Claude Code / Codex `async: true`
    bool fail_closed = false;                      // the agent's fail-closed switch is on
};

struct Shape {
    std::vector<Problem> errors;
    std::vector<Problem> notes;  // non-command hooks, left alone
    std::vector<CommandHook> commands;
};

Shape check_shape(const ojson& settings, const AgentFormat& format);

// The handler object of `hook` in `settings`.
ojson& handler_of(ojson& settings, const CommandHook& hook);

// FILE:LINE:COL: $.path: message, the position found in the settings text.
std::string describe(const std::string& file, const std::string& text, const Problem& problem);
// Each problem described on its own line of `err`, after `prefix`.
void report(const std::string& file, const std::string& text, const std::vector<Problem>& problems,
            std::ostream& err, const char* prefix = "");

// A matcher group holding a `hookwarden dispatch` command hook.
bool group_is_dispatch(const ojson& group);

}  // namespace hookwarden::install
