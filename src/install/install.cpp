// `hookwarden install`: plans every change first (settings, policy, state), then writes
// them in an order that leaves the settings untouched if anything before fails.
#include "install/install.h"

#include <algorithm>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "agents/claude/events.h"
#include "install/policy_entries.h"
#include "install/settings_shape.h"
#include "install/state.h"
#include "install/wrap.h"
#include "policy/policy.h"
#include "util/hook_name.h"
#include "util/shell_words.h"

namespace hookwarden::install {

namespace {

// The groups that replace an event's groups in dispatch mode: one `hookwarden dispatch`
// entry, then what is left of each group once its command hooks moved into the policy
// (prompt, agent and http hooks stay where Claude runs them).
ojson dispatch_groups(const ojson& groups, const std::string& dispatch) {
    ojson replaced = ojson::array();
    ojson dispatch_hook = {{"type", "command"}, {"command", dispatch}};
    replaced.push_back(ojson{{"hooks", ojson::array({dispatch_hook})}});
    for (const auto& group : groups) {
        ojson rest = group;
        rest["hooks"] = ojson::array();
        for (const auto& h : group["hooks"])
            if (h["type"] != "command") rest["hooks"].push_back(h);
        if (!rest["hooks"].empty()) replaced.push_back(rest);
    }
    return replaced;
}

// What install is about to change, built before anything is written.
struct Plan {
    Plan(const Options& options, const Context& context, const Shape& settings_shape)
        : o(options), ctx(context), shape(settings_shape), settings(context.file.value()),
          policy_doc(context.policy_file.exists ? context.policy_file.value() : ojson::parse(policy::starter_policy_json())),
          entry(state_entry(context).value_or(ojson::object())), policy_for_run(policy_arg(options, context.policy)) {
        if (!policy_doc.contains("hooks")) policy_doc["hooks"] = ojson::object();
        if (!entry.contains("wrapped")) entry["wrapped"] = ojson::object();
        // Names taken in this settings file: already-wrapped commands keep theirs.
        for (const auto& c : shape.commands) {
            if (!is_hookwarden_command(c.command)) continue;
            ++already;
            if (auto p = parse_wrap(c.command)) taken.insert(p->name);
        }
    }

    void wrap_each() {
        for (const auto& c : shape.commands) {
            if (is_hookwarden_command(c.command)) continue;
            ojson def = policy_entry(c, ctx.settings);
            std::string name = name_for(c, def);
            std::string wrapped = wrap_with_policy(o.hookwarden_path, name, c.command, policy_for_run);
            settings["hooks"][c.event][c.group]["hooks"][c.index]["command"] = wrapped;
            entry["wrapped"][wrapped] = c.command;
            add_to_policy(name, def);
            events_seen.insert(c.event);
            ++changed;
        }
    }

    void dispatch_each() {
        if (!entry.contains("events")) entry["events"] = ojson::object();
        if (!ctx.file.value().contains("hooks")) return;
        std::string dispatch = shell::quote(o.hookwarden_path) + " dispatch";
        if (!policy_for_run.empty()) dispatch += " --policy " + shell::quote(policy_for_run);
        for (const auto& [event, groups] : ctx.file.value()["hooks"].items()) dispatch_event(event, groups, dispatch);
    }

    // A new policy gets a visible default for each event the settings use.
    void add_event_defaults() {
        if (ctx.policy_file.exists) return;
        if (!policy_doc.contains("events")) policy_doc["events"] = ojson::object();
        for (const auto& ev : events_seen)
            if (!policy_doc["events"].contains(ev) && is_known_event(ev))
                policy_doc["events"][ev] = ojson{{"limits", {{"timeout_ms", agents::claude::builtin_timeout_ms(ev)}}}};
    }

    const Options& o;
    const Context& ctx;
    const Shape& shape;
    ojson settings, policy_doc, entry;
    std::string policy_for_run;
    std::set<std::string> taken, unknown_events, events_seen;
    std::vector<std::string> added_names;
    std::size_t already = 0, changed = 0;

private:
    void dispatch_event(const std::string& event, const ojson& groups, const std::string& dispatch) {
        std::vector<const CommandHook*> mine;
        for (const auto& c : shape.commands)
            if (c.event == event) mine.push_back(&c);
        if (mine.empty() || std::any_of(groups.begin(), groups.end(), group_is_dispatch)) return;
        if (!is_known_event(event)) {
            unknown_events.insert(event);
            return;
        }
        ojson replaced = dispatch_groups(groups, dispatch);
        for (const CommandHook* c : mine) move_to_policy(*c);
        entry["events"][event] = ojson{{"before", groups}, {"after", replaced}};
        settings["hooks"][event] = replaced;
        events_seen.insert(event);
    }

    void move_to_policy(const CommandHook& c) {
        CommandHook original = c;
        auto wrapped = parse_wrap(c.command);
        if (wrapped) original.command = wrapped->original;
        ojson def = policy_entry(original, ctx.settings);
        // Wrapped earlier: its policy entry moves over as it is.
        bool keep = wrapped && policy_doc["hooks"].contains(wrapped->name);
        add_to_policy(keep ? wrapped->name : name_for(original, def), def);
        ++changed;
    }

    // The derived name, or NAME-2, NAME-3, ... when taken by another hook.
    std::string name_for(const CommandHook& c, const ojson& def) {
        std::string base = naming::derive_name_from_shell(c.command);
        for (int n = 1;; ++n) {
            std::string candidate = n == 1 ? base : base + "-" + std::to_string(n);
            if (taken.count(candidate)) continue;
            if (policy_doc["hooks"].contains(candidate) && !same_definition(policy_doc["hooks"][candidate], def)) continue;
            taken.insert(candidate);
            return candidate;
        }
    }

