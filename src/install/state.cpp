#include "install/state.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "util/fs.h"
#include "util/paths.h"

namespace hookwarden::install {

namespace {

std::string state_path_for(const std::string& policy_path) {
    auto dir = std::filesystem::path(policy_path).parent_path();
    return (dir / "install-state.json").string();
}

int check_options(const Options& o, std::ostream& err) {
    if (!agent_from_string(o.agent)) {
        err << "hookwarden: install: unknown agent '" << o.agent << "' (supported: " << agent_names() << ")\n";
        return kConfigError;
    }
    if (o.settings_path.empty() && o.scope != "user" && o.scope != "project" && o.scope != "local") {
        err << "hookwarden: install: unknown scope '" << o.scope << "' (user, project or local)\n";
        return kConfigError;
    }
    if (o.scope == "user" && o.settings_path.empty() && paths::home_dir().empty()) {
        err << "hookwarden: install: --scope user: no home directory ($HOME is unset or not absolute, and "
               "/etc/passwd has no entry for uid "
            << ::getuid() << "); name the files with --settings and --policy\n";
        return kConfigError;
    }
    return 0;
}

int read_state(Context& ctx, std::ostream& err) {
    if (!load_json_file(ctx.state, "an install state", ctx.state_file, err)) return kConfigError;
    if (ctx.state_file.exists &&
        (!ctx.state_file.value().contains("settings") || !ctx.state_file.value()["settings"].is_object())) {
        err << ctx.state << ": $.settings: expected an object; move the file away to start afresh\n";
        return kConfigError;
    }
    return 0;
}

}  // namespace

int prepare(const Options& o, Context& ctx, std::ostream& out, std::ostream& err, const char* missing_message,
            bool& done) {
    if (int rc = check_options(o, err); rc != 0) return rc;
    ctx.agent = *agent_from_string(o.agent);
    ctx.format = &format_of(ctx.agent);
    ctx.settings = settings_path_for(o);
    if (ctx.settings.empty()) {
        err << "hookwarden: install: " << ctx.format->display << " has no " << o.scope
            << "-scope settings file; name one with --settings\n";
        return kConfigError;
    }
    ctx.settings_key = absolute(ctx.settings);
    ctx.policy = policy_path_for(o);
    ctx.state = state_path_for(ctx.policy);
    auto text = fs::read_file(ctx.settings);
    if (!text && errno == ENOENT) {
        done = true;
        if (!o.settings_path.empty()) {
            err << ctx.settings << ": no such settings file\n";
            return kConfigError;
        }
        out << ctx.settings << ": " << missing_message << "\n";
        return 0;
    }
    if (!text) {
        err << ctx.settings << ": cannot read: " << std::strerror(errno) << "\n";
        return kConfigError;
    }
    ctx.file.exists = true;
    ctx.file.text = *text;
    auto value = parse_or_report(*text, ctx.settings, err);
    if (!value) {
        err << ctx.settings << ": left unchanged\n";
        return kConfigError;
    }
    ctx.file.json = std::make_shared<ojson>(std::move(*value));
    ctx.shape = check_shape(ctx.file.value(), *ctx.format);
    return read_state(ctx, err);
}

int refuse_malformed(const Context& ctx, std::ostream& err) {
    report(ctx.settings, ctx.file.text, ctx.shape.notes, err, "note: ");
    if (ctx.shape.errors.empty()) return 0;
    report(ctx.settings, ctx.file.text, ctx.shape.errors, err);
    err << ctx.settings << ": left unchanged (" << ctx.shape.errors.size()
        << (ctx.shape.errors.size() == 1 ? " problem" : " problems") << ")\n";
    return kConfigError;
}

std::optional<ojson> state_entry(const Context& ctx) {
    if (!ctx.state_file.exists) return std::nullopt;
    const ojson& s = ctx.state_file.value()["settings"];
    if (!s.contains(ctx.settings_key) || !s[ctx.settings_key].is_object()) return std::nullopt;
    return s[ctx.settings_key];
}

std::string state_text_with(const Context& ctx, const std::optional<ojson>& entry) {
    ojson state = ctx.state_file.exists ? ctx.state_file.value() : ojson::object();
    if (!state.contains("$comment"))
        state["$comment"] =
            "Written by `hookwarden install`; `hookwarden uninstall` reads it to restore the settings exactly. "
            "Keep it while hookwarden is installed.";
    state["version"] = 1;
    if (!state.contains("settings") || !state["settings"].is_object()) state["settings"] = ojson::object();
    if (entry)
        state["settings"][ctx.settings_key] = *entry;
    else
        state["settings"].erase(ctx.settings_key);
    return state.dump(2, ' ', false, ojson::error_handler_t::replace) + "\n";
}

bool back_up_settings(const Context& ctx, std::ostream& out, std::ostream& err, std::string& backup) {
    std::string error;
    backup = write_backup(ctx.settings, ctx.file.text, error);
    if (backup.empty()) {
        err << error << "; nothing was changed\n";
        return false;
    }
    out << "backup " << backup << "\n";
    return true;
}

}  // namespace hookwarden::install
