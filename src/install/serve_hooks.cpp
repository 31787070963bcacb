#include "install/serve_hooks.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "agents/adapter.h"
#include "util/paths.h"
#include "util/sha256.h"

namespace hookwarden::install {

namespace {

constexpr const char* kTokenVariable = "HOOKWARDEN_TOKEN";

// Claude Code's own timeout for the handler, in whole seconds (its default for one
// without: 600 s).
std::int64_t agent_timeout_s(const CommandHook& hook) {
    const std::int64_t ms = hook.timeout_ms.value_or(agents::adapter_for(Agent::claude).default_timeout_ms);
    return std::max<std::int64_t>(1, (ms + 999) / 1000);
}

// `name`, or when another settings file registered a different hook under it, a key
// of its own for this settings file.
std::string registry_key(const serve::HttpHooks& registry, const std::string& name, const serve::HttpHook& hook,
                         const std::string& settings_key) {
    auto same = [&](const std::string& key) {
        auto it = registry.find(key);
        return it == registry.end() || (it->second.argv == hook.argv && it->second.project_dir == hook.project_dir);
    };
    if (same(name)) return name;
    const std::string keyed = name + "-" + hash::sha256_hex(settings_key).substr(0, 8);
    for (int n = 1;; ++n) {
        std::string candidate = n == 1 ? keyed : keyed + "-" + std::to_string(n);
        if (same(candidate)) return candidate;
    }
}

// The http handler: its own keys first, then every key of the original that is not
// about running a command (statusMessage, if, once, ...).
ojson http_handler(const ojson& original, const std::string& url, std::int64_t timeout_s, bool fails_closed) {
    ojson handler = {{"type", "http"},
                     {"url", url},
                     {"headers", {{"Authorization", std::string("Bearer $") + kTokenVariable}}},
                     {"allowedEnvVars", ojson::array({kTokenVariable})},
                     {"timeout", timeout_s}};
    if (fails_closed || original.value("onFailure", ojson()) == "block") handler["onFailure"] = "block";
    for (const auto& [key, value] : original.items())
        if (!handler.contains(key) && key != "command" && key != "args" && key != "shell") handler[key] = value;
    return handler;
}

// Whether NO_PROXY already names 127.0.0.1 (or every host).
bool covers_loopback(const std::string& no_proxy) {
    std::size_t start = 0;
    while (start <= no_proxy.size()) {
        std::size_t end = no_proxy.find(',', start);
        if (end == std::string::npos) end = no_proxy.size();
        std::string item = no_proxy.substr(start, end - start);
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        if (item == "127.0.0.1" || item == "*") return true;
        start = end + 1;
    }
    return false;
}

void set_env(ojson& settings, ojson& serve_state, const std::string& key, const std::string& value) {
    ojson& env = settings["env"];
    ojson& before = serve_state["env_before"];
    if (!before.contains(key)) before[key] = env.contains(key) ? env[key] : ojson();  // null: absent
    env[key] = value;
    serve_state["env_after"][key] = value;
}

}  // namespace

bool servable(const CommandHook& hook) {
    if (hook.async) return false;
    const agents::EventFacts* facts = agents::find_event(Agent::claude, hook.event);
    return facts && facts->blocking != agents::Blocking::exit_code && facts->blocking != agents::Blocking::nonzero_exit;
}

void serve_hook(ojson& settings, ojson& entry, serve::HttpHooks& registry, const CommandHook& hook,
                const std::string& name, const std::vector<std::string>& argv, bool fails_closed,
                const std::string& address, const std::string& settings_key) {
    serve::HttpHook registered{argv, agent_timeout_s(hook) * 1000, project_of_settings(settings_key)};
    const std::string key = registry_key(registry, name, registered, settings_key);
    registry[key] = registered;
    ojson& handler = handler_of(settings, hook);
    const std::string url = "http://" + address + "/hook/" + key;
    ojson& state = entry["serve"];
    state["handlers"][url] = handler;
    state["keys"][key] = settings_key;
    handler = http_handler(handler, url, agent_timeout_s(hook), fails_closed);
}

void serve_env(ojson& settings, ojson& entry, const std::string& token) {
    ojson& state = entry["serve"];
    if (!settings.contains("env") || !settings["env"].is_object()) {
        settings["env"] = ojson::object();
        state["env_created"] = true;
    }
    set_env(settings, state, kTokenVariable, token);
    const ojson current = settings["env"].value("NO_PROXY", ojson());
    if (!current.is_string()) set_env(settings, state, "NO_PROXY", "127.0.0.1,localhost,::1");
    else if (!covers_loopback(current.get<std::string>()))
        set_env(settings, state, "NO_PROXY", current.get<std::string>() + ",127.0.0.1");
}

namespace {

// Every handler install made an http hook, back to its original.
std::size_t restore_handlers(ojson& settings, const ojson& handlers) {
    std::size_t count = 0;
    if (!settings.contains("hooks") || !settings["hooks"].is_object()) return 0;
    for (auto& [event, groups] : settings["hooks"].items()) {
        if (!groups.is_array()) continue;
        for (auto& group : groups) {
            if (!group.is_object() || !group.contains("hooks") || !group["hooks"].is_array()) continue;
            for (auto& handler : group["hooks"]) {
                if (!handler.is_object() || handler.value("type", "") != "http") continue;
                const std::string url = handler.value("url", "");
                if (!handlers.contains(url)) continue;
                handler = handlers[url];
                ++count;
            }
        }
    }
    return count;
}

// The env values install replaced, where nobody changed them since.
void restore_env(ojson& settings, const ojson& state) {
    if (!settings.contains("env") || !settings["env"].is_object() || !state.contains("env_after")) return;
    ojson& env = settings["env"];
    for (const auto& [key, after] : state["env_after"].items()) {
        if (!env.contains(key) || env[key] != after) continue;
        const ojson& before = state["env_before"][key];
        if (before.is_null()) env.erase(key);
        else env[key] = before;
    }
    if (state.value("env_created", false) && env.empty()) settings.erase("env");
}

}  // namespace

std::size_t unserve(ojson& settings, const ojson& entry, serve::HttpHooks& registry) {
    if (!entry.contains("serve")) return 0;
    const ojson& state = entry["serve"];
    const std::size_t count = state.contains("handlers") ? restore_handlers(settings, state["handlers"]) : 0;
    restore_env(settings, state);
    if (state.contains("keys"))
        for (const auto& [key, owner] : state["keys"].items()) registry.erase(key);
    return count;
}

std::string project_of_settings(const std::string& settings_key) {
    namespace stdfs = std::filesystem;
    const stdfs::path dir = stdfs::path(settings_key).parent_path();
    if (dir.filename() != ".claude") return {};
    // ~/.claude is the user's settings, for every project: the event's cwd then.
    const std::string home = paths::home_dir();
    if (!home.empty() && stdfs::path(home).lexically_normal() == dir.parent_path().lexically_normal()) return {};
    return dir.parent_path().string();
}

}  // namespace hookwarden::install