    void add_to_policy(const std::string& name, const ojson& def) {
        std::string event = def["event"].get<std::string>();
        if (!is_known_event(event)) {
            unknown_events.insert(event);
            return;
        }
        if (policy_doc["hooks"].contains(name)) return;
        policy_doc["hooks"][name] = def;
        added_names.push_back(name);
    }
};

// The settings are well-formed and the policy is one install can add to.
int check_inputs(Context& ctx, std::ostream& err) {
    if (int rc = refuse_malformed(ctx, err); rc != 0) return rc;
    if (!load_json_file(ctx.policy, "a policy", ctx.policy_file, err)) {
        err << ctx.policy << ": fix or move the policy away first; nothing was changed\n";
        return kConfigError;
    }
    if (ctx.policy_file.exists && ctx.policy_file.value().contains("hooks") &&
        !ctx.policy_file.value()["hooks"].is_object()) {
        err << ctx.policy << ": $.hooks: expected an object; nothing was changed\n";
        return kConfigError;
    }
    return 0;
}

struct Texts {
    std::string settings, policy;
};

// Writes the policy, the state, then the settings; the settings stay as they were when
// an earlier write fails.
int write_files(Context& ctx, Plan& plan, const Texts& texts, std::ostream& out, std::ostream& err) {
    std::string backup;
    if (!back_up_settings(ctx, out, err, backup)) return kConfigError;
    if (!plan.entry.contains("backups")) plan.entry["backups"] = ojson::array();
    plan.entry["backups"].push_back(absolute(backup));
    if (!plan.added_names.empty())
        if (auto e = apply_write(ctx.policy, texts.policy, out, "policy"); !e.empty()) {
            err << e << "; settings unchanged\n";
            return kConfigError;
        }
    if (auto e = apply_write(ctx.state, state_text_with(ctx, plan.entry), out, "install state"); !e.empty()) {
        err << e << "; settings unchanged\n";
        return kConfigError;
    }
    if (auto e = apply_write(ctx.settings, texts.settings, out, "settings"); !e.empty()) {
        err << e << "\n";
        return kConfigError;
    }
    return 0;
}

void print_summary(const Options& o, const Context& ctx, const Plan& plan, std::ostream& out) {
    out << (o.dispatch ? "moved " : "wrapped ") << plan.changed << (plan.changed == 1 ? " hook" : " hooks")
        << (o.dispatch ? " into the policy behind `hookwarden dispatch`" : " in `hookwarden run`");
    if (!plan.added_names.empty()) {
        out << "; policy entries:";
        for (const auto& n : plan.added_names) out << " " << n;
    }
    out << "\nHooks without a timeout get their event's default limit (policy \"events\"; Stop: 500 ms); "
           "check with `hookwarden policy check "
        << ctx.policy << "`. Undo with `hookwarden uninstall`.\n";
}

int carry_out(const Options& o, Context& ctx, Plan& plan, std::ostream& out, std::ostream& err) {
    plan.add_event_defaults();
    Texts texts{dump_with(plan.settings, detect_indent(ctx.file.text)),
                plan.added_names.empty() ? ctx.policy_file.text : policy_text(plan.policy_doc)};
    if (!plan.added_names.empty())
        if (auto check = policy::load_string(texts.policy, ctx.policy); !check.policy) {
            // Never leave a policy `run` would refuse; the starter is valid, so this is the user's.
            for (const auto& d : check.errors) err << d.to_string() << "\n";
            err << ctx.policy << ": the policy would not validate after adding the hooks; nothing was changed\n";
            return kConfigError;
        }
    plan.entry["mode"] = o.dispatch ? "dispatch" : (plan.entry.value("mode", "") == "dispatch" ? "dispatch" : "wrap");
    plan.entry["policy"] = absolute(ctx.policy);
    if (o.dry_run) {
        out << "dry run: nothing is written. Changes to " << ctx.settings << " and " << ctx.policy << ":\n";
        print_diff(out, ctx.settings, ctx.file.text, texts.settings, false);
        if (!plan.added_names.empty())
            print_diff(out, ctx.policy, ctx.policy_file.text, texts.policy, !ctx.policy_file.exists);
        out << "would also write a backup " << ctx.settings << ".hookwarden-backup-<time> and " << ctx.state << "\n";
        return 0;
    }
    if (int rc = write_files(ctx, plan, texts, out, err); rc != 0) return rc;
    print_summary(o, ctx, plan, out);
    return 0;
}

}  // namespace

int install_command(const Options& o, std::ostream& out, std::ostream& err) {
    Context ctx;
    bool done = false;
    int rc = prepare(o, ctx, out, err, "no settings file, so no hooks to wrap; nothing done", done);
    if (rc != 0 || done) return rc;
    if (rc = check_inputs(ctx, err); rc != 0) return rc;
    Plan plan(o, ctx, ctx.shape);
    if (o.dispatch)
        plan.dispatch_each();
    else
        plan.wrap_each();
    for (const auto& ev : plan.unknown_events)
        err << "note: " << ctx.settings << ": $.hooks." << ev << ": an event hookwarden's policy does not know; "
            << (o.dispatch ? "left as it is" : "its hooks run under the default limits, without a policy entry") << "\n";
    if (plan.changed == 0) {
        out << ctx.settings << ": nothing to do (" << plan.already << (plan.already == 1 ? " hook" : " hooks")
            << " already run under hookwarden)\n";
        return 0;
    }
    return carry_out(o, ctx, plan, out, err);
}

}  // namespace hookwarden::install
