// A hook's name when nobody gave one: `run` without --name names the hook it runs, and
// `install` names the policy entry of each settings command. Both derive it here, so
// the same command gets the same name whether it arrives as argv or as a command string.
//
// The name comes from the script the command runs: interpreters and launchers (python3,
// uv run, node, bash, env, ...), flags, assignments and numbers are skipped; a word with
// a script extension wins, then one with a slash, then the first word left. Its base
// name, less its extension, with characters outside [A-Za-z0-9._-] replaced by '_':
// `python3 hooks/guard_bash.py` -> guard_bash. A shell's `-c SCRIPT` is named after
// the script it runs: `bash -c 'cd x && ./hooks/lint.sh'` -> lint.
#pragma once

#include <string>
#include <vector>

namespace hookwarden::naming {

// For the argv `run` executes.
std::string derive_name(const std::vector<std::string>& argv);
// For a command string a shell runs (a settings file's "command"); the words are found
// with the shell lexer, redirection targets left out. For a plain command it gives what
// derive_name gives for the argv the shell would exec.
std::string derive_name_from_shell(const std::string& command);

}  // namespace hookwarden::naming
