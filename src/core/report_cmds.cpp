#include "core/report_cmds.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <set>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>

#include "policy/policy.h"
#include "agents/claude/protocol.h"
#include "report/gate.h"
#include "report/render.h"
#include "report/stats.h"
#include "store/store.h"
#include "util/fs.h"

extern char** environ;

namespace hookwarden::core {

namespace {

constexpr int kClean = 0;
constexpr int kViolated = 1;
constexpr int kUsageError = 2;

bool all_digits(const std::string& text, std::size_t from, std::size_t to) {
    if (from >= to || to > text.size()) return false;
    for (std::size_t i = from; i < to; ++i)
        if (text[i] < '0' || text[i] > '9') return false;
    return true;
}

int number_at(const std::string& text, std::size_t from, std::size_t length) {
    return std::atoi(text.substr(from, length).c_str());
}

// "2025-01-31", "2025-01-31T14:05", "2025-01-31 14:05:09", with optional ".fff" and a zone
// ("Z", "+02:00", "+0200", "-05"). Without a zone the time is local time, as `date` prints it.
std::optional<std::int64_t> parse_iso(const std::string& text) {
    if (text.size() < 10 || !all_digits(text, 0, 4) || text[4] != '-' || !all_digits(text, 5, 7) || text[7] != '-' ||
        !all_digits(text, 8, 10))
        return std::nullopt;
    std::tm tm{};
    tm.tm_year = number_at(text, 0, 4) - 1900;
    tm.tm_mon = number_at(text, 5, 2) - 1;
    tm.tm_mday = number_at(text, 8, 2);
    std::size_t pos = 10;
    if (pos < text.size() && (text[pos] == 'T' || text[pos] == 't' || text[pos] == ' ')) {
        ++pos;
        if (!all_digits(text, pos, pos + 2) || pos + 2 >= text.size() || text[pos + 2] != ':' ||
            !all_digits(text, pos + 3, pos + 5))
            return std::nullopt;
        tm.tm_hour = number_at(text, pos, 2);
        tm.tm_min = number_at(text, pos + 3, 2);
        pos += 5;
        if (pos < text.size() && text[pos] == ':') {
            if (!all_digits(text, pos + 1, pos + 3)) return std::nullopt;
            tm.tm_sec = number_at(text, pos + 1, 2);
            pos += 3;
            if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
                std::size_t end = pos + 1;
                while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
                if (end == pos + 1) return std::nullopt;
                pos = end;  // fractions of a second are dropped: --since is not that precise
            }
        }
    }
    if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
        tm.tm_sec > 60)
        return std::nullopt;

    bool zoned = false;
    long offset_s = 0;
    if (pos < text.size()) {
        std::string zone = text.substr(pos);
        if (zone == "Z" || zone == "z") {
            zoned = true;
        } else if (zone[0] == '+' || zone[0] == '-') {
            std::string digits;
            for (std::size_t i = 1; i < zone.size(); ++i) {
                if (zone[i] == ':' && i == 3) continue;
                if (zone[i] < '0' || zone[i] > '9') return std::nullopt;
                digits += zone[i];
            }
            if (digits.size() != 2 && digits.size() != 4) return std::nullopt;
            int hours = std::atoi(digits.substr(0, 2).c_str());
            int minutes = digits.size() == 4 ? std::atoi(digits.substr(2).c_str()) : 0;
            if (hours > 23 || minutes > 59) return std::nullopt;
            offset_s = (hours * 3600L + minutes * 60L) * (zone[0] == '-' ? -1 : 1);
            zoned = true;
        } else {
            return std::nullopt;
        }
    }

    const std::tm wanted = tm;
    std::time_t seconds;
    if (zoned) {
        seconds = ::timegm(&tm);
        if (seconds == static_cast<std::time_t>(-1) && errno == EOVERFLOW) return std::nullopt;
        seconds -= offset_s;
    } else {
        tm.tm_isdst = -1;
        seconds = std::mktime(&tm);
    }
    // mktime/timegm normalise 2025-02-30 into March: such a date was not a real one.
    if (tm.tm_mday != wanted.tm_mday || tm.tm_mon != wanted.tm_mon || tm.tm_year != wanted.tm_year)
        return std::nullopt;
    return static_cast<std::int64_t>(seconds) * 1000;
}

}  // namespace

