// The files `serve --http` and `install --serve` share, both in the state directory
// (docs/serve.md, "HTTP hooks"):
//  - http-token: the per-user secret every request must carry (Authorization: Bearer),
//    64 hex characters from getrandom, mode 0600, created once and then kept, because
//    install writes it into the agent's settings;
//  - http-hooks.json: the hooks the daemon may run, {"hooks": {NAME: {"argv": [...],
//    "timeout_ms": N, "project_dir": "..."}}}, written by install. A request names one
//    by its URL (/hook/NAME); nothing in a request can name a command.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hookwarden::serve {

std::string http_token_path(const std::string& state_dir);
std::string http_hooks_path(const std::string& state_dir);

// The token, created (0600, in a state directory that refuse_state_dir accepts) when
// missing. nullopt with `error` when the file is not the caller's own regular file of
// mode 0600 or does not hold a token.
std::optional<std::string> ensure_http_token(const std::string& state_dir, std::string& error);

struct HttpHook {
    std::vector<std::string> argv;  // a whole hookwarden command line: hookwarden run ... -- CMD
    std::int64_t timeout_ms = 0;    // the agent's timeout for this hook (the settings' `timeout`)
    std::string project_dir;        // CLAUDE_PROJECT_DIR for the hook; "" = the event's cwd
};
using HttpHooks = std::map<std::string, HttpHook>;

// A hook name a URL may carry: 1-128 of [A-Za-z0-9._-].
bool valid_http_hook_name(const std::string& name);

// The registry; a missing file is empty. nullopt with `error` (FILE: $.path: expected)
// when it is malformed.
std::optional<HttpHooks> load_http_hooks(const std::string& path, std::string& error);
// The registry as install writes it (mode 0600); "" or the error.
std::string http_hooks_text(const HttpHooks& current);
std::string write_http_hooks(const std::string& path, const HttpHooks& hooks);

}  // namespace hookwarden::serve
