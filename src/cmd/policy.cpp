#include "cmd/policy.h"

#include <iostream>

#include <filesystem>
#include <system_error>

#include <CLI/CLI.hpp>

#include "cmd/command.h"
#include "policy/policy.h"
#include "util/fs.h"

namespace hookwarden::cmd {

using policy::discover;
using policy::LoadResult;
using policy::load_file;
using policy::starter_policy_json;

ExitCode policy_check(const std::string& file, std::ostream& out, std::ostream& err) {
    auto path = discover(file);
    if (!path) {
        err << "no policy file found (looked at $HOOKWARDEN_POLICY, .hookwarden/policy.json in "
               "$CLAUDE_PROJECT_DIR and the working directory and its parents, "
               "$XDG_CONFIG_HOME/hookwarden/policy.json); built-in defaults apply. "
               "Create one with `hookwarden policy init`.\n";
        return ExitCode::usage;
    }
    LoadResult result = load_file(*path);
    if (result.unreadable) {
        err << result.errors.front().to_string() << "\n";
        return ExitCode::usage;
    }
    if (!result.policy) {
        for (const auto& d : result.errors) err << d.to_string() << "\n";
        err << *path << ": " << result.errors.size() << (result.errors.size() == 1 ? " error" : " errors")
            << "; `run` ignores this policy and enforces the built-in defaults until it is fixed\n";
        return ExitCode::violation;
    }
    out << *path << ": OK (" << result.policy->hooks.size() << " hooks, " << result.policy->events.size()
        << " event settings)\n";
    return ExitCode::ok;
}

ExitCode policy_init(const std::string& path, bool force, std::ostream& out, std::ostream& err) {
    std::string target = path.empty() ? ".hookwarden/policy.json" : path;
    std::error_code ec;
    if (std::filesystem::exists(target, ec) && !force) {
        err << target << ": already exists; not overwriting it (use --force to replace it)\n";
        return ExitCode::usage;
    }
    auto dir = std::filesystem::path(target).parent_path();
    if (!dir.empty() && !std::filesystem::create_directories(dir, ec) && ec) {
        err << dir.string() << ": cannot create directory: " << ec.message() << "\n";
        return ExitCode::usage;
    }
    if (std::string error = fs::write_file_atomic(target, starter_policy_json()); !error.empty()) {
        err << target << ": " << error << "\n";
        return ExitCode::usage;
    }
    out << "wrote " << target << "; check it with `hookwarden policy check " << target << "`\n";
    return ExitCode::ok;
}

namespace {

class PolicyCommand final : public ToolCommand {
public:
    void declare(CLI::App& app) override {
        auto* policy = app.add_subcommand("policy", "validate a policy, or write a starter policy");
        policy->require_subcommand(1);
        check_ = policy->add_subcommand("check", "validate a policy (default: the discovered one)");
        check_->add_option("file", file_, "policy file");
        init_ = policy->add_subcommand("init", "write a starter policy (default .hookwarden/policy.json)");
        init_->add_option("file", file_, "where to write it");
        init_->add_flag("--force", force_, "overwrite an existing file");
    }
    bool chosen() const override { return parsed(check_) || parsed(init_); }

protected:
    ExitCode run(const Invocation&) override {
        if (parsed(check_)) return policy_check(file_, std::cout, std::cerr);
        return policy_init(file_, force_, std::cout, std::cerr);
    }

private:
    CLI::App *check_ = nullptr, *init_ = nullptr;
    std::string file_;
    bool force_ = false;
};

}  // namespace

std::unique_ptr<Command> make_policy() { return std::make_unique<PolicyCommand>(); }

}  // namespace hookwarden::cmd