std::optional<std::int64_t> parse_since(const std::string& text, std::int64_t now_ms, std::string& error) {
    if (text.empty()) return 0;
    const char unit = text.back();
    if (text.size() >= 2 && all_digits(text, 0, text.size() - 1) &&
        (unit == 's' || unit == 'm' || unit == 'h' || unit == 'd' || unit == 'w')) {
        if (text.size() > 10) {
            error = "--since '" + text + "': duration too large";
            return std::nullopt;
        }
        const std::int64_t amount = std::atoll(text.substr(0, text.size() - 1).c_str());
        const std::int64_t unit_ms = unit == 's'   ? 1000LL
                                     : unit == 'm' ? 60'000LL
                                     : unit == 'h' ? 3'600'000LL
                                     : unit == 'd' ? 86'400'000LL
                                                   : 7 * 86'400'000LL;
        return std::max<std::int64_t>(0, now_ms - amount * unit_ms);
    }
    if (auto at = parse_iso(text)) return std::max<std::int64_t>(0, *at);
    error = "--since '" + text +
            "': expected a duration (30m, 24h, 7d; units s, m, h, d, w) or an ISO-8601 date or date-time "
            "(2025-01-31, 2025-01-31T14:00, 2025-01-31T14:00:00Z, 2025-01-31T14:00+02:00)";
    return std::nullopt;
}

