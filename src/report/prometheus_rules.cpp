#include "report/prometheus_rules.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "report/text.h"
#include "util/duration.h"

namespace hookwarden::report {

namespace {

using HookList = std::vector<std::pair<std::string, std::string>>;

// Identical rules share one Prometheus rule: the key is everything the rule says.
std::string rule_key(const AlertRule& r) {
    return fmt::format("{}|{}|{}|{}", r.enabled, r.threshold, r.window_ms, r.for_ms);
}

// RE2 text matching `name` literally, inside a PromQL raw (backtick) string.
std::string regex_literal(const std::string& name) {
    std::string out;
    for (char c : name) {
        if (c == '`') out += "\\x60";
        else if (std::string_view(R"(\.+*?()|[]{}^$)").find(c) != std::string_view::npos) out += std::string("\\") + c;
        else out += c;
    }
    return out;
}

std::string any_of(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : "|") + regex_literal(n);
    return out;
}

// The PromQL condition of `rule` over the hooks `selector` picks ({hook=~`a|b`}).
std::string expression(const AlertRule& r, const std::string& sel) {
    const std::string w = duration_text(r.window_ms);
    switch (r.kind) {
        case AlertKind::slow_p95:
            return fmt::format("histogram_quantile(0.95, sum by (hook, le) (rate(hookwarden_run_duration_seconds_bucket{}[{}]))) > {}",
                               sel, w, text::number(r.threshold / 1000));
        case AlertKind::memory_high: {
            std::string inner = sel.substr(1, sel.size() - 2);
            std::string with_le = "{" + inner + (inner.empty() ? "" : ",") + "le=\"" + bucket_label(r.threshold) + "\"}";
            return fmt::format("sum by (hook) (increase(hookwarden_run_peak_memory_ratio_count{}[{}])) - "
                               "sum by (hook) (increase(hookwarden_run_peak_memory_ratio_bucket{}[{}])) > 0",
                               sel, w, with_le, w);
        }
        case AlertKind::error_rate: {
            std::string inner = sel.substr(1, sel.size() - 2) + (sel.size() > 2 ? "," : "");
            return fmt::format("sum by (hook) (increase(hookwarden_runs_total{{{}outcome=~\"error|crash|timeout|oom|spawn_error\"}}[{}])) / "
                               "sum by (hook) (increase(hookwarden_runs_total{{{}outcome!~\"breaker_open|internal_error\"}}[{}])) > {}",
                               inner, w, inner, w, text::number(r.threshold));
        }
        case AlertKind::timeout:
            // A timestamp, not a counter's increase: the first timeout of a hook Prometheus
            // has not seen before must fire too.
            if (r.threshold <= 0)
                return fmt::format("time() - hookwarden_last_timeout_timestamp_seconds{} < {}", sel,
                                   text::number(static_cast<double>(r.window_ms) / 1000));
            return fmt::format("increase(hookwarden_timeouts_total{}[{}]) > {}", sel, w, text::number(r.threshold));
    }
    return "";
}

std::string summary(const AlertRule& r) {
    const std::string w = duration_text(r.window_ms);
    switch (r.kind) {
        case AlertKind::slow_p95: return fmt::format("p95 latency above {} ms over {}", text::number(r.threshold), w);
        case AlertKind::memory_high: return fmt::format("a run's peak memory above {} % of its limit in {}", text::number(r.threshold * 100), w);
        case AlertKind::error_rate: return fmt::format("failure rate above {} % over {}", text::number(r.threshold * 100), w);
        case AlertKind::timeout: return fmt::format("more than {} timeout(s) in {}", text::number(r.threshold), w);
    }
    return "";
}

// `scope` tells apart the rules of one alert name (Prometheus wants their labels to differ):
// "default", or the hooks with a rule of their own.
std::string rule_yaml(const AlertRule& r, const std::string& sel, const std::string& scope) {
    return fmt::format("      - alert: {}\n        expr: >-\n          {}\n        for: {}\n        labels:\n"
                       "          severity: warning\n          hookwarden_scope: '{}'\n        annotations:\n"
                       "          summary: \"hookwarden hook {{{{ $labels.hook }}}}: {}\"\n",
                       alert_name(r.kind), expression(r, sel), duration_text(r.for_ms), scope, summary(r));
}

// A YAML single-quoted scalar's body ('' is its only escape), one line.
std::string yaml_quoted_body(const std::string& text) {
    std::string out;
    for (char c : text) out += c == '\'' ? std::string("''") : c == '\n' ? std::string(" ") : std::string(1, c);
    return out;
}

// Per kind: the hooks of each distinct rule, the defaults' rule last (it takes the rest).
std::string rules_of_kind(AlertKind kind, const policy::Policy* policy, const HookList& hooks) {
    const auto index = static_cast<std::size_t>(kind);
    const AlertRule fallback = policy::resolve(policy, "", "", {}).alerts[index];
    std::map<std::string, std::pair<AlertRule, std::vector<std::string>>> groups;
    std::vector<std::string> special;
    for (const auto& [hook, event] : hooks) {
        AlertRule r = policy::resolve(policy, hook, event, {}).alerts[index];
        if (rule_key(r) == rule_key(fallback)) continue;
        special.push_back(hook);
        auto& group = groups[rule_key(r)];
        group.first = r;
        group.second.push_back(hook);
    }
    std::string out;
    for (const auto& [key, group] : groups)
        if (group.first.enabled) {
            std::string names;
            for (const auto& h : group.second) names += (names.empty() ? "" : ", ") + h;
            out += rule_yaml(group.first, "{hook=~`" + any_of(group.second) + "`}", yaml_quoted_body("hooks: " + names));
        }
    if (fallback.enabled)
        out += rule_yaml(fallback, special.empty() ? "{}" : "{hook!~`" + any_of(special) + "`}", "default");
    return out;
}

}  // namespace

std::string render_prometheus_rules(const policy::Policy* policy, const HookList& hooks, const std::string& source) {
    std::string out = "# Alerting rules written by `hookwarden export prometheus-rules` from " + source +
                      ".\n# Over the metrics of `hookwarden export prometheus` (docs/observability.md);\n"
                      "# regenerate both when the policy changes.\ngroups:\n  - name: hookwarden\n    rules:\n";
    std::string rules;
    for (AlertKind kind : all_alert_kinds()) rules += rules_of_kind(kind, policy, hooks);
    return out + (rules.empty() ? "      []\n" : rules);
}

PrometheusBounds alert_bounds(const policy::Policy* policy, const HookList& hooks) {
    PrometheusBounds bounds;
    auto add = [&](const AlertRules& rules) {
        for (const AlertRule& r : rules) {
            if (!r.enabled) continue;
            if (r.kind == AlertKind::slow_p95) bounds.latency_ms.push_back(r.threshold);
            if (r.kind == AlertKind::memory_high) bounds.memory_ratio.push_back(r.threshold);
        }
    };
    add(policy::resolve(policy, "", "", {}).alerts);
    for (const auto& [hook, event] : hooks) add(policy::resolve(policy, hook, event, {}).alerts);
    return bounds;
}

}  // namespace hookwarden::report
