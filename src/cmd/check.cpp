// `hookwarden check`: the CI gate over the recorded runs.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cmd/command.h"
#include "cmd/records.h"
#include "report/budgets.h"
#include "report/since.h"
#include "util/fs.h"

namespace hookwarden::cmd {

namespace {

struct CheckOptions : Selection {
    GateOptions gate;
    std::string policy_path;
};

ExitCode check_command(const CheckOptions& options, std::ostream& out, std::ostream& err) {
    std::string error;
    auto since_ms = report::parse_since(options.since, fs::now_unix_ms(), error);
    if (!since_ms) {
        err << "hookwarden: check: " << error << "\n";
        return ExitCode::usage;
    }
    // A policy that fails validation makes `check` fail, never pass on defaults
    // (docs/reports.md).
    auto pol = load_policy(options.policy_path);
    if (!pol.errors.empty()) {
        err << "hookwarden: check: the policy '" << pol.path << "' is not usable:\n";
        for (const auto& e : pol.errors) err << "  " << e << "\n";
        return ExitCode::usage;
    }
    auto loaded = load_records("", *since_ms, options.hook, options.event, err);
    if (!loaded.ok) return ExitCode::usage;

    const auto rep = report::build(loaded.records, *since_ms);
    const auto budgets = report::budgets_for(policy_or_defaults(pol), loaded.records, options.hook, options.event);
    out << "hookwarden check: " << rep.total_runs << " run" << (rep.total_runs == 1 ? "" : "s") << " of "
        << rep.hooks.size() << " hook" << (rep.hooks.size() == 1 ? "" : "s") << ", budgets from "
        << (pol.policy ? "'" + pol.path + "'" : std::string("the built-in defaults (no policy file found)")) << "\n";
    if (loaded.records.empty()) {
        // Nothing to judge is not a failure: a gate must not break CI before the first run.
        out << "no runs recorded" << (*since_ms ? " in that period" : "") << ": nothing to check\n";
    }
    return gate(rep, budgets, options.gate, out, out, err);
}

class CheckCommand final : public ToolCommand {
public:
    void declare(CLI::App& app) override {
        sub_ = app.add_subcommand("check", "CI gate: exit 1 when a hook violates its budgets");
        add_selection_options(*sub_, options_);
        sub_->add_option("--junit", options_.gate.junit, "write JUnit XML to FILE");
        sub_->add_option("--sarif", options_.gate.sarif, "write SARIF 2.1.0 to FILE");
        sub_->add_flag("--github", options_.gate.github, "GitHub annotations and a step summary");
        sub_->add_option("--policy", options_.policy_path, "policy with the budgets (default: discovered)");
    }

protected:
    ExitCode run(const Invocation&) override { return check_command(options_, std::cout, std::cerr); }

private:
    CheckOptions options_;
};

}  // namespace

std::unique_ptr<Command> make_check() { return std::make_unique<CheckCommand>(); }

}  // namespace hookwarden::cmd