namespace {

struct Records {
    bool ok = true;
    std::vector<RunRecord> records;
};

// The records of the store in `state_dir`. A store that was never created holds no runs:
// reading reports must not create one as a side effect.
Records load_records(const std::string& state_dir, std::int64_t since_ms, const std::string& hook,
                     const std::string& event, std::ostream& err) {
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
    if (!read_error.empty()) {
        err << "hookwarden: cannot read the run store in '" << dir << "': " << read_error << "\n";
        result.ok = false;
    }
    return result;
}

struct LoadedPolicy {
    std::optional<policy::Policy> policy;  // nullopt: built-in defaults
    std::string path;                      // the file named or discovered ("" none)
    std::vector<std::string> errors;       // diagnostics when the file was unusable
};

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

// One budget per hook: every hook in the records, and every hook of the policy that the
// filters select (a policy hook without runs shows as skipped in JUnit). A hook of the
// policy is judged under its entry's event; a hook the policy does not know, under the
// event it ran for most often. The timeout is the one in force in the hook's latest record
// (so a `run --timeout` override counts), and a p95 budget no policy layer sets is half of it.
std::vector<report::HookBudget> budgets_for(const policy::Policy* pol, const std::vector<RunRecord>& records,
                                            const std::string& hook_filter, const std::string& event_filter) {
    std::map<std::string, std::map<std::string, std::size_t>> events_of;  // hook -> event -> runs
    std::map<std::string, std::int64_t> timeout_of;                       // hook -> latest timeout in force
    for (const auto& r : records) {
        ++events_of[r.hook][r.event];
        timeout_of[r.hook] = r.limits.timeout_ms;
    }
    if (pol) {
        for (const auto& entry : pol->hooks) {
            if (!hook_filter.empty() && entry.name != hook_filter) continue;
            if (!event_filter.empty() && entry.event != event_filter) continue;
            events_of[entry.name];
        }
    }
    std::vector<report::HookBudget> budgets;
    for (const auto& [hook, events] : events_of) {
        const policy::HookEntry* entry = pol ? policy::find_hook(*pol, hook) : nullptr;
        std::string event;
        if (entry) {
            event = entry->event;
        } else {
            std::size_t most = 0;
            for (const auto& [name, count] : events)
                if (count > most) most = count, event = name;
        }
        // The timeout the runs actually had (a `run --timeout` overrides the policy) is the
        // one a default p95 budget is half of, as it was when the runs were supervised.
        LimitOverrides in_force;
        if (auto it = timeout_of.find(hook); it != timeout_of.end() && it->second > 0) in_force.timeout_ms = it->second;
        auto resolved = policy::resolve(pol, hook, event, in_force);
        report::HookBudget b;
        b.hook = hook;
        b.event = event;
        b.budgets = resolved.budgets;
        b.timeout_ms = resolved.limits.timeout_ms;
        if (pol) b.policy_file = pol->path;
        if (entry) {
            b.line = entry->line;
            b.column = entry->column;
        }
        budgets.push_back(std::move(b));
    }
    return budgets;
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

// stdout goes through `out` (so callers and tests can capture it); files are written atomically.
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

struct GateOptions {
    std::string junit, sarif;
    bool github = false;
};

// The gate shared by `check` and `bench`: violations, the human summary on `out`, the
// CI files. 0 clean, 1 violated, 2 when a requested output could not be written.
// `out` gets the summary; `stdout_stream` the GitHub workflow commands, which the runner reads
// from stdout.
int gate(const report::Report& rep, const std::vector<report::HookBudget>& budgets, const GateOptions& options,
         std::ostream& out, std::ostream& stdout_stream, std::ostream& err) {
    const auto violations = report::check(rep, budgets);
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

    bool write_failed = false;
    if (!options.junit.empty() && !emit(options.junit, report::render_junit(rep, budgets, violations), out, err))
        write_failed = true;
    if (!options.sarif.empty() && !emit(options.sarif, report::render_sarif(rep, budgets, violations), out, err))
        write_failed = true;
    if (options.github) {
        stdout_stream << report::render_github(violations);
        stdout_stream.flush();
        if (const char* summary = std::getenv("GITHUB_STEP_SUMMARY"); summary && *summary) {
            std::string error = append_file(summary, report::render_github_summary(rep, violations));
            if (!error.empty()) {
                err << "hookwarden: $GITHUB_STEP_SUMMARY: " << error << "\n";
                write_failed = true;
            }
        }
    }
    if (write_failed) return kUsageError;
    return violations.empty() ? kClean : kViolated;
}

bool known_format(const std::string& format) {
    return format == "table" || format == "json" || format == "markdown" || format == "html" || format == "jsonl";
}

}  // namespace

namespace {

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

}  // namespace

int report_command(const ReportOptions& options, std::ostream& out, std::ostream& err) {
    if (!known_format(options.format)) {
        err << "hookwarden: report: unknown format '" << options.format
            << "' (expected table, json, markdown, html or jsonl)\n";
        return kUsageError;
    }
    if (options.open && options.format != "html") {
        err << "hookwarden: report: --open needs --format html (a browser shows the HTML viewer)\n";
        return kUsageError;
    }
    std::string error;
    auto since_ms = parse_since(options.since, fs::now_unix_ms(), error);
    if (!since_ms) {
        err << "hookwarden: report: " << error << "\n";
        return kUsageError;
    }
    auto loaded = load_records(options.state_dir, *since_ms, options.hook, options.event, err);
    if (!loaded.ok) return kUsageError;

    // Budgets only shape the HTML report: a broken policy must not cost the user the report.
    LoadedPolicy pol;
    if (options.format == "html") {
        pol = load_policy(options.policy_path);
        if (!pol.errors.empty()) {
            err << "hookwarden: report: note: the policy '" << pol.path
                << "' is not usable; budgets drawn from the built-in defaults:\n";
            for (const auto& e : pol.errors) err << "  " << e << "\n";
        }
    }
    const auto rep = report::build(loaded.records, *since_ms);
    const auto budgets =
        budgets_for(pol.policy ? &*pol.policy : nullptr, loaded.records, options.hook, options.event);
    if (loaded.records.empty()) err << "hookwarden: report: no runs recorded" << (*since_ms ? " in that period" : "") << "\n";
    const std::string output = report_destination(options, err);
    if (output.empty() && options.open) return kUsageError;
    if (!emit(output, *render(options.format, rep, loaded.records, budgets), out, err)) return kUsageError;
    return announce_report(output, options.open, err) ? kClean : kUsageError;
}

int check_command(const CheckOptions& options, std::ostream& out, std::ostream& err) {
    std::string error;
    auto since_ms = parse_since(options.since, fs::now_unix_ms(), error);
    if (!since_ms) {
        err << "hookwarden: check: " << error << "\n";
        return kUsageError;
    }
    // SPEC §5: a policy that fails validation makes `check` fail, never pass on defaults.
    auto pol = load_policy(options.policy_path);
    if (!pol.errors.empty()) {
        err << "hookwarden: check: the policy '" << pol.path << "' is not usable:\n";
        for (const auto& e : pol.errors) err << "  " << e << "\n";
        return kUsageError;
    }
    auto loaded = load_records(options.state_dir, *since_ms, options.hook, options.event, err);
    if (!loaded.ok) return kUsageError;

    const auto rep = report::build(loaded.records, *since_ms);
    const auto budgets =
        budgets_for(pol.policy ? &*pol.policy : nullptr, loaded.records, options.hook, options.event);
    out << "hookwarden check: " << rep.total_runs << " run" << (rep.total_runs == 1 ? "" : "s") << " of "
        << rep.hooks.size() << " hook" << (rep.hooks.size() == 1 ? "" : "s") << ", budgets from "
        << (pol.policy ? "'" + pol.path + "'" : std::string("the built-in defaults (no policy file found)")) << "\n";
    if (loaded.records.empty()) {
        // Nothing to judge is not a failure: a gate must not break CI before the first run.
        out << "no runs recorded" << (*since_ms ? " in that period" : "") << ": nothing to check\n";
    }
    return gate(rep, budgets, GateOptions{options.junit, options.sarif, options.github}, out, out, err);
}

namespace {

struct BenchJob {
    std::string event_file;
    std::string hook;
    std::vector<std::string> command;  // the policy's command for the hook
};

struct TempDir {
    std::string path;
    bool keep = false;
    ~TempDir() {
        if (!path.empty() && !keep) {
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    }
};

std::string make_temp_dir(const std::string& tag, std::string& error) {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/hookwarden-" + tag + "-XXXXXX";
    if (!::mkdtemp(templ.data())) {
        error = "cannot create a temporary directory '" + templ + "': " + std::strerror(errno);
        return "";
    }
    return templ;
}

// Runs every job `rounds` times through `hookwarden run`, at most `concurrency` at once.
// Returns how many supervisor processes did not exit normally (killed by a signal, or exec failed).
std::size_t run_jobs(const std::vector<BenchJob>& jobs, int rounds, int concurrency, const std::string& state_dir,
                     const std::string& policy_path, const std::string& backend, std::ostream& err) {
    // Everything the child needs is built before fork: only async-signal-safe calls after it.
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e)
        if (std::strncmp(*e, "HOOKWARDEN_STATE_DIR=", 21) != 0) env.emplace_back(*e);
    env.push_back("HOOKWARDEN_STATE_DIR=" + state_dir);
    std::vector<char*> cenv;
    for (auto& e : env) cenv.push_back(e.data());
    cenv.push_back(nullptr);

