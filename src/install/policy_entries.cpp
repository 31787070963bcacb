#include "install/policy_entries.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "policy/policy.h"
#include "util/shell_words.h"

namespace hookwarden::install {

namespace {

// Claude kills the hook at its own timeout. hookwarden must answer first: its deadline
// + kill grace (200 ms) + its overhead stay under Claude's.
std::int64_t hookwarden_timeout_ms(double claude_seconds) {
    auto claude_ms = static_cast<std::int64_t>(claude_seconds * 1000.0);
    if (claude_ms >= 1000) return claude_ms - 500;
    return std::max<std::int64_t>(1, claude_ms / 2);
}

}  // namespace

std::string policy_arg(const Options& o, const std::string& policy_path) {
    // Project and local scope: `run` finds <project>/.hookwarden/policy.json through
    // $CLAUDE_PROJECT_DIR by itself. Anything else is named explicitly, or a project
    // policy would shadow a user-scope one.
    if (o.policy_path.empty() && o.scope != "user") return "";
    return policy_path;
}

ojson policy_entry(const CommandHook& c, const std::string& settings_file) {
    ojson e = ojson::object();
    e["description"] = "installed from " + settings_file + " (" + c.event + "): " + c.command;
    e["event"] = c.event;
    if (!c.matcher.empty() && c.matcher != "*") e["matcher"] = c.matcher;
    if (auto argv = shell::split_simple(c.command))
        e["command"] = *argv;
    else
        e["command"] = ojson::array({"sh", "-c", c.command});
    if (c.timeout_s) {
        auto claude_ms = static_cast<std::int64_t>(*c.timeout_s * 1000.0);
        ojson limits = ojson::object();
        limits["timeout_ms"] = hookwarden_timeout_ms(*c.timeout_s);
        if (claude_ms < 1000) limits["kill_grace_ms"] = std::max<std::int64_t>(1, claude_ms / 5);
        e["limits"] = limits;
    }
    return e;
}

bool same_definition(const ojson& a, const ojson& b) {
    auto field = [](const ojson& x, const char* k) { return x.is_object() && x.contains(k) ? x[k] : ojson(); };
    return field(a, "event") == field(b, "event") && field(a, "command") == field(b, "command") &&
           field(a, "matcher") == field(b, "matcher");
}

bool is_known_event(const std::string& event) {
    const auto& known = policy::known_events();
    return std::find(known.begin(), known.end(), event) != known.end();
}

}  // namespace hookwarden::install
