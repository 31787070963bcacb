// `hookwarden run`: one hook under its limits. It is on every tool call of the agent:
// nothing here does work the run does not need.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cmd/command.h"
#include "hookwarden/agent.h"
#include "cmd/run_serve.h"
#include "core/run.h"

namespace hookwarden::cmd {

namespace {

// Limits are positive integers: zero or a negative value never means "unlimited".
void add_limit(CLI::App& app, const char* flag, std::optional<std::int64_t>& target, const char* what) {
    CLI::Validator positive(
        [](std::string& text) -> std::string {
            std::size_t used = 0;
            long long value = 0;
            try {
                value = std::stoll(text, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used != text.size() || text.empty() || value <= 0 || value > (1LL << 40))
                return "expected a positive integer, got '" + text + "'";
            return {};
        },
        "", "positive");
    app.add_option_function<std::int64_t>(
           flag, [&target](const std::int64_t& value) { target = value; }, what)
        ->check(positive)
        ->type_name("N");
}

class RunCommand final : public Command {
public:
    void declare(CLI::App& app) override {
        sub_ = app.add_subcommand("run", "wrap one hook command (use as the hook's command in the agent's settings)");
        sub_->add_option("--name", options_.name, "the hook's identity in policy, records and breakers");
        sub_->add_option("--policy", options_.policy_path, "policy file (default: discovered, see README)");
        sub_->add_option("--event", options_.event, "event name (default: hook_event_name of the input)");
        add_agent_option(*sub_, agent_);
        add_limit(*sub_, "--timeout", options_.limits.timeout_ms, "wall-clock limit in ms");
        add_limit(*sub_, "--kill-grace", options_.limits.kill_grace_ms, "ms between SIGTERM and SIGKILL");
        add_limit(*sub_, "--memory", options_.limits.memory_mb, "memory limit of the whole tree in MB");
        add_limit(*sub_, "--pids", options_.limits.pids, "process limit of the whole tree");
        add_limit(*sub_, "--cpu", options_.limits.cpu_percent, "CPU limit in percent of one core");
        add_limit(*sub_, "--output-limit", options_.limits.output_kb, "KB of stdout and of stderr kept");
        sub_->add_option("--on-failure", on_failure_, "allow|block|ask|fallback when the hook does not finish on its own")
            ->check(CLI::IsMember({"allow", "block", "ask", "fallback"}));
        sub_->add_option("--backend", options_.backend, "auto|cgroup-v2|cgroup-v1|none")->check(CLI::IsMember(kBackends));
        sub_->add_option("--record", options_.record_path, "also write this run's record as JSON to FILE");
        sub_->add_flag("--exit-0-or-2", options_.exit_0_or_2,
                       "answer with exit 0 or 2 only (the agent's fail-closed switch is on; install writes this)");
        // Without "--", everything from the first positional on is the hook's command line.
        sub_->prefix_command();
        sub_->footer("The hook command follows the options, best after '--': hookwarden run [OPTIONS] -- CMD [ARGS...]");
    }

    int execute(const Invocation& invocation) override {
        options_.command = sub_->remaining();
        options_.command.insert(options_.command.end(), invocation.after_dashes.begin(), invocation.after_dashes.end());
        if (options_.command.empty() && options_.name.empty()) {
            std::cerr << "hookwarden: run: missing the hook command (hookwarden run [OPTIONS] -- CMD [ARGS...],\n"
                         "or --name NAME of a hook whose command the policy gives)\n";
            return core::usage_error_exit_code();
        }
        if (!options_.command.empty() && options_.command.front().size() > 1 && options_.command.front()[0] == '-') {
            std::cerr << "hookwarden: run: unknown option '" << options_.command.front()
                      << "' (see 'hookwarden run --help')\n";
            return core::usage_error_exit_code();
        }
        if (!agent_.empty()) options_.agent = agent_from_string(agent_);
        if (!on_failure_.empty()) options_.on_failure = failure_action_from_string(on_failure_);
        options_.process_start = invocation.process_start;
        core::ResolvedHook on_resolved;
        if (auto served = run_through_daemon(invocation, options_, on_resolved)) return *served;
        return core::run(options_, on_resolved);
    }

private:
    core::RunOptions options_;
    std::string on_failure_;
    std::string agent_;
};

}  // namespace

std::unique_ptr<Command> make_run() { return std::make_unique<RunCommand>(); }

}  // namespace hookwarden::cmd