    struct Prepared {
        std::vector<std::string> argv;
        std::vector<char*> cargv;
        std::string event_file;
    };
    std::vector<Prepared> prepared(jobs.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        // The policy's command is passed after "--" although `run --name` alone would look it
        // up: the same run either way, without depending on that lookup.
        prepared[i].argv = {"hookwarden", "run", "--name", jobs[i].hook, "--policy", policy_path, "--backend", backend,
                            "--"};
        prepared[i].argv.insert(prepared[i].argv.end(), jobs[i].command.begin(), jobs[i].command.end());
        for (auto& a : prepared[i].argv) prepared[i].cargv.push_back(a.data());
        prepared[i].cargv.push_back(nullptr);
        prepared[i].event_file = jobs[i].event_file;
    }
    // The binary by its real path, not "/proc/self/exe": the kernel names a process after
    // the file exec'd (comm "exe" otherwise), and the sandbox tells a live supervisor from a
    // reused pid by a comm starting with "hookwarden" — its stale-cgroup sweep would kill
    // runs whose supervisor is called "exe".
    std::string self = "/proc/self/exe";
    {
        char buffer[4096];
        ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
        if (n > 0) self.assign(buffer, static_cast<std::size_t>(n));
    }
    const char* self_path = self.c_str();

    std::size_t abnormal = 0;
    std::set<pid_t> running;
    auto reap_one = [&] {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == ECHILD) running.clear();
            return;
        }
        if (running.erase(pid) == 0) return;  // not one of ours
        if (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 127)) ++abnormal;
    };
    for (int round = 0; round < rounds; ++round) {
        for (auto& p : prepared) {
            while (static_cast<int>(running.size()) >= concurrency) reap_one();
            pid_t pid = ::fork();
            if (pid < 0) {
                err << "hookwarden: bench: fork: " << std::strerror(errno) << "\n";
                ++abnormal;
                continue;
            }
            if (pid == 0) {
                int in = ::open(p.event_file.c_str(), O_RDONLY);
                int null = ::open("/dev/null", O_WRONLY);
                if (in < 0 || null < 0) ::_exit(127);
                ::dup2(in, 0);
                ::dup2(null, 1);
                ::dup2(null, 2);
                if (in > 2) ::close(in);
                if (null > 2) ::close(null);
                ::execve(self_path, p.cargv.data(), cenv.data());
                ::_exit(127);
            }
            running.insert(pid);
        }
    }
    while (!running.empty()) reap_one();
    return abnormal;
}

}  // namespace

