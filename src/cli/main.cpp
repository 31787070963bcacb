// The command line: one CLI11 subcommand per SPEC §2 command, each handing off to the
// module that owns it. Nothing here does work a command does not need: `run` is on
// every tool call of the agent.
#include "cli/main.h"

#include <chrono>
#include <iostream>

#include <CLI/CLI.hpp>

#include "core/doctor.h"
#include "core/run.h"
#include "sandbox/sandbox.h"
#include "util/log.h"

namespace hookwarden::cli {

namespace {

constexpr int kUsageError = 2;

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

}  // namespace

int main(int argc, char** argv) {
    const auto process_start = std::chrono::steady_clock::now();
    CLI::App app{"hookwarden: runs AI-agent hooks under enforced limits, measures them, and records every run"};
    app.require_subcommand(1);
    std::string log_level, log_file;
    app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off (default $HOOKWARDEN_LOG or warn)");
    app.add_option("--log-file", log_file, "write diagnostics to this file instead of stderr");

    // run
    core::RunOptions run_options;
    std::string on_failure;
    auto* run = app.add_subcommand("run", "wrap one hook command (use as the hook's command in the agent's settings)");
    run->add_option("--name", run_options.name, "the hook's identity in policy, records and breakers");
    run->add_option("--policy", run_options.policy_path, "policy file (default: discovered, see README)");
    run->add_option("--event", run_options.event, "event name (default: hook_event_name of the input)");
    add_limit(*run, "--timeout", run_options.limits.timeout_ms, "wall-clock limit in ms");
    add_limit(*run, "--kill-grace", run_options.limits.kill_grace_ms, "ms between SIGTERM and SIGKILL");
    add_limit(*run, "--memory", run_options.limits.memory_mb, "memory limit of the whole tree in MB");
    add_limit(*run, "--pids", run_options.limits.pids, "process limit of the whole tree");
    add_limit(*run, "--cpu", run_options.limits.cpu_percent, "CPU limit in percent of one core");
    add_limit(*run, "--output-limit", run_options.limits.output_kb, "KB of stdout and of stderr kept");
    run->add_option("--on-failure", on_failure, "allow|block|ask|fallback when the hook does not finish on its own")
        ->check(CLI::IsMember({"allow", "block", "ask", "fallback"}));
    run->add_option("--backend", run_options.backend, "auto|cgroup-v2|cgroup-v1|none")
        ->check(CLI::IsMember({"auto", "cgroup-v2", "cgroup-v1", "none"}));
    run->add_option("--record", run_options.record_path, "also write this run's record as JSON to FILE");
    // Without "--", everything from the first positional on is the hook's command line.
    run->prefix_command();
    run->footer("The hook command follows the options, best after '--': hookwarden run [OPTIONS] -- CMD [ARGS...]");

    auto* doctor = app.add_subcommand("doctor", "which enforcement is available here, why, and how to get more");

    // Everything after the first "--" is the hook's command line, untouched: its own
    // flags must never be parsed as ours.
    std::vector<std::string> after_dashes;
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--") {
            after_dashes.assign(argv + i + 1, argv + argc);
            argc = i;
            break;
        }
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "hookwarden: " << e.what() << "\n"
                  << "Run 'hookwarden --help' (or 'hookwarden SUBCOMMAND --help') for usage.\n";
        return kUsageError;
    }
    std::string log_error;
    if (!log::init(log_level, log_file, log_error)) {
        std::cerr << "hookwarden: " << log_error << "\n";
        return kUsageError;
    }

    if (run->parsed()) {
        run_options.command = run->remaining();
        run_options.command.insert(run_options.command.end(), after_dashes.begin(), after_dashes.end());
        if (run_options.command.empty() && run_options.name.empty()) {
            std::cerr << "hookwarden: run: missing the hook command (hookwarden run [OPTIONS] -- CMD [ARGS...],\n"
                         "or --name NAME of a hook whose command the policy gives)\n";
            return kUsageError;
        }
        if (run_options.command.front().size() > 1 && run_options.command.front()[0] == '-') {
            std::cerr << "hookwarden: run: unknown option '" << run_options.command.front()
                      << "' (see 'hookwarden run --help')\n";
            return kUsageError;
        }
        if (!on_failure.empty()) run_options.on_failure = failure_action_from_string(on_failure);
        run_options.process_start = process_start;
        return core::run(run_options);
    }
    if (doctor->parsed()) return core::doctor(std::cout);
    return kUsageError;
}

}  // namespace hookwarden::cli
