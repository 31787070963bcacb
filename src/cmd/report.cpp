// `hookwarden report`: the per-hook report of the records, in five formats.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "cmd/command.h"
#include "cmd/records.h"
#include "report/budgets.h"
#include "report/since.h"
#include "util/fs.h"

namespace hookwarden::cmd {

namespace {

struct ReportOptions : Selection {
    std::string format = "table";  // table|json|markdown|html|jsonl
    std::string output;            // "" or "-" = stdout
    std::string policy_path;       // budgets come from here ("" = discovered)
    bool open = false;             // --open: hand the HTML file to xdg-open (a temporary file without -o)
    std::string agent;             // --agent: only that agent's runs ("" = all)
};

// --agent NAME: the runs of one agent (validated by the option, so the name is known).
void keep_agent(std::vector<RunRecord>& records, const std::string& agent) {
    if (agent.empty()) return;
    std::erase_if(records, [&](const RunRecord& r) { return to_string(r.agent) != agent; });
}

// Where `report` writes: -o FILE, else stdout; `--open` without -o writes a temporary
// file, since a browser cannot open stdout. "" with --open: no file could be made (said on `err`).
std::string report_destination(const ReportOptions& options, std::ostream& err) {
    if (!options.open || (!options.output.empty() && options.output != "-")) return options.output;
    std::string pattern = (std::filesystem::temp_directory_path() / "hookwarden-report-XXXXXX.html").string();
    int fd = ::mkstemps(pattern.data(), 5);
    if (fd < 0) {
        err << "hookwarden: report: cannot create a file for --open in " << std::filesystem::temp_directory_path()
            << ": " << std::strerror(errno) << "\n";
        return "";
    }
    ::close(fd);
    return pattern;
}

// Says on stderr where the report went (stdout stays the report's, or empty), and with
// --open hands it to the desktop's browser through xdg-open.
bool announce_report(const std::string& path, bool open, std::ostream& err) {
    if (path.empty() || path == "-") return true;
    std::error_code ec;
    const std::string shown = std::filesystem::absolute(path, ec).string();
    err << "hookwarden: report written to " << (ec ? path : shown) << "\n";
    if (!open) return true;
    pid_t pid = ::fork();
    if (pid == 0) {
        ::execlp("xdg-open", "xdg-open", (ec ? path : shown).c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        err << "hookwarden: report: xdg-open could not open it"
            << (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 127 ? " (xdg-open not found; install xdg-utils)" : "")
            << "; open the file above in a browser\n";
        return false;
    }
    return true;
}

// Budgets only shape the HTML report: a broken policy must not cost the user the report.
LoadedPolicy policy_for_html(const ReportOptions& options, std::ostream& err) {
    LoadedPolicy pol;
    if (options.format != "html") return pol;
    pol = load_policy(options.policy_path);
    if (!pol.errors.empty()) {
        err << "hookwarden: report: note: the policy '" << pol.path
            << "' is not usable; budgets drawn from the built-in defaults:\n";
        for (const auto& e : pol.errors) err << "  " << e << "\n";
    }
    return pol;
}

ExitCode report_command(const ReportOptions& options, std::ostream& out, std::ostream& err) {
    if (!known_format(options.format)) {
        err << "hookwarden: report: unknown format '" << options.format
            << "' (expected table, json, markdown, html or jsonl)\n";
        return ExitCode::usage;
    }
    if (options.open && options.format != "html") {
        err << "hookwarden: report: --open needs --format html (a browser shows the HTML viewer)\n";
        return ExitCode::usage;
    }
    std::string error;
    auto since_ms = report::parse_since(options.since, fs::now_unix_ms(), error);
    if (!since_ms) {
        err << "hookwarden: report: " << error << "\n";
        return ExitCode::usage;
    }
    auto loaded = load_records("", *since_ms, options.hook, options.event, err, true);
    if (!loaded.ok) return ExitCode::usage;
    keep_agent(loaded.records, options.agent);
    if (!options.agent.empty() && !loaded.aggregates.empty()) {
        // Aggregates are kept per hook and event, not per agent: none can be attributed.
        err << "hookwarden: report: --agent leaves out the " << loaded.aggregates.size()
            << " hourly/daily aggregates of older runs (they do not record the agent)\n";
        loaded.aggregates.clear();
    }
    const LoadedPolicy pol = policy_for_html(options, err);
    const auto rep = report::build(loaded.records, *since_ms, loaded.aggregates);
    const auto budgets = report::budgets_for(policy_or_defaults(pol), loaded.records, options.hook, options.event);
    if (loaded.records.empty() && loaded.aggregates.empty()) err << "hookwarden: report: no runs recorded" << (*since_ms ? " in that period" : "") << "\n";
    const std::string output = report_destination(options, err);
    if (output.empty() && options.open) return ExitCode::usage;
    if (!emit(output, *render(options.format, rep, loaded.records, budgets), out, err)) return ExitCode::usage;
    return announce_report(output, options.open, err) ? ExitCode::ok : ExitCode::usage;
}

class ReportCommand final : public ToolCommand {
public:
    void declare(CLI::App& app) override {
        sub_ = app.add_subcommand("report", "per-hook report from the records");
        add_selection_options(*sub_, options_);
        sub_->add_option("--format", options_.format, "table|json|markdown|html|jsonl")
            ->check(CLI::IsMember({"table", "json", "markdown", "html", "jsonl"}));
        sub_->add_option("-o,--output", options_.output, "write to FILE (atomically) instead of stdout");
        sub_->add_option("--policy", options_.policy_path, "policy whose budgets are drawn (default: discovered)");
        sub_->add_flag("--open", options_.open, "open the HTML report in the browser (xdg-open)");
        add_agent_option(*sub_, options_.agent, "only the runs of this agent: claude|codex|gemini|copilot|cursor");
    }

protected:
    ExitCode run(const Invocation&) override { return report_command(options_, std::cout, std::cerr); }

private:
    ReportOptions options_;
};

}  // namespace

std::unique_ptr<Command> make_report() { return std::make_unique<ReportCommand>(); }

}  // namespace hookwarden::cmd
