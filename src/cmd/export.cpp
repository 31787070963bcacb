// `hookwarden export prometheus`: the records as node_exporter textfile metrics;
// `hookwarden export prometheus-rules`: the policy's alerts as Prometheus alerting rules
// over those metrics (docs/observability.md).
#include <iostream>

#include <CLI/CLI.hpp>

#include "cmd/command.h"
#include "cmd/export_otlp.h"
#include "cmd/records.h"
#include "report/prometheus_rules.h"
#include "report/render.h"

namespace hookwarden::cmd {

namespace {

using HookList = std::vector<std::pair<std::string, std::string>>;

// The hooks whose alert rules may differ from the defaults: the policy's, and those the
// records know (with the event of their newest run).
HookList hooks_known(const policy::Policy* policy, const std::vector<RunRecord>& records) {
    HookList hooks;
    if (policy)
        for (const auto& h : policy->hooks) hooks.emplace_back(h.name, h.event);
    for (auto it = records.rbegin(); it != records.rend(); ++it)
        if (std::none_of(hooks.begin(), hooks.end(), [&](const auto& h) { return h.first == it->hook; }))
            hooks.emplace_back(it->hook, it->event);
    return hooks;
}

class ExportCommand final : public ToolCommand {
public:
    void declare(CLI::App& app) override {
        auto* export_cmd = app.add_subcommand("export", "export metrics");
        export_cmd->require_subcommand(1);
        prometheus_ = export_cmd->add_subcommand("prometheus", "node_exporter textfile-collector format");
        prometheus_->add_option("-o,--output", output_, "write to FILE (atomically) instead of stdout");
        prometheus_->add_option("--policy", policy_path_, "the policy whose alert thresholds get histogram buckets");
        rules_ = export_cmd->add_subcommand("prometheus-rules", "the policy's alerts as Prometheus alerting rules");
        rules_->add_option("-o,--output", output_, "write to FILE (atomically) instead of stdout");
        rules_->add_option("--policy", policy_path_, "the policy whose alerts to write (default: discovered)");
        otlp_ = export_cmd->add_subcommand("otlp", "POST the records as OTLP/JSON spans and metrics to a collector");
        otlp_->add_option("--endpoint", otlp_options_.endpoint, "the collector, http://HOST:PORT[/PATH]")->required();
        otlp_->add_option("--since", otlp_options_.since, "only runs since: 24h, 7d, 30m, or an ISO date/time");
        otlp_->add_option("--header", otlp_options_.headers, "NAME=VALUE sent with each request (repeatable)");
        otlp_->add_option("--timeout-ms", otlp_options_.timeout_ms, "per request")->check(CLI::Range(1, 600000));
    }
    bool chosen() const override { return parsed(prometheus_) || parsed(rules_) || parsed(otlp_); }

protected:
    ExitCode run(const Invocation&) override {
        if (parsed(otlp_)) return export_otlp_command(otlp_options_, std::cout, std::cerr);
        auto pol = load_policy(policy_path_);
        if (!pol.errors.empty()) {
            std::cerr << "hookwarden: export: the policy '" << pol.path << "' is not usable:\n";
            for (const auto& e : pol.errors) std::cerr << "  " << e << "\n";
            return ExitCode::usage;
        }
        auto loaded = load_records("", 0, "", "", std::cerr);
        if (!loaded.ok) return ExitCode::usage;
        const policy::Policy* policy = policy_or_defaults(pol);
        const HookList hooks = hooks_known(policy, loaded.records);
        std::string text;
        if (parsed(rules_)) {
            text = report::render_prometheus_rules(policy, hooks, pol.path.empty() ? "the built-in defaults" : pol.path);
        } else {
            const auto rep = report::build(loaded.records);
            text = report::render_prometheus(rep, loaded.records, report::alert_bounds(policy, hooks));
        }
        return emit(output_, text, std::cout, std::cerr) ? ExitCode::ok : ExitCode::usage;
    }

private:
    CLI::App* prometheus_ = nullptr;
    CLI::App* rules_ = nullptr;
    CLI::App* otlp_ = nullptr;
    OtlpOptions otlp_options_;
    std::string output_, policy_path_;
};

}  // namespace

std::unique_ptr<Command> make_export() { return std::make_unique<ExportCommand>(); }

}  // namespace hookwarden::cmd
