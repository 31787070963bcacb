// The rows of install/agent_format.h. Where a fact comes from the agent's documentation
// only (Copilot CLI, Cursor), docs/install.md says so.
#include "install/agent_format.h"

#include <array>
#include <filesystem>
#include <system_error>
#include <algorithm>

#include "agents/claude/events.h"

namespace hookwarden::install {

namespace {

constexpr std::int64_t kSecond = 1000;

constexpr std::array kFormats{
    AgentFormat{Agent::claude, "Claude Code", HooksShape::groups, "command", "command", "timeout", kSecond,
                600 * kSecond, "onFailure", "\"block\"", ".claude/settings.json", ".claude/settings.local.json",
                ".claude/settings.json", "args"},
    AgentFormat{Agent::codex, "Codex CLI", HooksShape::groups, "command", "command", "timeout", kSecond,
                600 * kSecond, "", "", ".codex/hooks.json", "", ".codex/hooks.json", ""},
    AgentFormat{Agent::gemini, "Gemini CLI", HooksShape::groups, "command", "command", "timeout", 1, 60 * kSecond,
                "", "", ".gemini/settings.json", "", ".gemini/settings.json", ""},
    AgentFormat{Agent::copilot, "Copilot CLI", HooksShape::flat, "bash", "command", "timeoutSec", kSecond,
                30 * kSecond, "", "", ".github/hooks", "", "", ""},
    AgentFormat{Agent::cursor, "Cursor", HooksShape::flat, "command", "", "timeout", kSecond, 30 * kSecond,
                "failClosed", "true", ".cursor/hooks.json", "", ".cursor/hooks.json", ""},
};

// Codex keeps its user files in $CODEX_HOME when set (absolute), else ~/.codex.
std::string codex_home(const std::string& home_dir) {
    const char* env = std::getenv("CODEX_HOME");
    if (env && env[0] == '/') return env;
    return (std::filesystem::path(home_dir) / ".codex").string();
}

// Copilot reads every .json file of .github/hooks, in name order.
std::vector<std::string> json_files_in(const std::filesystem::path& dir) {
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
        if (e.path().extension() == ".json" && e.is_regular_file(ec)) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace

const AgentFormat& format_of(Agent agent) {
    for (const auto& f : kFormats)
        if (f.agent == agent) return f;
    return kFormats[0];
}

const std::vector<Agent>& all_agents() {
    static const std::vector<Agent> kAll{Agent::claude, Agent::codex, Agent::gemini, Agent::copilot, Agent::cursor};
    return kAll;
}

std::int64_t agent_default_timeout_ms(Agent agent, const std::string& event) {
    if (agent == Agent::claude) {
        const agents::EventFacts* facts = agents::claude::find_event(event);
        return facts ? facts->agent_timeout_ms : format_of(agent).default_timeout_ms;
    }
    // Codex clamps SessionEnd hooks to 3 s (1 s when they set no timeout).
    if (agent == Agent::codex && event == "SessionEnd") return kSecond;
    return format_of(agent).default_timeout_ms;
}

std::vector<std::string> settings_files_for(Agent agent, const std::string& scope, const std::string& project_dir,
                                            const std::string& home_dir) {
    const AgentFormat& f = format_of(agent);
    namespace stdfs = std::filesystem;
    if (scope == "user") {
        if (f.user_file.empty() || home_dir.empty()) return {};
        if (agent == Agent::codex) return {(stdfs::path(codex_home(home_dir)) / "hooks.json").string()};
        return {(stdfs::path(home_dir) / f.user_file).string()};
    }
    std::string_view rel = scope == "local" ? f.local_file : f.project_file;
    if (rel.empty()) return {};
    auto path = stdfs::path(project_dir) / rel;
    if (agent == Agent::copilot) return json_files_in(path);
    return {path.string()};
}

}  // namespace hookwarden::install
