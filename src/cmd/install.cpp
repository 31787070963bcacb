// `hookwarden install` and `uninstall`: one group, as they share every option.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cmd/command.h"
#include "install/install.h"

namespace hookwarden::cmd {

namespace {

// install_command/uninstall_command answer the same 0/1/2 as an int.
ExitCode exit_code_of(int status) {
    if (status == to_int(ExitCode::ok)) return ExitCode::ok;
    if (status == to_int(ExitCode::violation)) return ExitCode::violation;
    return ExitCode::usage;
}

class InstallCommands final : public ToolCommand {
public:
    void declare(CLI::App& app) override {
        install_ = app.add_subcommand("install", "wrap the hooks of an agent's settings file (with a backup)");
        uninstall_ = app.add_subcommand("uninstall", "restore the hooks that install wrapped");
        for (auto* sub : {install_, uninstall_}) {
            sub->add_option("--agent", options_.agent, "claude|codex|gemini|copilot|cursor (default claude)")
                ->check(CLI::IsMember({"claude", "codex", "gemini", "copilot", "cursor"}));
            sub->add_option("--scope", options_.scope, "user|project|local (default project)")
                ->check(CLI::IsMember({"user", "project", "local"}));
            sub->add_option("--settings", options_.settings_path, "settings file (overrides --scope)");
            sub->add_flag("--dry-run", options_.dry_run, "show the change as a diff; write nothing");
            sub->add_option("--policy", options_.policy_path, "policy file to write the hooks into");
            sub->add_option("--hookwarden-path", options_.hookwarden_path,
                            "the hookwarden the settings call (default: this binary), written as an absolute path");
        }
        install_->add_flag("--dispatch", options_.dispatch, "one `hookwarden dispatch` entry per event instead");
        install_->add_flag("--enforce-slas", options_.enforce_slas,
                           "kill hooks at their event's SLA default (else it is a budget `check` reports)");
        install_->add_flag("--serve", options_.serve,
                           "Claude Code: write http hooks answered by `hookwarden serve --http` (docs/serve.md)");
        install_->add_option("--http", options_.serve_address,
                             "with --serve: the daemon's HOST:PORT in the hooks' URLs (default 127.0.0.1:7393)");
        install_->add_flag("--codex-trust-later", options_.codex_trust_later,
                           "Codex: install even when rewritten hooks cannot be re-trusted here (trust them in /hooks)");
    }
    bool chosen() const override { return parsed(install_) || parsed(uninstall_); }

protected:
    ExitCode run(const Invocation&) override {
        if (parsed(install_)) return exit_code_of(install::install_command(options_, std::cout, std::cerr));
        return exit_code_of(install::uninstall_command(options_, std::cout, std::cerr));
    }

private:
    CLI::App *install_ = nullptr, *uninstall_ = nullptr;
    install::Options options_;
};

}  // namespace

std::unique_ptr<Command> make_install() { return std::make_unique<InstallCommands>(); }

}  // namespace hookwarden::cmd
