// Codex CLI runs a hook of hooks.json only when [hooks.state."KEY"] trusted_hash in the
// user's $CODEX_HOME/config.toml equals the hook's current hash; a changed command is
// skipped, without a warning in `codex exec`. So when install rewrites a command, it
// re-trusts it the way Codex computes the hash (read from openai/codex,
// codex-rs/hooks/src/engine/discovery.rs `command_hook_hash` and codex-rs/config
// `version_for_toml`):
//
//   KEY  = ABSOLUTE_HOOKS_FILE ":" snake_case(EVENT) ":" GROUP_INDEX ":" HANDLER_INDEX
//   HASH = "sha256:" hex(sha256(compact JSON, keys sorted, of
//          {"event_name": snake_case(EVENT), "matcher"?: M,
//           "hooks": [{"type": "command", "command": C, "timeout": T, "async": A,
//                      "statusMessage"?: S}]}))
//   T = the handler's timeout, 600 when it sets none, at least 1; no matcher for
//   UserPromptSubmit and Stop.
//
// Codex versions differ in what they hash, so install first checks the rule against the
// trust Codex itself wrote for the original hook: only when the original's hash comes
// out equal to its trusted_hash does install write the new one. Otherwise the hook
// cannot be re-trusted from here, and install says which, and what to do.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "install/json_style.h"

namespace hookwarden::install::codex {

std::string hook_key(const std::string& hooks_file, const std::string& event, std::size_t group, std::size_t handler);
std::string event_label(const std::string& event);  // PreToolUse -> pre_tool_use
// HASH above for one handler of a matcher group.
std::string hook_hash(const std::string& event, const ojson& group, const ojson& handler);

// trusted_hash of [hooks.state."KEY"] in a config.toml text, as Codex's /hooks writes it.
std::optional<std::string> trusted_hash(const std::string& config_text, const std::string& key);
// The text with that value replaced; nullopt when the key has no trusted_hash line.
std::optional<std::string> with_trusted_hash(const std::string& config_text, const std::string& key,
                                             const std::string& hash);

struct TrustChange {
    std::string key, before, after;
};
struct TrustPlan {
    std::vector<TrustChange> changes;  // re-trusted
    std::vector<std::string> lost;     // trusted before, cannot be re-trusted from here
    std::vector<std::string> untrusted;  // not trusted before either: Codex skipped them already
    std::string new_text;              // config.toml after the changes
};
// What rewriting `before` into `after` (the same hooks.json, commands changed) does to
// Codex's trust in `config_text`.
TrustPlan plan(const std::string& hooks_file, const ojson& before, const ojson& after, const std::string& config_text);

// $CODEX_HOME/config.toml (~/.codex/config.toml).
std::string config_path(const std::string& home_dir);

}  // namespace hookwarden::install::codex
