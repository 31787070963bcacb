// One hookwarden subcommand: it declares its own CLI11 options and runs. cli/main.cpp
// holds the table of them and declares only the one on the command line, because the
// binary runs on every tool call of the agent (docs/performance.md).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "hookwarden/exit_code.h"

namespace CLI {
class App;
}  // namespace CLI

namespace hookwarden::cmd {

// What main knows before the command runs.
struct Invocation {
    std::chrono::steady_clock::time_point process_start;  // overhead is measured from here
    std::vector<std::string> after_dashes;                // everything after the first "--", untouched
    std::vector<std::string> argv;                        // the whole command line, argv[0] included
    // The command line's entry (cli::main_at): what a daemon's worker runs for a client.
    int (*main_at)(int argc, char** argv, std::chrono::steady_clock::time_point process_start) = nullptr;
};

// A subcommand declared by declare() counts as chosen once CLI11 parsed it.
bool parsed(const CLI::App* subcommand);

class Command {
public:
    virtual ~Command() = default;
    // Adds the subcommand(s) and their options to `app`; the parsed values land in the
    // command object, which must outlive the parse.
    virtual void declare(CLI::App& app) = 0;
    // Whether the command line chose (one of) its subcommand(s): by default the one
    // subcommand declare() kept in `sub_`.
    virtual bool chosen() const { return parsed(sub_); }
    // The process's exit status.
    virtual int execute(const Invocation& invocation) = 0;

protected:
    CLI::App* sub_ = nullptr;
};

// Every command but the hooks' exits with an ExitCode (docs/commands.md); `run` and `dispatch`
// exit with the hook's, or the merged answer's, code and derive from Command directly.
class ToolCommand : public Command {
public:
    int execute(const Invocation& invocation) final { return to_int(run(invocation)); }

protected:
    virtual ExitCode run(const Invocation& invocation) = 0;
};

using CommandFactory = std::unique_ptr<Command> (*)();

// The factories of cli/main.cpp's table, one per file of src/cmd/.
std::unique_ptr<Command> make_run();
std::unique_ptr<Command> make_dispatch();
std::unique_ptr<Command> make_policy();
std::unique_ptr<Command> make_status();
std::unique_ptr<Command> make_breaker();
std::unique_ptr<Command> make_report();
std::unique_ptr<Command> make_check();
std::unique_ptr<Command> make_bench();
std::unique_ptr<Command> make_export();
std::unique_ptr<Command> make_alerts();
std::unique_ptr<Command> make_install();  // install and uninstall
std::unique_ptr<Command> make_doctor();
std::unique_ptr<Command> make_prune();
std::unique_ptr<Command> make_serve();
std::unique_ptr<Command> make_setup();

// The backends `run`, `dispatch` and `bench` accept.
extern const std::vector<std::string> kBackends;

// `--agent claude|codex|gemini|copilot|cursor` of `run` and `dispatch`; a bad value is a
// usage error naming the accepted ones. The text lands in `target` ("" = detect).
// `what` replaces the help text (report: a filter).
void add_agent_option(CLI::App& subcommand, std::string& target, const char* what = nullptr);

}  // namespace hookwarden::cmd
