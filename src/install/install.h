// `hookwarden install --agent AGENT` / `uninstall`: puts hookwarden between an agent
// (Claude Code, Codex CLI, Gemini CLI, Copilot CLI, Cursor) and the hooks of an existing
// settings file, reversibly (docs/install.md). The file formats: install/agent_format.h.
//
// - wrap mode (default): each command hook keeps its place; only its command changes, to
//   `/abs/hookwarden run --agent AGENT [--policy P] [--timeout MS] [--exit-0-or-2]
//   --name NAME -- ORIGINAL` when ORIGINAL is one simple command the shell parses the
//   same way after the prefix, or to `... -- sh -c 'ORIGINAL'` (POSIX single-quote
//   escaping) otherwise (&&, pipes, redirections, `VAR=x cmd`, builtins, unbalanced
//   quotes). An exec-form hook (Claude Code `args`) gets the same words in front of its
//   argv. unwrap is the exact inverse of wrap, so even without any state the original
//   comes back byte for byte; an original that itself reads `sh -c '...'` is always
//   wrapped in the shell form, which keeps the two forms apart (install/wrap.h).
// - Behaviour kept: the policy entry's timeout is the agent's effective one (the
//   handler's, else the agent's default) less a margin, so a slow guard still answers;
//   the event's SLA default is a p95 budget `check` reports, a kill only with
//   --enforce-slas. A hook the policy makes fail-closed gets the agent's own fail-closed
//   switch where it has one (Claude Code `onFailure: "block"`, Cursor `failClosed`),
//   and `--exit-0-or-2` so that the hook's own exit 1 stays a non-blocking error.
// - dispatch mode: each event's groups of command hooks become one
//   `hookwarden dispatch` entry; the hooks move into the policy. Non-command hooks
//   (prompt, agent, http, mcp_tool) stay in the settings where they were.
// - Codex CLI runs a hook only when its hash is trusted in $CODEX_HOME/config.toml:
//   install re-trusts what it rewrote, or stops and says what to do (install/codex_trust.h).
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
    std::string agent = "claude";    // claude|codex|gemini|copilot|cursor
    std::string scope = "project";   // user|project|local
    std::string settings_path;       // overrides scope
    bool dry_run = false;
    bool dispatch = false;           // install only: one `hookwarden dispatch` entry per event
    // The hookwarden the settings call, written as an absolute path: "" = this very
    // binary (/proc/self/exe), a bare name is looked up in $PATH; checked to be an
    // executable file at install time.
    std::string hookwarden_path;
    // Kill hooks at their event's SLA default (policy "events"), not only report it as a
    // budget: a hook slower than the SLA is then answered by on_failure.
    bool enforce_slas = false;
    // Codex: install even when it cannot re-trust rewritten hooks that Codex trusted;
    // they then stay skipped until trusted in Codex's /hooks.
    bool codex_trust_later = false;
    // Starter policy target. "" = <project>/.hookwarden/policy.json, or for user scope
    // <config home>/hookwarden/policy.json, the file `run` finds (util/paths.h:
    // $XDG_CONFIG_HOME when absolute, else ~/.config).
    std::string policy_path;
    std::string project_dir;  // "" = the working directory
    // Claude Code only: the wrapped hooks become `http` hooks answered by
    // `hookwarden serve --http serve_address` (install/serve_hooks.h).
    bool serve = false;
    std::string serve_address = "127.0.0.1:7393";
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
