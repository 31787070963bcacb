#include "policy/commands.h"

#include <filesystem>
#include <system_error>

#include "policy/policy.h"
#include "util/fs.h"

namespace hookwarden::policy {

int policy_check(const std::string& file, std::ostream& out, std::ostream& err) {
    auto path = discover(file);
    if (!path) {
        err << "no policy file found (looked at $HOOKWARDEN_POLICY, .hookwarden/policy.json in "
               "$CLAUDE_PROJECT_DIR and the working directory and its parents, "
               "$XDG_CONFIG_HOME/hookwarden/policy.json); built-in defaults apply. "
               "Create one with `hookwarden policy init`.\n";
        return 2;
    }
    LoadResult result = load_file(*path);
    if (result.unreadable) {
        err << result.errors.front().to_string() << "\n";
        return 2;
    }
    if (!result.policy) {
        for (const auto& d : result.errors) err << d.to_string() << "\n";
        err << *path << ": " << result.errors.size() << (result.errors.size() == 1 ? " error" : " errors")
            << "; `run` ignores this policy and enforces the built-in defaults until it is fixed\n";
        return 1;
    }
    out << *path << ": OK (" << result.policy->hooks.size() << " hooks, " << result.policy->events.size()
        << " event settings)\n";
    return 0;
}

int policy_init(const std::string& path, bool force, std::ostream& out, std::ostream& err) {
    std::string target = path.empty() ? ".hookwarden/policy.json" : path;
    std::error_code ec;
    if (std::filesystem::exists(target, ec) && !force) {
        err << target << ": already exists; not overwriting it (use --force to replace it)\n";
        return 2;
    }
    auto dir = std::filesystem::path(target).parent_path();
    if (!dir.empty() && !std::filesystem::create_directories(dir, ec) && ec) {
        err << dir.string() << ": cannot create directory: " << ec.message() << "\n";
        return 2;
    }
    if (std::string error = fs::write_file_atomic(target, starter_policy_json()); !error.empty()) {
        err << target << ": " << error << "\n";
        return 2;
    }
    out << "wrote " << target << "; check it with `hookwarden policy check " << target << "`\n";
    return 0;
}

}  // namespace hookwarden::policy
