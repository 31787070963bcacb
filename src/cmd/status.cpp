// `hookwarden status` and `hookwarden breaker ACTION NAME`: views over the store
// (store/status.h renders them).
#include <iostream>

#include <CLI/CLI.hpp>

#include "cmd/alert_view.h"
#include "cmd/command.h"
#include "store/status.h"
#include "store/store.h"
#include "util/fs.h"

namespace hookwarden::cmd {

namespace {

// Notifications of `alerts --notify` that could not be delivered (their alert still fires).
void report_failed_notifications(const std::string& state_dir) {
    std::string error;
    auto s = store::Store::open(state_dir, error);
    if (!s) return;
    for (const auto& n : s->notified())
        if (!n.error.empty())
            std::cout << "alert notification failed: " << alert_name(n.kind) << " for hook '" << n.hook
                      << "': " << n.error << "\n";
}

class StatusCommand final : public ToolCommand {
public:
    void declare(CLI::App& app) override { sub_ = app.add_subcommand("status", "breakers and recent health per hook"); }

protected:
    ExitCode run(const Invocation&) override {
        const std::string state_dir = store::default_state_dir();
        ExitCode code = store::status_command(state_dir, std::cout, std::cerr);
        if (code != ExitCode::ok) return code;
        // The alerts firing now, by the discovered policy's rules (`hookwarden alerts`).
        AlertView view = current_alerts("", state_dir, fs::now_unix_ms(), std::cerr);
        if (view.ok && !view.active.empty()) std::cout << "\nAlerts:\n" << render_alerts_table(view);
        report_failed_notifications(state_dir);
        return code;
    }
};

class BreakerCommand final : public ToolCommand {
public:
    void declare(CLI::App& app) override {
        sub_ = app.add_subcommand("breaker", "operate a hook's circuit breaker by hand");
        sub_->add_option("action", action_, "reset|open|close|disable")
            ->required()
            ->check(CLI::IsMember({"reset", "open", "close", "disable"}));
        sub_->add_option("hook", hook_, "the hook's name")->required();
    }

protected:
    ExitCode run(const Invocation&) override {
        return store::breaker_command(store::default_state_dir(), action_, hook_, std::cout, std::cerr);
    }

private:
    std::string action_, hook_;
};

}  // namespace

std::unique_ptr<Command> make_status() { return std::make_unique<StatusCommand>(); }
std::unique_ptr<Command> make_breaker() { return std::make_unique<BreakerCommand>(); }

}  // namespace hookwarden::cmd
