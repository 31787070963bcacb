#include "install/codex_trust.h"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "util/sha256.h"

namespace hookwarden::install::codex {

namespace {

bool event_has_matcher(const std::string& event) { return event != "UserPromptSubmit" && event != "Stop"; }

// A TOML basic string, as Codex's config writer quotes a key.
std::string toml_quoted(const std::string& text) {
    std::string q = "\"";
    for (char ch : text) {
        if (ch == '"' || ch == '\\') q += '\\';
        q += ch;
    }
    return q + "\"";
}

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// Where the trusted_hash value of KEY's table sits in `text`: [begin, end) of the quoted
// value, or nullopt.
std::optional<std::pair<std::size_t, std::size_t>> value_span(const std::string& text, const std::string& key) {
    const std::string header = "[hooks.state." + toml_quoted(key) + "]";
    std::size_t at = 0;
    bool inside = false;
    while (at < text.size()) {
        std::size_t end = text.find('\n', at);
        if (end == std::string::npos) end = text.size();
        std::string line = trim(text.substr(at, end - at));
        if (!line.empty() && line[0] == '[') {
            inside = line == header;
        } else if (inside && line.rfind("trusted_hash", 0) == 0) {
            std::size_t open = text.find('"', at);
            std::size_t close = open == std::string::npos ? open : text.find('"', open + 1);
            if (open != std::string::npos && close != std::string::npos && close < end) return std::make_pair(open, close + 1);
        }
        at = end + 1;
    }
    return std::nullopt;
}

void plan_handler(const std::string& hooks_file, const std::string& event, std::size_t g, std::size_t h,
                  const ojson& group_before, const ojson& group_after, TrustPlan& plan) {
    const ojson& before = group_before["hooks"][h];
    const ojson& after = group_after["hooks"][h];
    if (before == after || !after.is_object() || after.value("type", "") != "command") return;
    std::string key = hook_key(hooks_file, event, g, h);
    auto stored = trusted_hash(plan.new_text, key);
    if (!stored) {
        plan.untrusted.push_back(key);
        return;
    }
    if (*stored != hook_hash(event, group_before, before)) {
        plan.lost.push_back(key);
        return;
    }
    std::string next = hook_hash(event, group_after, after);
    plan.new_text = *with_trusted_hash(plan.new_text, key, next);
    plan.changes.push_back({key, *stored, next});
}

}  // namespace

std::string event_label(const std::string& event) {
    std::string label;
    for (std::size_t i = 0; i < event.size(); ++i) {
        unsigned char ch = static_cast<unsigned char>(event[i]);
        if (std::isupper(ch) && i > 0) label += '_';
        label += static_cast<char>(std::tolower(ch));
    }
    return label;
}

std::string hook_key(const std::string& hooks_file, const std::string& event, std::size_t group, std::size_t handler) {
    return hooks_file + ":" + event_label(event) + ":" + std::to_string(group) + ":" + std::to_string(handler);
}

std::string hook_hash(const std::string& event, const ojson& group, const ojson& handler) {
    nlohmann::json normalized = {{"type", "command"}, {"command", handler.value("command", "")}};
    std::int64_t timeout = 600;
    if (handler.contains("timeout") && handler["timeout"].is_number_integer()) timeout = handler["timeout"].get<std::int64_t>();
    normalized["timeout"] = std::max<std::int64_t>(1, timeout);
    normalized["async"] = handler.contains("async") && handler["async"] == true;
    if (handler.contains("statusMessage") && handler["statusMessage"].is_string())
        normalized["statusMessage"] = handler["statusMessage"].get<std::string>();
    nlohmann::json identity = {{"event_name", event_label(event)}, {"hooks", nlohmann::json::array({normalized})}};
    if (event_has_matcher(event) && group.contains("matcher") && group["matcher"].is_string())
        identity["matcher"] = group["matcher"].get<std::string>();
    // nlohmann::json keeps object keys sorted, and dumps compact JSON escaped as serde_json does.
    return "sha256:" + hash::sha256_hex(identity.dump());
}

std::optional<std::string> trusted_hash(const std::string& config_text, const std::string& key) {
    auto span = value_span(config_text, key);
    if (!span) return std::nullopt;
    return config_text.substr(span->first + 1, span->second - span->first - 2);
}

std::optional<std::string> with_trusted_hash(const std::string& config_text, const std::string& key,
                                             const std::string& hash) {
    auto span = value_span(config_text, key);
    if (!span) return std::nullopt;
    return config_text.substr(0, span->first) + toml_quoted(hash) + config_text.substr(span->second);
}

TrustPlan plan(const std::string& hooks_file, const ojson& before, const ojson& after, const std::string& config_text) {
    TrustPlan p;
    p.new_text = config_text;
    if (!before.contains("hooks") || !after.contains("hooks")) return p;
    for (const auto& [event, groups] : after["hooks"].items()) {
        if (!before["hooks"].contains(event) || !groups.is_array()) continue;
        const ojson& old_groups = before["hooks"][event];
        for (std::size_t g = 0; g < groups.size() && g < old_groups.size(); ++g) {
            if (!groups[g].contains("hooks") || !old_groups[g].contains("hooks")) continue;
            std::size_t n = std::min(groups[g]["hooks"].size(), old_groups[g]["hooks"].size());
            for (std::size_t h = 0; h < n; ++h) plan_handler(hooks_file, event, g, h, old_groups[g], groups[g], p);
        }
    }
    return p;
}

std::string config_path(const std::string& home_dir) {
    const char* env = std::getenv("CODEX_HOME");
    std::filesystem::path dir = env && env[0] == '/' ? std::filesystem::path(env) : std::filesystem::path(home_dir) / ".codex";
    return (dir / "config.toml").string();
}

}  // namespace hookwarden::install::codex
