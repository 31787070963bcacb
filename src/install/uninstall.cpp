// `hookwarden uninstall`: undoes what install changed in a settings file, from the
// install state when there is one, else by unwrapping the commands install writes.
#include <algorithm>
#include <filesystem>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "install/behaviour.h"
#include "install/codex_trust.h"
#include "install/install.h"
#include "install/settings_shape.h"
#include "install/serve_hooks.h"
#include "install/state.h"
#include "install/wrap.h"
#include "store/store.h"
#include "util/fs.h"

namespace hookwarden::install {

namespace {

using Entry = std::optional<ojson>;  // this settings file's install-state entry

struct Restored {
    ojson settings;
    std::size_t count = 0;
    std::vector<std::string> warnings;
};

// install --serve: the daemon's registry without this file's hooks ("" path: unchanged).
struct Registry {
    std::string path, text;
};

// The http hooks install --serve wrote become their original command hooks again.
void restore_served(const Entry& entry, Restored& r, Registry& registry) {
    if (!entry || !entry->contains("serve")) return;
    registry.path = serve::http_hooks_path(store::default_state_dir());
    std::string error;
    auto hooks = serve::load_http_hooks(registry.path, error);
    if (!hooks) {
        r.warnings.push_back(error + "; its entries for this file are left there");
        hooks.emplace();
    }
    r.count += unserve(r.settings, *entry, *hooks);
    registry.text = serve::http_hooks_text(*hooks);
    if (!error.empty()) registry.path.clear();
}

// An event edited since install: its original groups come back, later additions stay.
ojson merged_groups(const ojson& current, ojson& change) {
    ojson merged = change["before"];
    const ojson& after = change["after"];
    for (const auto& g : current)
        if (!group_is_dispatch(g) && std::find(after.begin(), after.end(), g) == after.end()) merged.push_back(g);
    return merged;
}

// Dispatch mode: each event's groups as they were before install.
void restore_events(Entry& entry, Restored& r) {
    if (!entry || !entry->contains("events") || !r.settings.contains("hooks")) return;
    for (auto& [event, change] : (*entry)["events"].items()) {
        if (!r.settings["hooks"].contains(event)) {
            r.warnings.push_back("$.hooks." + event + " was removed since install; not restored");
            continue;
        }
        ojson& current = r.settings["hooks"][event];
        if (current == change["after"]) {
            current = change["before"];
        } else {
            current = merged_groups(current, change);
            r.warnings.push_back("$.hooks." + event +
                                 " was edited since install; restored its original hooks and kept the additions");
        }
        ++r.count;
    }
}

// The original of one wrapped hook, and whether install set the fail-closed switch
// with it (the wrapper then says --exit-0-or-2).
struct Original {
    ojson value;
    bool switch_set = false;
};

std::optional<Original> original_of(const Entry& entry, const CommandHook& c) {
    if (c.args) {
        auto parsed = parse_wrapped_args(*c.args);
        std::string key = ojson(*c.args).dump();
        if (entry && entry->contains("wrapped_args")) {
            if (!(*entry)["wrapped_args"].contains(key)) return std::nullopt;
            return Original{(*entry)["wrapped_args"][key], parsed && parsed->prefix.exit_0_or_2};
        }
        if (entry || !parsed) return std::nullopt;
        return Original{parsed->original, parsed->prefix.exit_0_or_2};
    }
    auto parsed = parse_wrap(c.command);
    if (entry && entry->contains("wrapped")) {
        if (!(*entry)["wrapped"].contains(c.command)) return std::nullopt;
        return Original{(*entry)["wrapped"][c.command], parsed && parsed->prefix.exit_0_or_2};
    }
    if (!parsed) return std::nullopt;
    return Original{parsed->original, parsed->prefix.exit_0_or_2};
}

// Wrapped commands, from the state when there is one, else every canonical wrapper.
void restore_wrapped(const AgentFormat& format, Entry& entry, Restored& r) {
    Shape now = check_shape(r.settings, format);
    for (const auto& c : now.commands) {
        auto original = original_of(entry, c);
        if (!original) continue;
        ojson& handler = handler_of(r.settings, c);
        handler[std::string(c.args ? format.args_key : format.command_key)] = original->value;
        if (original->switch_set) handler.erase(std::string(format.fail_closed_key));
        ++r.count;
    }
}

// Backups that may hold the original bytes: those the state lists, then any found
// beside the settings file.
std::vector<std::string> backup_candidates(const Context& ctx, Entry& entry) {
    std::vector<std::string> backups;
    if (entry && entry->contains("backups"))
        for (const auto& b : (*entry)["backups"]) backups.push_back(b.get<std::string>());
    namespace stdfs = std::filesystem;
    auto target = stdfs::path(ctx.settings);
    std::string prefix = target.filename().string() + ".hookwarden-backup-";
    std::error_code ec;
    std::vector<std::string> found;
    for (const auto& e : stdfs::directory_iterator(target.parent_path().empty() ? "." : target.parent_path(), ec))
        if (e.path().filename().string().rfind(prefix, 0) == 0) found.push_back(e.path().string());
    std::sort(found.begin(), found.end());
    backups.insert(backups.end(), found.begin(), found.end());
    return backups;
}

// A backup holding exactly the restored value gives the original bytes back (its
// formatting, escapes and number spellings), not just the value.
std::optional<std::string> original_bytes(const std::vector<std::string>& backups, const ojson& value) {
    for (const auto& b : backups) {
        auto text = fs::read_file(b);
        if (!text) continue;
        try {
            if (ojson::parse(*text) == value) return text;
        } catch (const ojson::parse_error&) {
        }
    }
    return std::nullopt;
}

// The settings text after uninstall (the current text when there is nothing to undo).
std::string restored_text(const Context& ctx, Entry& entry, std::vector<std::string>& warnings, Registry& registry) {
    Restored r{ctx.file.value(), 0, {}};
    restore_served(entry, r, registry);
    restore_events(entry, r);
    restore_wrapped(*ctx.format, entry, r);
    warnings = std::move(r.warnings);
    if (r.count == 0) return ctx.file.text;
    if (!entry)
        warnings.push_back("no install state (" + ctx.state +
                           "): unwrapped every `hookwarden run` command install would have written");
    if (auto bytes = original_bytes(backup_candidates(ctx, entry), r.settings)) return *bytes;
    return dump_with(r.settings, detect_indent(ctx.file.text));
}

// Codex's trust as it was before install, for the hooks whose trust install changed and
// nobody has changed since.
void restore_codex_trust(const Entry& entry, std::ostream& out, std::ostream& err) {
    if (!entry || !entry->contains("codex_trust")) return;
    const ojson& trust = (*entry)["codex_trust"];
    std::string config = trust.value("config", "");
    auto text = fs::read_file(config);
    if (!text) return;
    std::string restored = *text;
    for (const auto& c : trust["changes"]) {
        std::string key = c.value("key", "");
        if (codex::trusted_hash(restored, key) != c.value("after", "")) continue;
        if (auto next = codex::with_trusted_hash(restored, key, c.value("before", ""))) restored = *next;
    }
    if (restored == *text) return;
    if (auto e = write_with_backup(config, *text, restored, "Codex trust", out); !e.empty()) err << "warning: " << e << "\n";
}

int write_restored(const Context& ctx, const Entry& entry, const std::string& new_text, const Registry& registry,
                   std::ostream& out, std::ostream& err) {
    std::string backup;
    if (!back_up_settings(ctx, out, err, backup)) return kConfigError;
    if (!registry.path.empty())
        if (auto e = fs::write_file_atomic(registry.path, registry.text, 0600); !e.empty())
            err << "warning: " << registry.path << ": " << e << "\n";
    restore_codex_trust(entry, out, err);
    if (auto e = apply_write(ctx.settings, new_text, out, "settings"); !e.empty()) {
        err << e << "\n";
        return kConfigError;
    }
    if (entry)
        if (auto e = apply_write(ctx.state, state_text_with(ctx, std::nullopt), out, "install state"); !e.empty())
            err << "warning: " << e << "\n";
    out << "restored the original hooks of " << ctx.settings << "; the policy " << ctx.policy
        << " is kept (delete it if you no longer want it)\n";
    return 0;
}

int uninstall_one(const Options& o, std::ostream& out, std::ostream& err) {
    Context ctx;
    bool done = false;
    int rc = prepare(o, ctx, out, err, "no settings file; nothing to uninstall", done);
    if (rc != 0 || done) return rc;
    if (rc = refuse_malformed(ctx, err); rc != 0) return rc;
    Entry entry = state_entry(ctx);
    std::vector<std::string> warnings;
    Registry registry;
    std::string new_text = restored_text(ctx, entry, warnings, registry);
    for (const auto& w : warnings) err << "note: " << ctx.settings << ": " << w << "\n";
    if (new_text == ctx.file.text) {
        if (entry && !o.dry_run) apply_write(ctx.state, state_text_with(ctx, std::nullopt), out, "install state");
        out << ctx.settings << ": nothing to uninstall\n";
        return 0;
    }
    if (o.dry_run) {
        out << "dry run: nothing is written. Changes to " << ctx.settings << ":\n";
        print_diff(out, ctx.settings, ctx.file.text, new_text, false);
        return 0;
    }
    return write_restored(ctx, entry, new_text, registry, out, err);
}

}  // namespace

int uninstall_command(const Options& o, std::ostream& out, std::ostream& err) {
    return for_each_settings_file(o, out, [&](const Options& one) { return uninstall_one(one, out, err); });
}

}  // namespace hookwarden::install
