// `hookwarden install`: plans every change first (settings, policy, state, Codex trust),
// then writes them in an order that leaves the settings untouched if anything before fails.
#include "install/install.h"

#include <algorithm>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "install/behaviour.h"
#include "install/codex_trust.h"
#include "install/policy_entries.h"
#include "install/serve_hooks.h"
#include "install/settings_shape.h"
#include "install/state.h"
#include "install/wrap.h"
#include "policy/policy.h"
#include "store/store.h"
#include "util/fs.h"
#include "util/hook_name.h"
#include "util/paths.h"
#include "util/shell_words.h"

namespace hookwarden::install {

namespace {

// The groups that replace an event's groups in dispatch mode: one `hookwarden dispatch`
// entry, then what is left of each group once its command hooks moved into the policy
// (prompt, agent, http and mcp_tool hooks stay where the agent runs them).
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

// The starter policy's per-event timeouts are SLAs: install makes them budgets that
// `check` reports, not kills (a guard must not start failing open on adoption).
void slas_as_budgets(ojson& policy_doc) {
    if (!policy_doc.contains("events")) return;
    for (auto& [event, layer] : policy_doc["events"].items()) {
        if (!layer.contains("limits") || !layer["limits"].contains("timeout_ms")) continue;
        if (!layer.contains("budgets")) layer["budgets"] = ojson::object();
        layer["budgets"]["p95_ms"] = layer["limits"]["timeout_ms"];
        layer["limits"].erase("timeout_ms");
        if (layer["limits"].empty()) layer.erase("limits");
    }
}

bool already_wrapped(const CommandHook& c) {
    return c.args ? is_hookwarden_argv(*c.args) : is_hookwarden_command(c.command);
}

// A hook install wraps, before its command is written (that needs the whole policy).
struct Pending {
    const CommandHook* hook;
    std::string name;
    bool in_policy;
};

// What install is about to change, built before anything is written.
struct Plan {
    Plan(const Options& options, const Context& context, const std::string& hookwarden)
        : o(options), ctx(context), shape(context.shape), settings(context.file.value()),
          policy_doc(context.policy_file.exists ? context.policy_file.value() : ojson::parse(policy::starter_policy_json())),
          entry(state_entry(context).value_or(ojson::object())), policy_for_run(policy_arg(options, context.policy)),
          hookwarden_path(hookwarden) {
        if (!policy_doc.contains("hooks")) policy_doc["hooks"] = ojson::object();
        if (!context.policy_file.exists && !options.enforce_slas) slas_as_budgets(policy_doc);
        if (!entry.contains("wrapped")) entry["wrapped"] = ojson::object();
        // Names taken in this settings file: already-wrapped commands keep theirs.
        for (const auto& c : shape.commands) {
            if (!already_wrapped(c)) continue;
            ++already;
            if (c.args) {
                if (auto p = parse_wrapped_args(*c.args)) taken.insert(p->prefix.name);
            } else if (auto p = parse_wrap(c.command)) {
                taken.insert(p->name);
            }
        }
    }

    // Wrappers an earlier install wrote with a bare `hookwarden` (exit 127 where the
    // agent's PATH lacks it: the guard is skipped) or without --agent: the same wrapper,
    // calling this hookwarden by its absolute path.
    void upgrade_each() {
        for (const auto& c : shape.commands) {
            auto w = c.args ? std::nullopt : parse_wrap(c.command);
            if (!w || (w->prefix.hookwarden == hookwarden_path && !w->prefix.agent.empty())) continue;
            RunPrefix prefix = w->prefix;
            prefix.hookwarden = hookwarden_path;
            prefix.agent = to_string(ctx.agent);
            std::string upgraded = wrap_with(prefix, w->original);
            ojson original = entry["wrapped"].contains(c.command) ? entry["wrapped"][c.command] : ojson(w->original);
            entry["wrapped"].erase(c.command);
            entry["wrapped"][upgraded] = original;
            handler_of(settings, c)[std::string(ctx.format->command_key)] = upgraded;
            // Its policy entry, if it had none: the limits of the agent's timeout.
            CommandHook unwrapped = c;
            unwrapped.command = w->original;
            add_to_policy(w->prefix.name, policy_entry(unwrapped, ctx.settings, ctx.agent, o.enforce_slas));
            ++upgraded_count;
            ++changed;
        }
    }

