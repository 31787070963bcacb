// The command line: the table of hookwarden's commands (README.md lists them) and the
// dispatch over it. Each command declares its options and runs in src/cmd/. Nothing here
// does work a command does not need: `run` is on every tool call of the agent.
#include "cli/main.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <iostream>
#include <optional>
#include <string_view>

#include <CLI/CLI.hpp>

#include "cmd/command.h"
#include "cmd/run_serve.h"
#include "core/run.h"
#include "util/log.h"

namespace hookwarden::cli {

namespace {

struct CommandEntry {
    std::string_view name;
    cmd::CommandFactory make;  // install and uninstall share one: one object declares both
};

// In the order `hookwarden --help` lists them.
constexpr CommandEntry kCommands[] = {
    {"run", cmd::make_run},         {"dispatch", cmd::make_dispatch}, {"policy", cmd::make_policy},
    {"status", cmd::make_status},   {"breaker", cmd::make_breaker},   {"report", cmd::make_report},
    {"check", cmd::make_check},     {"bench", cmd::make_bench},       {"export", cmd::make_export},
    {"install", cmd::make_install}, {"uninstall", cmd::make_install}, {"doctor", cmd::make_doctor},
    {"prune", cmd::make_prune},
    {"alerts", cmd::make_alerts},
    {"serve", cmd::make_serve},     {"setup", cmd::make_setup},
};

// The factory of the first word before "--" that names a command; nullptr when there is
// none (--help, a typo).
cmd::CommandFactory chosen_command(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view word = argv[i];
        if (word == "--") break;
        for (const auto& entry : kCommands)
            if (word == entry.name) return entry.make;
    }
    return nullptr;
}

// Builds only the subcommand that was asked for: declaring every command's options was a
// quarter of the instructions of a whole `run`. With no known subcommand on the line,
// all are declared so that help and errors list them.
std::vector<std::unique_ptr<cmd::Command>> declare_commands(CLI::App& app, cmd::CommandFactory chosen) {
    std::vector<std::unique_ptr<cmd::Command>> commands;
    std::vector<cmd::CommandFactory> declared;
    for (const auto& entry : kCommands) {
        if (chosen != nullptr && entry.make != chosen) continue;
        if (std::find(declared.begin(), declared.end(), entry.make) != declared.end()) continue;
        declared.push_back(entry.make);
        commands.push_back(entry.make());
        commands.back()->declare(app);
    }
    return commands;
}

// Everything after the first "--" is the hook's command line, untouched: its own flags
// must never be parsed as ours. `argc` shrinks to what CLI11 may parse.
std::vector<std::string> split_after_dashes(int& argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::string_view(argv[i]) == "--") {
            std::vector<std::string> rest(argv + i + 1, argv + argc);
            argc = i;
            return rest;
        }
    }
    return {};
}

// `run` and `dispatch` are the agent's hook commands: what they exit with is the hook's
// answer, so even their usage errors are answered for the agent (core/run.h).
bool is_hook_command(cmd::CommandFactory chosen) { return chosen == cmd::make_run || chosen == cmd::make_dispatch; }

int usage_error(cmd::CommandFactory chosen) {
    return is_hook_command(chosen) ? core::usage_error_exit_code() : to_int(ExitCode::usage);
}

// nullopt when parsed; else the exit status of help, version or a usage error (2).
std::optional<int> parse(CLI::App& app, int argc, char** argv) {
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
        return to_int(ExitCode::usage);
    }
    return std::nullopt;
}

struct GlobalOptions {
    std::string log_level, log_file;
};

void declare_globals(CLI::App& app, GlobalOptions& globals) {
    app.set_version_flag("--version", "hookwarden " HOOKWARDEN_VERSION);
    app.require_subcommand(1);
    app.add_option("--log-level", globals.log_level, "trace|debug|info|warn|error|off (default $HOOKWARDEN_LOG or warn)");
    app.add_option("--log-file", globals.log_file, "write diagnostics to this file instead of stderr");
}

constexpr const char* kDescription =
    "hookwarden: runs AI-agent hooks under enforced limits, measures them, and records every run";

}  // namespace

int parse_arguments(int argc, char** argv) {
    CLI::App app{kDescription};
    GlobalOptions globals;
    declare_globals(app, globals);
    const auto commands = declare_commands(app, chosen_command(argc, argv));
    split_after_dashes(argc, argv);
    return parse(app, argc, argv).value_or(-1);
}

// When this process started, as near as it can tell: now, less the CPU time it has used.
// Between the agent's fork and main() the process runs without waiting (the child's
// side of the fork, the kernel's execve and loading of this binary), so its CPU time is
// that span, or a little less if it was preempted; overhead_ms then includes it
// (docs/run.md). The kernel's own start time (/proc/self/stat) counts in 10 ms ticks.
namespace {
std::chrono::steady_clock::time_point start_of_process() {
    const auto now = std::chrono::steady_clock::now();
    timespec cpu{};
    if (::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu) != 0) return now;
    return now - std::chrono::seconds(cpu.tv_sec) - std::chrono::nanoseconds(cpu.tv_nsec);
}
}  // namespace

int main(int argc, char** argv) { return main_at(argc, argv, start_of_process()); }

int main_at(int argc, char** argv, std::chrono::steady_clock::time_point process_start) {
    // CLI11 answers --version by throwing; in a static binary the first exception sorts
    // every unwind table (~3 ms). Health checks call this often: answer it directly.
    if (argc == 2 && std::string_view(argv[1]) == "--version") {
        std::cout << "hookwarden " HOOKWARDEN_VERSION "\n";
        return 0;
    }
    const cmd::CommandFactory chosen = chosen_command(argc, argv);
    if (is_hook_command(chosen))
        if (auto served = cmd::offer_before_parsing(argc, argv, process_start)) return *served;
    CLI::App app{kDescription};
    GlobalOptions globals;
    declare_globals(app, globals);
    const auto commands = declare_commands(app, chosen);

    std::vector<std::string> whole(argv, argv + argc);
    const cmd::Invocation invocation{process_start, split_after_dashes(argc, argv), std::move(whole), &main_at};
    if (auto status = parse(app, argc, argv))
        return *status == to_int(ExitCode::usage) ? usage_error(chosen) : *status;  // help and version: 0
    std::string log_error;
    if (!log::init(globals.log_level, globals.log_file, log_error)) {
        std::cerr << "hookwarden: " << log_error << "\n";
        // A log setting never decides a hook's answer: the hook commands go on, logging
        // warnings to stderr (log::init falls back to that).
        if (!is_hook_command(chosen)) return to_int(ExitCode::usage);
        std::cerr << "hookwarden: going on with warnings logged to stderr\n";
    }
    for (const auto& command : commands)
        if (command->chosen()) return command->execute(invocation);
    return usage_error(chosen);
}

}  // namespace hookwarden::cli
