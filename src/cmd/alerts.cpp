// `hookwarden alerts`: what fires now, since when and why (docs/observability.md).
#include <iostream>

#include <CLI/CLI.hpp>

#include "cmd/alert_notify.h"
#include "cmd/alert_view.h"
#include "cmd/command.h"
#include "store/store.h"
#include "util/fs.h"

namespace hookwarden::cmd {

namespace {

class AlertsCommand final : public ToolCommand {
public:
    void declare(CLI::App& app) override {
        sub_ = app.add_subcommand("alerts", "alerts firing now, since when and why (exit 1 while any fires)");
        sub_->add_option("--format", format_, "table|json")->check(CLI::IsMember({"table", "json"}));
        sub_->add_option("--policy", policy_path_, "the policy whose rules apply (default: discovered)");
        sub_->add_flag("--notify", notify_, "run each firing alert's notify command / webhook once per firing");
    }

protected:
    ExitCode run(const Invocation&) override {
        const std::string state_dir = store::default_state_dir();
        AlertView view = current_alerts(policy_path_, state_dir, fs::now_unix_ms(), std::cerr);
        if (!view.ok) return ExitCode::usage;
        if (notify_) notify_alerts(view, state_dir, std::cerr);
        std::cout << (format_ == "json" ? render_alerts_json(view) : render_alerts_table(view));
        return view.firing > 0 ? ExitCode::violation : ExitCode::ok;
    }

private:
    std::string format_ = "table";
    std::string policy_path_;
    bool notify_ = false;
};

}  // namespace

std::unique_ptr<Command> make_alerts() { return std::make_unique<AlertsCommand>(); }

}  // namespace hookwarden::cmd