int bench_command(const BenchOptions& options, std::ostream& out, std::ostream& err) {
    if (options.runs < 1 || options.concurrency < 1 || options.warmup < 0) {
        err << "hookwarden: bench: --runs and --concurrency must be at least 1, --warmup at least 0\n";
        return kUsageError;
    }
    if (!known_format(options.format)) {
        err << "hookwarden: bench: unknown format '" << options.format << "' (expected table, json or markdown)\n";
        return kUsageError;
    }
    auto pol = load_policy(options.policy_path);
    if (!pol.errors.empty()) {
        err << "hookwarden: bench: the policy '" << pol.path << "' is not usable:\n";
        for (const auto& e : pol.errors) err << "  " << e << "\n";
        return kUsageError;
    }
    if (!pol.policy || pol.policy->hooks.empty()) {
        err << "hookwarden: bench: " << (pol.policy ? "the policy '" + pol.path + "' declares" : std::string("no policy file found, so there are"))
            << " no hooks to run (give one with --policy)\n";
        return kUsageError;
    }

    // The events: every *.json file of the directory, in name order.
    std::vector<std::string> files;
    {
        DIR* dir = ::opendir(options.events_dir.c_str());
        if (!dir) {
            err << "hookwarden: bench: cannot read the events directory '" << options.events_dir
                << "': " << std::strerror(errno) << "\n";
            return kUsageError;
        }
        while (dirent* entry = ::readdir(dir)) {
            std::string name = entry->d_name;
            if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0) files.push_back(name);
        }
        ::closedir(dir);
        std::sort(files.begin(), files.end());
    }
    if (files.empty()) {
        err << "hookwarden: bench: no *.json event files in '" << options.events_dir << "'\n";
        return kUsageError;
    }

    std::vector<BenchJob> jobs;
    std::set<std::string> hooks_run, events_used;
    for (const auto& name : files) {
        const std::string path = options.events_dir + "/" + name;
        auto bytes = fs::read_file(path);
        if (!bytes) {
            err << "hookwarden: bench: cannot read '" << path << "': " << std::strerror(errno) << "\n";
            return kUsageError;
        }
        auto info = agents::claude::parse_event(*bytes);
        if (!info.is_json || info.event.empty()) {
            err << "hookwarden: bench: '" << path << "' is not a hook event (a JSON object with hook_event_name)"
                << (info.parse_error.empty() ? "" : ": " + info.parse_error) << "\n";
            return kUsageError;
        }
        for (const auto* hook : policy::hooks_for_event(*pol.policy, info.event)) {
            if (agents::claude::matcher_applies(info.event) && !agents::claude::matcher_matches(hook->matcher, info.matcher_target))
                continue;
            jobs.push_back({path, hook->name, hook->command});
            hooks_run.insert(hook->name);
            events_used.insert(name);
        }
    }
    if (jobs.empty()) {
        err << "hookwarden: bench: no hook of '" << pol.path << "' matches any event in '" << options.events_dir
            << "'\n";
        return kUsageError;
    }

    std::string error;
    TempDir state;
    if (options.keep_state.empty()) {
        state.path = make_temp_dir("bench", error);
    } else {
        state.path = options.keep_state;
        state.keep = true;
        std::error_code ec;
        std::filesystem::create_directories(state.path, ec);
        if (ec) error = "cannot create '" + state.path + "': " + ec.message();
    }
    if (!error.empty()) {
        err << "hookwarden: bench: " << error << "\n";
        return kUsageError;
    }

    const auto started = std::chrono::steady_clock::now();
    std::size_t abnormal = 0;
    if (options.warmup > 0) {
        // Warmup runs go to their own store: they must neither count nor move breakers.
        TempDir warm;
        warm.path = make_temp_dir("warmup", error);
        if (warm.path.empty()) {
            err << "hookwarden: bench: " << error << "\n";
            return kUsageError;
        }
        abnormal += run_jobs(jobs, options.warmup, options.concurrency, warm.path, pol.path, options.backend, err);
    }
    // A kept state dir may hold earlier runs: only this bench's runs are judged.
    const std::int64_t since_ms = fs::now_unix_ms();
    abnormal += run_jobs(jobs, options.runs, options.concurrency, state.path, pol.path, options.backend, err);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    auto loaded = load_records(state.path, since_ms, "", "", err);
    if (!loaded.ok) return kUsageError;
    const std::size_t expected = jobs.size() * static_cast<std::size_t>(options.runs);

    // Human text goes with the report on stdout for table/markdown; with a machine format
    // on stdout it goes to stderr so that stdout stays parseable.
    const bool human = options.format == "table" || options.format == "markdown";
    std::ostream& talk = human ? out : err;

    const auto rep = report::build(loaded.records, since_ms);
    const auto budgets = budgets_for(&*pol.policy, loaded.records, "", "");
    if (!emit("", *render(options.format, rep, loaded.records, budgets), out, err)) return kUsageError;
    if (human) out << "\n";
    talk << fmt::format("bench: {} runs executed ({} hook{} x {} event file{}, {} run{} each, {} warmup, "
                        "concurrency {}, backend {}) in {:.1f} s; {} recorded{}\n",
                        expected, hooks_run.size(), hooks_run.size() == 1 ? "" : "s", events_used.size(),
                        events_used.size() == 1 ? "" : "s", options.runs, options.runs == 1 ? "" : "s",
                        options.warmup, options.concurrency, options.backend, seconds, loaded.records.size(),
                        options.keep_state.empty() ? "" : " in '" + state.path + "'");
    if (abnormal > 0)
        err << "hookwarden: bench: " << abnormal << " supervisor process" << (abnormal == 1 ? "" : "es")
            << " did not exit normally (killed, or exec failed)\n";
    if (loaded.records.size() < expected)
        err << "hookwarden: bench: " << expected - loaded.records.size() << " of " << expected
            << " runs left no record (see the run store's errors above)\n";
    if (loaded.records.empty()) {
        err << "hookwarden: bench: no run was recorded: nothing to check\n";
        return kUsageError;
    }
    talk << "hookwarden check: budgets from '" << pol.path << "'\n";
    return gate(rep, budgets, GateOptions{options.junit, options.sarif, options.github}, talk, out, err);
}

int export_prometheus_command(const std::string& output, const std::string& state_dir, std::ostream& out,
                              std::ostream& err) {
    auto loaded = load_records(state_dir, 0, "", "", err);
    if (!loaded.ok) return kUsageError;
    const auto rep = report::build(loaded.records);
    return emit(output, report::render_prometheus(rep, loaded.records), out, err) ? kClean : kUsageError;
}

}  // namespace hookwarden::core
