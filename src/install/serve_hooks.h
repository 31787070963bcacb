// `install --agent claude --serve` (docs/install.md): each wrapped command hook becomes an
// `http` hook that POSTs the event to `hookwarden serve --http` (docs/serve.md), and its
// wrapped command line goes into the daemon's registry (serve/http_files.h) under the
// name the URL carries. What the settings gain, measured with Claude Code 2.1.330:
//  - `headers: {"Authorization": "Bearer $HOOKWARDEN_TOKEN"}` with `allowedEnvVars`: it
//    interpolates the variable from the settings' own `env` block only (not from its
//    process environment), so install writes `env.HOOKWARDEN_TOKEN` too;
//  - `onFailure: "block"` on a fail-closed hook: its http hooks fail open on a non-2xx
//    answer, a refused connection, a non-JSON body and a timeout;
//  - `timeout` (seconds): the daemon answers before it, by policy if need be;
//  - `env.NO_PROXY` covering 127.0.0.1, so that an HTTPS_PROXY never carries the call.
// Hooks whose event has no JSON block (exit_code and nonzero_exit events: TaskCreated,
// PreCompact, WorktreeCreate, ...) and async hooks stay command hooks.
// State: the entry's "serve" object keeps each http handler's original and the env
// values install replaced, so uninstall puts back exactly what was there.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "install/json_style.h"
#include "install/settings_shape.h"
#include "serve/http_files.h"

namespace hookwarden::install {

inline constexpr const char* kDefaultServeAddress = "127.0.0.1:7393";

// Whether `hook` (of Claude Code) can be an http hook without weakening its verdict.
bool servable(const CommandHook& hook);

// Replaces `hook`'s handler in `settings` by its http form, records its original in
// `entry`, and adds `argv` under a registry key (`name`, or `name-HASH` when another
// settings file holds that name) to `registry`.
void serve_hook(ojson& settings, ojson& entry, serve::HttpHooks& registry, const CommandHook& hook,
                const std::string& name, const std::vector<std::string>& argv, bool fails_closed,
                const std::string& address, const std::string& settings_key);

// The settings' env block gets the token and NO_PROXY; the replaced values are kept in
// `entry`.
void serve_env(ojson& settings, ojson& entry, const std::string& token);

// uninstall: the original handlers and env values back; the registry loses the keys.
// How many handlers came back.
std::size_t unserve(ojson& settings, const ojson& entry, serve::HttpHooks& registry);

// The project a settings file under PROJECT/.claude/ belongs to ("" for another place):
// the hooks' CLAUDE_PROJECT_DIR.
std::string project_of_settings(const std::string& settings_key);

}  // namespace hookwarden::install
