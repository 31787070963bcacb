#include "cmd/records.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "report/render.h"
#include "store/store.h"
#include "util/fs.h"

namespace hookwarden::cmd {

void add_selection_options(CLI::App& sub, Selection& selection) {
    sub.add_option("--since", selection.since, "only runs since: 30m, 24h, 7d or an ISO date/time");
    sub.add_option("--hook", selection.hook, "only this hook");
    sub.add_option("--event", selection.event, "only this event");
}

Records load_records(const std::string& state_dir, std::int64_t since_ms, const std::string& hook,
                     const std::string& event, std::ostream& err, bool with_aggregates) {
    Records result;
    const std::string dir = state_dir.empty() ? store::default_state_dir() : state_dir;
    struct stat st{};
    if (::stat((dir + "/" + store::kDatabaseName).c_str(), &st) != 0) return result;
    std::string error;
    auto s = store::Store::open(dir, error);
    if (!s) {
        err << "hookwarden: cannot open the run store in '" << dir << "': " << error << "\n";
        result.ok = false;
        return result;
    }
    if (!error.empty()) err << "hookwarden: note: " << error << "\n";
    std::string read_error;
    result.records = s->records(since_ms > 0 ? std::optional<std::int64_t>(since_ms) : std::nullopt,
                                hook.empty() ? std::nullopt : std::optional<std::string>(hook),
                                event.empty() ? std::nullopt : std::optional<std::string>(event), 0, &read_error);
    if (read_error.empty() && with_aggregates)
        result.aggregates = s->aggregates(since_ms > 0 ? std::optional<std::int64_t>(since_ms) : std::nullopt,
                                          hook.empty() ? std::nullopt : std::optional<std::string>(hook),
                                          event.empty() ? std::nullopt : std::optional<std::string>(event), &read_error);
    if (!read_error.empty()) {
        err << "hookwarden: cannot read the run store in '" << dir << "': " << read_error << "\n";
        result.ok = false;
    }
    return result;
}

LoadedPolicy load_policy(const std::string& explicit_path) {
    LoadedPolicy loaded;
    auto path = policy::discover(explicit_path);
    if (!path) return loaded;
    loaded.path = *path;
    auto result = policy::load_file(*path);
    if (result.policy) {
        loaded.policy = std::move(result.policy);
    } else {
        for (const auto& d : result.errors) loaded.errors.push_back(d.to_string());
        if (loaded.errors.empty()) loaded.errors.push_back(*path + ": invalid policy");
    }
    return loaded;
}

const policy::Policy* policy_or_defaults(const LoadedPolicy& loaded) {
    return loaded.policy ? &*loaded.policy : nullptr;
}

std::optional<std::string> render(const std::string& format, const report::Report& rep,
                                  const std::vector<RunRecord>& records,
                                  const std::vector<report::HookBudget>& budgets) {
    if (format == "table") return report::render_table(rep);
    if (format == "json") return report::render_json(rep);
    if (format == "markdown") return report::render_markdown(rep);
    if (format == "html") return report::render_html(rep, records, budgets);
    if (format == "jsonl") return report::render_jsonl(records);
    return std::nullopt;
}

bool known_format(const std::string& format) {
    return format == "table" || format == "json" || format == "markdown" || format == "html" || format == "jsonl";
}

bool emit(const std::string& path, const std::string& content, std::ostream& out, std::ostream& err) {
    if (path.empty() || path == "-") {
        out << content;
        out.flush();
        return static_cast<bool>(out);
    }
    std::string error = report::write_output(path, content);
    if (!error.empty()) {
        err << "hookwarden: " << error << "\n";
        return false;
    }
    return true;
}

namespace {

std::string append_file(const std::string& path, const std::string& content) {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return "cannot open '" + path + "': " + std::strerror(errno);
    if (int e = fs::write_all(fd, content); e != 0) {
        ::close(fd);
        return "cannot write '" + path + "': " + std::strerror(e);
    }
    ::close(fd);
    return "";
}

void print_verdict(const report::Report& rep, const std::vector<report::HookBudget>& budgets,
                   const std::vector<report::Violation>& violations, std::ostream& out) {
    std::set<std::string> failing_hooks;
    for (const auto& v : violations) {
        failing_hooks.insert(v.hook);
        out << "  FAIL [" << v.budget << "] " << v.message << "\n";
    }
    std::size_t judged = 0;
    for (const auto& h : rep.hooks)
        if (std::any_of(budgets.begin(), budgets.end(), [&](const auto& b) { return b.hook == h.hook; })) ++judged;
    if (violations.empty())
        out << fmt::format("PASSED: no budget violated ({} run{} of {} hook{})\n", rep.total_runs,
                           rep.total_runs == 1 ? "" : "s", judged, judged == 1 ? "" : "s");
    else
        out << fmt::format("FAILED: {} budget violation{} in {} of {} hook{} ({} runs)\n", violations.size(),
                           violations.size() == 1 ? "" : "s", failing_hooks.size(), judged,
                           judged == 1 ? "" : "s", rep.total_runs);
    out.flush();
}

// The GitHub workflow commands on stdout, and the step summary; false when the summary
// could not be written.
bool write_github(const report::Report& rep, const std::vector<report::Violation>& violations,
                  std::ostream& stdout_stream, std::ostream& err) {
    stdout_stream << report::render_github(violations);
    stdout_stream.flush();
    const char* summary = std::getenv("GITHUB_STEP_SUMMARY");
    if (!summary || !*summary) return true;
    std::string error = append_file(summary, report::render_github_summary(rep, violations));
    if (error.empty()) return true;
    err << "hookwarden: $GITHUB_STEP_SUMMARY: " << error << "\n";
    return false;
}

}  // namespace

ExitCode gate(const report::Report& rep, const std::vector<report::HookBudget>& budgets, const GateOptions& options,
              std::ostream& out, std::ostream& stdout_stream, std::ostream& err) {
    const auto violations = report::check(rep, budgets);
    print_verdict(rep, budgets, violations, out);
    bool write_failed = false;
    if (!options.junit.empty() && !emit(options.junit, report::render_junit(rep, budgets, violations), out, err))
        write_failed = true;
    if (!options.sarif.empty() && !emit(options.sarif, report::render_sarif(rep, budgets, violations), out, err))
        write_failed = true;
    if (options.github && !write_github(rep, violations, stdout_stream, err)) write_failed = true;
    if (write_failed) return ExitCode::usage;
    return violations.empty() ? ExitCode::ok : ExitCode::violation;
}

}  // namespace hookwarden::cmd
