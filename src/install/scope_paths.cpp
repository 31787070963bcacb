// Which settings file and which policy a scope means (install.h).
#include <filesystem>

#include "install/files.h"
#include "install/install.h"
#include "util/paths.h"

namespace hookwarden::install {

namespace stdfs = std::filesystem;

std::string settings_path_for(const Options& o) {
    if (!o.settings_path.empty()) return o.settings_path;
    if (o.scope == "user") return (stdfs::path(paths::home_dir()) / ".claude" / "settings.json").string();
    auto project = stdfs::path(project_dir_of(o));
    return (project / ".claude" / (o.scope == "local" ? "settings.local.json" : "settings.json")).string();
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
