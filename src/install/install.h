// `hookwarden install --agent claude` / `uninstall`: puts hookwarden between Claude Code
// and the hooks of an existing settings file, reversibly (README "Adopting it in an
// existing project").
//
// - wrap mode (default): each `type: "command"` hook keeps its place; only its `command`
//   string changes, to `hookwarden run --name NAME -- ORIGINAL` when ORIGINAL is one
//   simple command the shell parses the same way after the prefix, or to
//   `hookwarden run --name NAME -- sh -c 'ORIGINAL'` (POSIX single-quote escaping)
//   otherwise (&&, pipes, redirections, `VAR=x cmd`, builtins, unbalanced quotes).
//   unwrap() is the exact inverse of wrap(), so even without any state the original
//   string comes back byte for byte; an original that itself reads `sh -c '...'` is
//   always wrapped in the shell form, which keeps the two forms apart (install/wrap.h).
// - dispatch mode: each event's groups of command hooks become one
//   `hookwarden dispatch` entry; the hooks move into the policy. Non-command hooks
//   (prompt, agent, http) stay in the settings where they were.
// - State: `<policy dir>/install-state.json` remembers, per settings file, what install
//   replaced (wrapped -> original commands, or each event's original array) and the
//   backups it wrote. uninstall restores the original bytes when a backup holds exactly
//   the restored value, and otherwise undoes install's changes one by one (user edits
//   made since are kept). Without state, uninstall unwraps wrap-mode commands by parsing
//   them (dispatch mode needs the state) (install/state.h).
// - Every write goes through a backup (`FILE.hookwarden-backup-<UTC time>`, never
//   overwriting an existing one) and an atomic rename that keeps the file's mode and
//   follows a symlinked settings file to its target (install/files.h).
// - Malformed settings are reported as FILE:LINE:COL: $.json.path: what was expected,
//   nothing is written, exit 2 (install/settings_shape.h).
#pragma once

#include <optional>
#include <ostream>
#include <string>

namespace hookwarden::install {

struct Options {
    std::string agent = "claude";
    std::string scope = "project";   // user|project|local
    std::string settings_path;       // overrides scope
    bool dry_run = false;
    bool dispatch = false;           // install only: one `hookwarden dispatch` entry per event
    std::string hookwarden_path = "hookwarden";  // how the settings call hookwarden
    // Starter policy target. "" = <project>/.hookwarden/policy.json, or for user scope
    // <config home>/hookwarden/policy.json, the file `run` finds (util/paths.h:
    // $XDG_CONFIG_HOME when absolute, else ~/.config).
    std::string policy_path;
    std::string project_dir;  // "" = the working directory
};

// 0 done (or nothing to do), 2 usage/configuration error (unknown agent or scope,
// malformed settings or policy, unwritable file, no home directory for user scope).
// Nothing is written on exit 2.
int install_command(const Options& options, std::ostream& out, std::ostream& err);
int uninstall_command(const Options& options, std::ostream& out, std::ostream& err);

// ---- building blocks, exposed for tests ----

// Settings file and policy file the options name (after scope defaults).
std::string settings_path_for(const Options& options);
std::string policy_path_for(const Options& options);

// The settings command that runs `original` under hookwarden, and back.
std::string wrap_command(const std::string& hookwarden_path, const std::string& name, const std::string& original);
struct Unwrapped {
    std::string name, original;
};
// nullopt when `command` is not a `hookwarden run --name NAME -- ...` command as
// install writes it.
std::optional<Unwrapped> unwrap_command(const std::string& command);
// True for any command that already starts hookwarden (run or dispatch), however written.
bool is_hookwarden_command(const std::string& command);

}  // namespace hookwarden::install
