// The part of a Claude Code settings file install works on, checked before anything is
// changed: "hooks" is {EVENT: [{"matcher": ..., "hooks": [{"type": ..., ...}]}]}. Every
// problem is collected with its JSON path, so one run reports all of them.
#pragma once

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "install/json_style.h"

namespace hookwarden::install {

struct Problem {
    std::vector<std::string> where;  // JSON path parts
    std::string message;
};

struct CommandHook {
    std::string event;
    std::size_t group = 0, index = 0;
    std::string matcher;  // "" when absent
    std::string command;
    std::optional<double> timeout_s;
};

struct Shape {
    std::vector<Problem> errors;
    std::vector<Problem> notes;  // non-command hooks, left alone
    std::vector<CommandHook> commands;
};

Shape check_shape(const ojson& settings);

// FILE:LINE:COL: $.path: message, the position found in the settings text.
std::string describe(const std::string& file, const std::string& text, const Problem& problem);
// Each problem described on its own line of `err`, after `prefix`.
void report(const std::string& file, const std::string& text, const std::vector<Problem>& problems,
            std::ostream& err, const char* prefix = "");

// A matcher group holding a `hookwarden dispatch` command hook.
bool group_is_dispatch(const ojson& group);

}  // namespace hookwarden::install