    void wrap_each() {
        for (const auto& c : shape.commands) {
            if (already_wrapped(c)) continue;
            ojson def = policy_entry(c, ctx.settings, ctx.agent, o.enforce_slas);
            std::string name = name_for(c, def);
            bool in_policy = add_to_policy(name, def);
            pending.push_back({&c, name, in_policy});
            events_seen.insert(c.event);
            ++changed;
        }
    }

    // Writes each pending hook's wrapper, now that the policy says how it fails.
    void write_wrappers() {
        auto loaded = policy::load_string(policy_text(policy_doc), ctx.policy);
        const policy::Policy* pol = loaded.policy ? &*loaded.policy : nullptr;
        for (const auto& p : pending) write_wrapper(p, pol);
    }

    void dispatch_each() {
        if (!entry.contains("events")) entry["events"] = ojson::object();
        if (!ctx.file.value().contains("hooks")) return;
        std::string dispatch = shell::quote(hookwarden_path) + " dispatch --agent " + to_string(ctx.agent);
        if (!policy_for_run.empty()) dispatch += " --policy " + shell::quote(policy_for_run);
        for (const auto& [event, groups] : ctx.file.value()["hooks"].items()) dispatch_event(event, groups, dispatch);
    }

    // A new policy gets a visible SLA for each event the settings use: a budget, or with
    // --enforce-slas the event's limit.
    void add_event_defaults() {
        if (ctx.policy_file.exists) return;
        if (!policy_doc.contains("events")) policy_doc["events"] = ojson::object();
        for (const auto& ev : events_seen) {
            if (policy_doc["events"].contains(ev) || !is_known_event(ev)) continue;
            std::int64_t sla = sla_ms(ctx.agent, ev);
            policy_doc["events"][ev] = o.enforce_slas ? ojson{{"limits", {{"timeout_ms", sla}}}}
                                                      : ojson{{"budgets", {{"p95_ms", sla}}}};
        }
    }

    const Options& o;
    const Context& ctx;
    const Shape& shape;
    ojson settings, policy_doc, entry;
    std::string policy_for_run, hookwarden_path;
    std::set<std::string> taken, unknown_events, events_seen;
    std::vector<std::string> added_names;
    std::vector<Pending> pending;
    std::vector<Change> changes;  // behaviour changes, for the dry run and the summary
    std::size_t already = 0, changed = 0, upgraded_count = 0;
    serve::HttpHooks registry;  // --serve: the daemon's registry, with this file's hooks
    std::size_t served = 0;

private:
    void write_wrapper(const Pending& p, const policy::Policy* pol) {
        const CommandHook& c = *p.hook;
        RunPrefix prefix{hookwarden_path, to_string(ctx.agent), policy_for_run, std::nullopt, "", false, p.name};
        HookLimits limits = limits_for(c, ctx.agent, o.enforce_slas);
        policy::Resolved resolved = policy::resolve(pol, p.name, c.event, {});
        // The policy cannot hold this hook (an event it does not know): what its entry
        // would say goes on the command line, or `run` would apply the built-in values.
        if (!p.in_policy) {
            prefix.timeout_ms = limits.timeout_ms;
            prefix.on_failure = c.fail_closed ? "block" : c.async ? "allow" : "";
            if (auto action = failure_action_from_string(prefix.on_failure)) resolved.on_failure.action = *action;
        }
        bool fails_closed = resolved.on_failure.action == FailureAction::block;
        bool set_switch = fails_closed && switch_applies(*ctx.format, c) && !c.fail_closed;
        // The user's own switch was on: the hook's exit 1 blocked before and still does.
        prefix.exit_0_or_2 = set_switch;
        if (o.serve && servable(c)) {
            auto argv = c.args ? wrap_args(prefix, *c.args) : wrap_args(prefix, {"sh", "-c", c.command});
            serve_hook(settings, entry, registry, c, p.name, argv, fails_closed, o.serve_address, ctx.settings_key);
            changes.push_back(describe_change(c, p.name, limits, resolved, false, p.in_policy, *ctx.format));
            ++served;
            return;
        }
        ojson& handler = handler_of(settings, c);
        if (set_switch) handler[std::string(ctx.format->fail_closed_key)] = ojson::parse(ctx.format->fail_closed_value_json);
        if (c.args) {
            ojson wrapped = wrap_args(prefix, *c.args);
            handler[std::string(ctx.format->args_key)] = wrapped;
            if (!entry.contains("wrapped_args")) entry["wrapped_args"] = ojson::object();
            entry["wrapped_args"][wrapped.dump()] = *c.args;
        } else {
            std::string wrapped = wrap_with(prefix, c.command);
            handler[std::string(ctx.format->command_key)] = wrapped;
            entry["wrapped"][wrapped] = c.command;
        }
        changes.push_back(describe_change(c, p.name, limits, resolved, set_switch, p.in_policy, *ctx.format));
    }

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
        auto wrapped = c.args ? std::nullopt : parse_wrap(c.command);
        if (wrapped) original.command = wrapped->original;
        ojson def = policy_entry(original, ctx.settings, ctx.agent, o.enforce_slas);
        // Wrapped earlier: its policy entry moves over as it is.
        bool keep = wrapped && policy_doc["hooks"].contains(wrapped->name);
        add_to_policy(keep ? wrapped->name : name_for(original, def), def);
        ++changed;
    }

