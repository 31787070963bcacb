// `hookwarden dispatch`: every policy hook matching the event, merged into one answer.
#include <CLI/CLI.hpp>

#include "cmd/command.h"
#include "cmd/run_serve.h"
#include "hookwarden/agent.h"
#include "core/dispatch.h"

namespace hookwarden::cmd {

namespace {

class DispatchCommand final : public Command {
public:
    void declare(CLI::App& app) override {
        sub_ = app.add_subcommand("dispatch", "run every policy hook matching the event, in parallel, and merge their answers");
        sub_->add_option("--policy", options_.policy_path, "policy file (default: discovered)");
        sub_->add_option("--event", options_.event, "event name (default: hook_event_name of the input)");
        add_agent_option(*sub_, agent_);
        sub_->add_option("--backend", options_.backend, "auto|cgroup-v2|cgroup-v1|none")->check(CLI::IsMember(kBackends));
        sub_->add_option("--jobs", options_.jobs, "hooks supervised at once (default 8)")->check(CLI::Range(1, 256));
        sub_->add_option("--record", options_.record_path, "also write the runs' records as a JSON array to FILE");
    }
    int execute(const Invocation& invocation) override {
        options_.process_start = invocation.process_start;
        if (!agent_.empty()) options_.agent = agent_from_string(agent_);
        if (auto served = dispatch_through_daemon(invocation, options_)) return *served;
        return core::dispatch(options_);
    }

private:
    core::DispatchOptions options_;
    std::string agent_;
};

}  // namespace

std::unique_ptr<Command> make_dispatch() { return std::make_unique<DispatchCommand>(); }

}  // namespace hookwarden::cmd
