#include "install/behaviour.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "install/files.h"

namespace hookwarden::install {

namespace stdfs = std::filesystem;

namespace {

std::string seconds_text(std::int64_t ms) {
    std::ostringstream s;
    s << static_cast<double>(ms) / 1000.0 << " s";
    return s.str();
}

bool is_executable_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string found_in_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        if (dir.empty() || dir[0] != '/') continue;
        std::string candidate = (stdfs::path(dir) / name).string();
        if (is_executable_file(candidate)) return candidate;
    }
    return "";
}

std::string failure_text(const policy::Resolved& resolved, bool switch_set, const CommandHook& c,
                         const AgentFormat& f) {
    if (c.async) return "; async: the agent does not wait for its answer, so it fails open (on_failure allow)";
    if (resolved.on_failure.action != FailureAction::block) return "";
    if (switch_set)
        return "; fails closed (on_failure block): sets the agent's own switch " + std::string(f.fail_closed_key) + ": " +
               std::string(f.fail_closed_value_json) +
               ", so a missing or broken hookwarden blocks too, and answers with exit 0 or 2 only (the hook's own "
               "exit 1 stays a non-blocking error)";
    if (c.fail_closed) return "; fails closed: the agent's fail-closed switch was already on, and stays";
    if (f.fail_closed_key.empty())
        return "; fails closed in hookwarden (on_failure block); " + std::string(f.display) +
               " has no fail-closed switch, so if hookwarden itself cannot start, the agent fails open";
    return "; fails closed in hookwarden (on_failure block); the agent's switch does not apply to this hook";
}

}  // namespace

bool switch_applies(const AgentFormat& f, const CommandHook& c) {
    if (f.fail_closed_key.empty() || c.async) return false;
    return !(f.agent == Agent::claude && (c.event == "Stop" || c.event == "SubagentStop"));
}

Change describe_change(const CommandHook& c, const std::string& name, const HookLimits& l,
                       const policy::Resolved& resolved, bool switch_set, bool in_policy, const AgentFormat& f) {
    std::string text = std::string(f.display) + "'s timeout " + seconds_text(l.agent_ms) +
                       (l.agent_default ? " (its default, none set)" : "") + " -> hookwarden's limit " +
                       std::to_string(l.timeout_ms) + " ms";
    if (l.timeout_ms == l.sla_ms && l.sla_ms < l.agent_ms - 500)
        text += " (the event's SLA, --enforce-slas: a slower hook is killed and answered by on_failure)";
    else
        text += "; the event's SLA " + std::to_string(l.sla_ms) + " ms is a p95 budget `check` reports, not a kill";
    if (!in_policy) text += "; limit on the command line (the policy does not know the event)";
    text += failure_text(resolved, switch_set, c, f);
    return Change{name, c.event, text};
}

void print_changes(std::ostream& out, const std::string& hookwarden, const std::vector<Change>& changes) {
    out << "Installed commands call hookwarden by its absolute path " << hookwarden
        << " (checked: an executable file), so the agent's PATH does not matter.\n";
    if (changes.empty()) return;
    out << "Behaviour of each hook under hookwarden:\n";
    for (const auto& c : changes) out << "  " << c.hook << " (" << c.event << "): " << c.text << "\n";
}

std::optional<std::string> resolve_hookwarden(const std::string& given, std::ostream& err) {
    std::string path;
    if (given.empty()) {
        std::error_code ec;
        path = stdfs::read_symlink("/proc/self/exe", ec).string();
        if (ec) {
            err << "hookwarden: install: cannot resolve /proc/self/exe (" << ec.message()
                << "); name the binary with --hookwarden-path\n";
            return std::nullopt;
        }
    } else if (given.find('/') == std::string::npos) {
        path = found_in_path(given);
        if (path.empty()) {
            err << "hookwarden: install: --hookwarden-path " << given << ": not found in $PATH\n";
            return std::nullopt;
        }
    } else {
        path = absolute(given);
    }
    if (!is_executable_file(path)) {
        err << "hookwarden: install: " << path << ": not an executable file; the installed commands would fail\n";
        return std::nullopt;
    }
    return path;
}

int for_each_settings_file(const Options& o, std::ostream& out,
                           const std::function<int(const Options&)>& one) {
    std::string target = settings_path_for(o);
    std::error_code ec;
    if (o.settings_path.empty() && !target.empty() && stdfs::is_directory(target, ec)) {
        auto files = settings_files_for(agent_from_string(o.agent).value_or(Agent::claude), o.scope, project_dir_of(o), "");
        if (files.empty()) out << target << ": no *.json hook files; nothing done\n";
        int worst = 0;
        for (const auto& file : files) {
            Options each = o;
            each.settings_path = file;
            worst = std::max(worst, one(each));
        }
        return worst;
    }
    if (o.settings_path.empty() && o.agent == "copilot" && o.scope == "project") {
        out << target << ": no such directory, so no hooks to wrap; nothing done\n";
        return 0;
    }
    return one(o);
}

}  // namespace hookwarden::install
