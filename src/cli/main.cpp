// The command line: one CLI11 subcommand per SPEC §2 command, each handing off to the
// module that owns it. Nothing here does work a command does not need: `run` is on
// every tool call of the agent.
#include "cli/main.h"

#include <chrono>
#include <iostream>
#include <string_view>

#include <CLI/CLI.hpp>

#include "core/dispatch.h"
#include "core/doctor.h"
#include "core/report_cmds.h"
#include "core/run.h"
#include "install/install.h"
#include "policy/commands.h"
#include "store/status.h"
#include "store/store.h"
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

bool parsed(const CLI::App* command) { return command != nullptr && command->parsed(); }

}  // namespace

int main(int argc, char** argv) {
    const auto process_start = std::chrono::steady_clock::now();
    // CLI11 answers --version by throwing; in a static binary the first exception sorts
    // every unwind table (~3 ms). Health checks call this often: answer it directly.
    if (argc == 2 && std::string_view(argv[1]) == "--version") {
        std::cout << "hookwarden " HOOKWARDEN_VERSION "\n";
        return 0;
    }
    CLI::App app{"hookwarden: runs AI-agent hooks under enforced limits, measures them, and records every run"};
    app.set_version_flag("--version", "hookwarden " HOOKWARDEN_VERSION);
    app.require_subcommand(1);
    std::string log_level, log_file;
    app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off (default $HOOKWARDEN_LOG or warn)");
    app.add_option("--log-file", log_file, "write diagnostics to this file instead of stderr");

    // Build only the subcommand that was asked for: declaring every command's options
    // was a quarter of the instructions of a whole `run`. With no known subcommand on
    // the line (--help, a typo), all are built so help and errors list them.
    static const char* const kCommands[] = {"run",    "dispatch", "policy", "status",  "breaker", "report", "check",
                                            "bench",  "export",   "install", "uninstall", "doctor"};
    std::string chosen;
    for (int i = 1; i < argc && chosen.empty(); ++i) {
        if (std::string(argv[i]) == "--") break;
        for (const char* name : kCommands)
            if (argv[i] == std::string(name)) chosen = name;
    }
    auto want = [&](const char* name) { return chosen.empty() || chosen == name; };

    // Where the parsed options land.
    core::RunOptions run_options;
    std::string on_failure;
    core::DispatchOptions dispatch_options;
    std::string policy_file, breaker_action, breaker_hook, export_output;
    bool force = false;
    core::ReportOptions report_options;
    core::CheckOptions check_options;
    core::BenchOptions bench_options;
    install::Options install_options;
    CLI::App *run = nullptr, *dispatch = nullptr, *policy_check = nullptr, *policy_init = nullptr, *status = nullptr,
             *breaker = nullptr, *report = nullptr, *check = nullptr, *bench = nullptr, *prometheus = nullptr,
             *install = nullptr, *uninstall = nullptr, *doctor = nullptr;
    const std::vector<std::string> backends{"auto", "cgroup-v2", "cgroup-v1", "none"};

    if (want("run")) {
        run = app.add_subcommand("run", "wrap one hook command (use as the hook's command in the agent's settings)");
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
        run->add_option("--backend", run_options.backend, "auto|cgroup-v2|cgroup-v1|none")->check(CLI::IsMember(backends));
        run->add_option("--record", run_options.record_path, "also write this run's record as JSON to FILE");
        // Without "--", everything from the first positional on is the hook's command line.
        run->prefix_command();
        run->footer("The hook command follows the options, best after '--': hookwarden run [OPTIONS] -- CMD [ARGS...]");
    }
    if (want("dispatch")) {
        dispatch = app.add_subcommand("dispatch", "run every policy hook matching the event, in parallel, and merge their answers");
        dispatch->add_option("--policy", dispatch_options.policy_path, "policy file (default: discovered)");
        dispatch->add_option("--event", dispatch_options.event, "event name (default: hook_event_name of the input)");
        dispatch->add_option("--backend", dispatch_options.backend, "auto|cgroup-v2|cgroup-v1|none")
            ->check(CLI::IsMember(backends));
        dispatch->add_option("--jobs", dispatch_options.jobs, "hooks supervised at once (default 8)")->check(CLI::Range(1, 256));
        dispatch->add_option("--record", dispatch_options.record_path, "also write the runs' records as a JSON array to FILE");
    }
    if (want("policy")) {
        auto* policy = app.add_subcommand("policy", "validate a policy, or write a starter policy");
        policy->require_subcommand(1);
        policy_check = policy->add_subcommand("check", "validate a policy (default: the discovered one)");
        policy_check->add_option("file", policy_file, "policy file");
        policy_init = policy->add_subcommand("init", "write a starter policy (default .hookwarden/policy.json)");
        policy_init->add_option("file", policy_file, "where to write it");
        policy_init->add_flag("--force", force, "overwrite an existing file");
    }
    if (want("status")) status = app.add_subcommand("status", "breakers and recent health per hook");
    if (want("breaker")) {
        breaker = app.add_subcommand("breaker", "operate a hook's circuit breaker by hand");
        breaker->add_option("action", breaker_action, "reset|open|close|disable")
            ->required()
            ->check(CLI::IsMember({"reset", "open", "close", "disable"}));
        breaker->add_option("hook", breaker_hook, "the hook's name")->required();
    }
    if (want("report")) {
        report = app.add_subcommand("report", "per-hook report from the records");
        report->add_option("--since", report_options.since, "only runs since: 30m, 24h, 7d or an ISO date/time");
        report->add_option("--hook", report_options.hook, "only this hook");
        report->add_option("--event", report_options.event, "only this event");
        report->add_option("--format", report_options.format, "table|json|markdown|html|jsonl")
            ->check(CLI::IsMember({"table", "json", "markdown", "html", "jsonl"}));
        report->add_option("-o,--output", report_options.output, "write to FILE (atomically) instead of stdout");
        report->add_option("--policy", report_options.policy_path, "policy whose budgets are drawn (default: discovered)");
        report->add_flag("--open", report_options.open, "open the HTML report in the browser (xdg-open)");
    }
    if (want("check")) {
        check = app.add_subcommand("check", "CI gate: exit 1 when a hook violates its budgets");
        check->add_option("--since", check_options.since, "only runs since: 30m, 24h, 7d or an ISO date/time");
        check->add_option("--hook", check_options.hook, "only this hook");
        check->add_option("--event", check_options.event, "only this event");
        check->add_option("--junit", check_options.junit, "write JUnit XML to FILE");
        check->add_option("--sarif", check_options.sarif, "write SARIF 2.1.0 to FILE");
        check->add_flag("--github", check_options.github, "GitHub annotations and a step summary");
        check->add_option("--policy", check_options.policy_path, "policy with the budgets (default: discovered)");
    }
    if (want("bench")) {
        bench = app.add_subcommand("bench", "replay event files against the policy's hooks, then report and check");
        bench->add_option("--events", bench_options.events_dir, "directory of event JSON files")->required();
        bench->add_option("--policy", bench_options.policy_path, "policy (default: discovered)");
        bench->add_option("--runs", bench_options.runs, "runs per event and hook")->check(CLI::Range(1, 100000));
        bench->add_option("--concurrency", bench_options.concurrency, "runs at once")->check(CLI::Range(1, 1024));
        bench->add_option("--warmup", bench_options.warmup, "unrecorded runs first")->check(CLI::Range(0, 100000));
        bench->add_option("--format", bench_options.format, "table|json|markdown")
            ->check(CLI::IsMember({"table", "json", "markdown"}));
        bench->add_option("--junit", bench_options.junit, "write JUnit XML to FILE");
        bench->add_option("--sarif", bench_options.sarif, "write SARIF 2.1.0 to FILE");
        bench->add_flag("--github", bench_options.github, "GitHub annotations and a step summary");
        bench->add_option("--backend", bench_options.backend, "auto|cgroup-v2|cgroup-v1|none")->check(CLI::IsMember(backends));
        bench->add_option("--keep-state", bench_options.keep_state, "keep the bench's store in DIR");
    }
    if (want("export")) {
        auto* export_cmd = app.add_subcommand("export", "export metrics");
        export_cmd->require_subcommand(1);
        prometheus = export_cmd->add_subcommand("prometheus", "node_exporter textfile-collector format");
        prometheus->add_option("-o,--output", export_output, "write to FILE (atomically) instead of stdout");
    }
    if (want("install") || want("uninstall")) {
        install = app.add_subcommand("install", "wrap the hooks of an agent's settings file (with a backup)");
        uninstall = app.add_subcommand("uninstall", "restore the hooks that install wrapped");
        for (auto* sub : {install, uninstall}) {
            sub->add_option("--agent", install_options.agent, "agent (claude)")->check(CLI::IsMember({"claude"}));
            sub->add_option("--scope", install_options.scope, "user|project|local (default project)")
                ->check(CLI::IsMember({"user", "project", "local"}));
            sub->add_option("--settings", install_options.settings_path, "settings file (overrides --scope)");
            sub->add_flag("--dry-run", install_options.dry_run, "show the change as a diff; write nothing");
            sub->add_option("--policy", install_options.policy_path, "policy file to write the hooks into");
            sub->add_option("--hookwarden-path", install_options.hookwarden_path, "how settings call hookwarden");
        }
        install->add_flag("--dispatch", install_options.dispatch, "one `hookwarden dispatch` entry per event instead");
    }
    if (want("doctor")) doctor = app.add_subcommand("doctor", "which enforcement is available here, why, and how to get more");

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
    } catch (const CLI::CallForVersion& e) {
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

    if (parsed(run)) {
        run_options.command = run->remaining();
        run_options.command.insert(run_options.command.end(), after_dashes.begin(), after_dashes.end());
        if (run_options.command.empty() && run_options.name.empty()) {
            std::cerr << "hookwarden: run: missing the hook command (hookwarden run [OPTIONS] -- CMD [ARGS...],\n"
                         "or --name NAME of a hook whose command the policy gives)\n";
            return kUsageError;
        }
        if (!run_options.command.empty() && run_options.command.front().size() > 1 &&
            run_options.command.front()[0] == '-') {
            std::cerr << "hookwarden: run: unknown option '" << run_options.command.front()
                      << "' (see 'hookwarden run --help')\n";
            return kUsageError;
        }
        if (!on_failure.empty()) run_options.on_failure = failure_action_from_string(on_failure);
        run_options.process_start = process_start;
        return core::run(run_options);
    }
    if (parsed(dispatch)) {
        dispatch_options.process_start = process_start;
        return core::dispatch(dispatch_options);
    }
    if (parsed(policy_check)) return policy::policy_check(policy_file, std::cout, std::cerr);
    if (parsed(policy_init)) return policy::policy_init(policy_file, force, std::cout, std::cerr);
    if (parsed(status)) return store::status_command(store::default_state_dir(), std::cout, std::cerr);
    if (parsed(breaker))
        return store::breaker_command(store::default_state_dir(), breaker_action, breaker_hook, std::cout, std::cerr);
    if (parsed(report)) return core::report_command(report_options, std::cout, std::cerr);
    if (parsed(check)) return core::check_command(check_options, std::cout, std::cerr);
    if (parsed(bench)) return core::bench_command(bench_options, std::cout, std::cerr);
    if (parsed(prometheus))
        return core::export_prometheus_command(export_output, store::default_state_dir(), std::cout, std::cerr);
    if (parsed(install)) return install::install_command(install_options, std::cout, std::cerr);
    if (parsed(uninstall)) return install::uninstall_command(install_options, std::cout, std::cerr);
    if (parsed(doctor)) return core::doctor(std::cout);
    return kUsageError;
}

}  // namespace hookwarden::cli
