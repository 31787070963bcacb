// Which settings file and which policy a scope means (install.h).
#include <filesystem>

#include "install/agent_format.h"
#include "install/files.h"
#include "install/install.h"
#include "util/paths.h"

namespace hookwarden::install {

namespace stdfs = std::filesystem;

std::string settings_path_for(const Options& o) {
    if (!o.settings_path.empty()) return o.settings_path;
    auto agent = agent_from_string(o.agent).value_or(Agent::claude);
    // Copilot's project scope is a directory of files: install_command takes them one by one.
    if (agent == Agent::copilot && o.scope == "project")
        return (stdfs::path(project_dir_of(o)) / ".github" / "hooks").string();
    auto files = settings_files_for(agent, o.scope, project_dir_of(o), paths::home_dir());
    return files.empty() ? "" : files.front();
}

std::string policy_path_for(const Options& o) {
    if (!o.policy_path.empty()) return o.policy_path;
    // The user-scope policy goes where `run` looks for it (policy::discover), through
    // the same resolver: a relative $XDG_CONFIG_HOME is ignored by both.
    if (o.scope == "user" && o.settings_path.empty())
        return (stdfs::path(paths::config_home()) / "hookwarden" / "policy.json").string();
    return (stdfs::path(project_dir_of(o)) / ".hookwarden" / "policy.json").string();
}

}  // namespace hookwarden::install
