// `hookwarden report`: the per-hook report of the records, in five formats.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cmd/command.h"
#include "cmd/records.h"
#include "report/budgets.h"
#include "report/since.h"
#include "util/fs.h"

namespace hookwarden::cmd {

namespace {

struct ReportOptions {
    std::string since;             // "" = all; "24h", "7d", "30m", or an ISO date/time
    std::string hook;              // "" = all hooks
    std::string event;             // "" = all events
    std::string format = "table";  // table|json|markdown|html|jsonl
    std::string output;            // "" or "-" = stdout
    std::string policy_path;       // budgets come from here ("" = discovered)
};

// Budgets only shape the HTML report: a broken policy must not cost the user the report.
LoadedPolicy policy_for_html(const ReportOptions& options, std::ostream& err) {
    LoadedPolicy pol;
    if (options.format != "html") return pol;
    pol = load_policy(options.policy_path);
    if (!pol.errors.empty()) {
        err << "hookwarden: report: note: the policy '" << pol.path
            << "' is not usable; budgets drawn from the built-in defaults:\n";
        for (const auto& e : pol.errors) err << "  " << e << "\n";
    }
    return pol;
}

ExitCode report_command(const ReportOptions& options, std::ostream& out, std::ostream& err) {
    if (!known_format(options.format)) {
        err << "hookwarden: report: unknown format '" << options.format
            << "' (expected table, json, markdown, html or jsonl)\n";
        return ExitCode::usage;
    }
    std::string error;
    auto since_ms = report::parse_since(options.since, fs::now_unix_ms(), error);
    if (!since_ms) {
        err << "hookwarden: report: " << error << "\n";
        return ExitCode::usage;
    }
    auto loaded = load_records("", *since_ms, options.hook, options.event, err);
    if (!loaded.ok) return ExitCode::usage;
    const LoadedPolicy pol = policy_for_html(options, err);
    const auto rep = report::build(loaded.records, *since_ms);
    const auto budgets = report::budgets_for(policy_or_defaults(pol), loaded.records, options.hook, options.event);
    if (loaded.records.empty()) err << "hookwarden: report: no runs recorded" << (*since_ms ? " in that period" : "") << "\n";
    return emit(options.output, *render(options.format, rep, loaded.records, budgets), out, err) ? ExitCode::ok
                                                                                                  : ExitCode::usage;
}

class ReportCommand final : public ToolCommand {
public:
    void declare(CLI::App& app) override {
        sub_ = app.add_subcommand("report", "per-hook report from the records");
        sub_->add_option("--since", options_.since, "only runs since: 30m, 24h, 7d or an ISO date/time");
        sub_->add_option("--hook", options_.hook, "only this hook");
        sub_->add_option("--event", options_.event, "only this event");
        sub_->add_option("--format", options_.format, "table|json|markdown|html|jsonl")
            ->check(CLI::IsMember({"table", "json", "markdown", "html", "jsonl"}));
        sub_->add_option("-o,--output", options_.output, "write to FILE (atomically) instead of stdout");
        sub_->add_option("--policy", options_.policy_path, "policy whose budgets are drawn (default: discovered)");
    }
    bool chosen() const override { return parsed(sub_); }

protected:
    ExitCode run(const Invocation&) override { return report_command(options_, std::cout, std::cerr); }

private:
    CLI::App* sub_ = nullptr;
    ReportOptions options_;
};

}  // namespace

std::unique_ptr<Command> make_report() { return std::make_unique<ReportCommand>(); }

}  // namespace hookwarden::cmd