    // The derived name, or NAME-2, NAME-3, ... when taken by another hook.
    std::string name_for(const CommandHook& c, const ojson& def) {
        std::string base = c.args ? naming::derive_name(*c.args) : naming::derive_name_from_shell(c.command);
        for (int n = 1;; ++n) {
            std::string candidate = n == 1 ? base : base + "-" + std::to_string(n);
            if (taken.count(candidate)) continue;
            if (policy_doc["hooks"].contains(candidate) && !same_definition(policy_doc["hooks"][candidate], def)) continue;
            taken.insert(candidate);
            return candidate;
        }
    }

    // False when the policy cannot hold the hook (an event it does not know).
    bool add_to_policy(const std::string& name, const ojson& def) {
        std::string event = def["event"].get<std::string>();
        if (!is_known_event(event)) {
            unknown_events.insert(event);
            return false;
        }
        if (policy_doc["hooks"].contains(name)) return true;
        policy_doc["hooks"][name] = def;
        added_names.push_back(name);
        return true;
    }
};

// The settings are well-formed and the policy is one install can add to.
int check_inputs(const Options& o, Context& ctx, std::ostream& err) {
    if (int rc = refuse_malformed(ctx, err); rc != 0) return rc;
    if (o.dispatch && ctx.format->shape == HooksShape::flat) {
        err << "hookwarden: install --dispatch: " << ctx.format->display
            << " files have no matcher groups to put one dispatch entry in; install without --dispatch\n";
        return kConfigError;
    }
    if (o.serve && (ctx.agent != Agent::claude || o.dispatch)) {
        err << "hookwarden: install --serve: " << (o.dispatch ? "not with --dispatch" : "only Claude Code has http hooks")
            << "; nothing was changed\n";
        return kConfigError;
    }
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
    std::string registry_path, registry;  // --serve: the daemon's registry (empty path: unchanged)
    std::string codex_config_path, codex_config_before, codex_config_after;  // empty: unchanged
};

// Codex skips a rewritten hook until it is trusted again: re-trust what can be, stop
// (unless told to go on) when a trusted hook would lose its trust.
int plan_codex_trust(const Options& o, const Context& ctx, Plan& plan, Texts& texts, std::ostream& err) {
    if (ctx.agent != Agent::codex) return 0;
    std::string config = absolute(codex::config_path(paths::home_dir()));
    std::string before = fs::read_file(config).value_or("");
    codex::TrustPlan trust = codex::plan(absolute(ctx.settings), ctx.file.value(), plan.settings, before);
    for (const auto& key : trust.untrusted)
        err << "note: Codex does not trust " << key << " (it skipped this hook before install and still will); "
            << "trust it in Codex's /hooks\n";
    if (!trust.lost.empty()) {
        for (const auto& key : trust.lost)
            err << (o.codex_trust_later ? "warning: " : "") << config << ": [hooks.state.\"" << key
                << "\"]: Codex trusts this hook, and install cannot compute the hash this Codex version trusts "
                   "for the rewritten command (the original's hash does not match the rule install knows)\n";
        err << (o.codex_trust_later
                    ? "those hooks stay skipped by Codex until you trust them: run `codex`, open /hooks, trust them\n"
                    : "nothing was changed. Either trust the rewritten hooks yourself afterwards (install "
                      "--codex-trust-later, then `codex`, /hooks), or keep the hooks unwrapped\n");
        if (!o.codex_trust_later) return kConfigError;
    }
    if (trust.changes.empty()) return 0;
    texts.codex_config_path = config;
    texts.codex_config_before = before;
    texts.codex_config_after = trust.new_text;
    ojson changes = ojson::array();
    for (const auto& c : trust.changes) changes.push_back(ojson{{"key", c.key}, {"before", c.before}, {"after", c.after}});
    plan.entry["codex_trust"] = ojson{{"config", config}, {"changes", changes}};
    return 0;
}

// Writes the policy, the state, Codex's trust, then the settings; the settings stay as
// they were when an earlier write fails.
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
    if (!texts.codex_config_path.empty())
        if (auto e = write_with_backup(texts.codex_config_path, texts.codex_config_before, texts.codex_config_after,
                                       "Codex trust", out);
            !e.empty()) {
            err << e << "; settings unchanged\n";
            return kConfigError;
        }
    if (!texts.registry_path.empty())
        if (auto e = fs::write_file_atomic(texts.registry_path, texts.registry, 0600); !e.empty()) {
            err << texts.registry_path << ": " << e << "; settings unchanged\n";
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
    if (plan.upgraded_count > 0)
        out << " (" << plan.upgraded_count << " of them wrapped before, now calling hookwarden by its absolute path)";
    out << "\n";
    print_changes(out, plan.hookwarden_path, plan.changes);
    out << "Check the policy with `hookwarden policy check " << ctx.policy
        << "`. Undo with `hookwarden uninstall --agent " << to_string(ctx.agent) << "`.\n";
}

int validate_policy(const Context& ctx, const Texts& texts, std::ostream& err) {
    auto check = policy::load_string(texts.policy, ctx.policy);
    if (check.policy) return 0;
    // Never leave a policy `run` would refuse; the starter is valid, so this is the user's.
    for (const auto& d : check.errors) err << d.to_string() << "\n";
    err << ctx.policy << ": the policy would not validate after adding the hooks; nothing was changed\n";
    return kConfigError;
}

void print_dry_run(const Context& ctx, const Plan& plan, const Texts& texts, std::ostream& out) {
    out << "dry run: nothing is written. Changes to " << ctx.settings << " and " << ctx.policy << ":\n";
    print_diff(out, ctx.settings, ctx.file.text, texts.settings, false);
    if (!plan.added_names.empty()) print_diff(out, ctx.policy, ctx.policy_file.text, texts.policy, !ctx.policy_file.exists);
    if (!texts.codex_config_path.empty())
        print_diff(out, texts.codex_config_path, texts.codex_config_before, texts.codex_config_after, false);
    print_changes(out, plan.hookwarden_path, plan.changes);
    out << "would also write a backup " << ctx.settings << ".hookwarden-backup-<time> and " << ctx.state << "\n";
}

// --serve: the registry the served hooks join, read before they are planned.
int load_registry(const Options& o, Plan& plan, Texts& texts, std::ostream& err) {
    if (!o.serve) return 0;
    texts.registry_path = serve::http_hooks_path(store::default_state_dir());
    std::string error;
    auto loaded = serve::load_http_hooks(texts.registry_path, error);
    if (!loaded) {
        err << error << "; nothing was changed\n";
        return kConfigError;
    }
    plan.registry = std::move(*loaded);
    return 0;
}

// --serve, once the hooks are planned: the token and NO_PROXY in the settings' env.
int plan_serve_env(const Options& o, Plan& plan, Texts& texts, std::ostream& err) {
    if (plan.served == 0) {
        texts.registry_path.clear();
        return 0;
    }
    const std::string state_dir = store::default_state_dir();
    std::string token = "<the token in " + serve::http_token_path(state_dir) + ">";
    if (!o.dry_run) {
        std::string error;
        auto made = serve::ensure_http_token(state_dir, error);
        if (!made) {
            err << error << "; nothing was changed\n";
            return kConfigError;
        }
        token = *made;
    }
    serve_env(plan.settings, plan.entry, token);
    texts.registry = serve::http_hooks_text(plan.registry);
    return 0;
}

int carry_out(const Options& o, Context& ctx, Plan& plan, std::ostream& out, std::ostream& err) {
    plan.add_event_defaults();
    Texts texts;
    if (int rc = load_registry(o, plan, texts, err); rc != 0) return rc;
    if (!o.dispatch) plan.write_wrappers();
    if (int rc = plan_serve_env(o, plan, texts, err); rc != 0) return rc;
    texts.settings = dump_with(plan.settings, detect_indent(ctx.file.text));
    texts.policy = plan.added_names.empty() ? ctx.policy_file.text : policy_text(plan.policy_doc);
    if (!plan.added_names.empty())
        if (int rc = validate_policy(ctx, texts, err); rc != 0) return rc;
    if (int rc = plan_codex_trust(o, ctx, plan, texts, err); rc != 0) return rc;
    plan.entry["mode"] = o.dispatch ? "dispatch" : (plan.entry.value("mode", "") == "dispatch" ? "dispatch" : "wrap");
    plan.entry["agent"] = to_string(ctx.agent);
    plan.entry["policy"] = absolute(ctx.policy);
    if (o.dry_run) {
        print_dry_run(ctx, plan, texts, out);
        return 0;
    }
    if (int rc = write_files(ctx, plan, texts, out, err); rc != 0) return rc;
    print_summary(o, ctx, plan, out);
    if (plan.served > 0)
        out << plan.served << (plan.served == 1 ? " of them is" : " of them are") << " now an http hook answered by "
            << "`hookwarden serve --http " << o.serve_address << "` (registered in " << texts.registry_path
            << "); start it before the agent (docs/serve.md)\n";
    return 0;
}

int install_one(const Options& o, const std::string& hookwarden, std::ostream& out, std::ostream& err) {
    Context ctx;
    bool done = false;
    int rc = prepare(o, ctx, out, err, "no settings file, so no hooks to wrap; nothing done", done);
    if (rc != 0 || done) return rc;
    if (rc = check_inputs(o, ctx, err); rc != 0) return rc;
    Plan plan(o, ctx, hookwarden);
    if (o.dispatch) {
        plan.dispatch_each();
    } else {
        plan.upgrade_each();
        plan.wrap_each();
    }
    for (const auto& ev : plan.unknown_events)
        err << "note: " << ctx.settings << ": $.hooks." << ev << ": an event hookwarden's policy does not know; "
            << (o.dispatch ? "left as it is" : "its hooks get their limits on the command line, without a policy entry")
            << "\n";
    if (plan.changed == 0) {
        out << ctx.settings << ": nothing to do (" << plan.already << (plan.already == 1 ? " hook" : " hooks")
            << " already run under hookwarden)\n";
        return 0;
    }
    return carry_out(o, ctx, plan, out, err);
}

}  // namespace

int install_command(const Options& o, std::ostream& out, std::ostream& err) {
    auto hookwarden = resolve_hookwarden(o.hookwarden_path, err);
    if (!hookwarden) return kConfigError;
    return for_each_settings_file(o, out, [&](const Options& one) { return install_one(one, *hookwarden, out, err); });
}

}  // namespace hookwarden::install
