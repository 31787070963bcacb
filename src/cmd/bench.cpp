// `hookwarden bench`: replays event files against the policy's hooks into a fresh store,
// then reports and gates the runs like `report` and `check` (docs/reports.md).
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <filesystem>
#include <iostream>
#include <set>
#include <unistd.h>

#include <fmt/format.h>

#include "cmd/bench_pool.h"
#include <CLI/CLI.hpp>

#include "cmd/command.h"
#include "cmd/records.h"
#include "agents/claude/protocol.h"
#include "report/budgets.h"
#include "util/fs.h"

extern char** environ;

namespace hookwarden::cmd {

namespace {

struct BenchOptions {
    std::string events_dir;
    std::string policy_path;
    int runs = 1;
    int concurrency = 1;
    int warmup = 0;
    std::string format = "table";
    GateOptions gate;
    std::string backend = "auto";
    std::string keep_state;  // "" = a fresh temporary store, removed afterwards
};

// A bench's own failure: said on stderr, exit 2.
struct BenchError {
    std::string message;
};

struct BenchPlan {
    std::vector<PoolJob> jobs;
    std::set<std::string> hooks_run, events_used;
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

std::string make_temp_dir(const std::string& tag) {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/hookwarden-" + tag + "-XXXXXX";
    if (!::mkdtemp(templ.data()))
        throw BenchError{"cannot create a temporary directory '" + templ + "': " + std::strerror(errno)};
    return templ;
}

void check_options(const BenchOptions& options) {
    if (options.runs < 1 || options.concurrency < 1 || options.warmup < 0)
        throw BenchError{"--runs and --concurrency must be at least 1, --warmup at least 0"};
    if (!known_format(options.format))
        throw BenchError{"unknown format '" + options.format + "' (expected table, json or markdown)"};
}

LoadedPolicy load_bench_policy(const std::string& path) {
    auto pol = load_policy(path);
    if (!pol.errors.empty()) {
        std::string message = "the policy '" + pol.path + "' is not usable:";
        for (const auto& e : pol.errors) message += "\n  " + e;
        throw BenchError{message};
    }
    if (!pol.policy || pol.policy->hooks.empty())
        throw BenchError{(pol.policy ? "the policy '" + pol.path + "' declares"
                                     : std::string("no policy file found, so there are")) +
                         " no hooks to run (give one with --policy)"};
    return pol;
}

// Every *.json file of the directory, in name order.
std::vector<std::string> event_files(const std::string& events_dir) {
    std::vector<std::string> files;
    DIR* dir = ::opendir(events_dir.c_str());
    if (!dir)
        throw BenchError{"cannot read the events directory '" + events_dir + "': " + std::strerror(errno)};
    while (dirent* entry = ::readdir(dir)) {
        std::string name = entry->d_name;
        if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0) files.push_back(name);
    }
    ::closedir(dir);
    std::sort(files.begin(), files.end());
    if (files.empty()) throw BenchError{"no *.json event files in '" + events_dir + "'"};
    return files;
}

// One `hookwarden run` per event file and matching hook. The policy's command is passed
// after "--" although `run --name` alone would look it up: the same run either way,
// without depending on that lookup.
BenchPlan plan(const BenchOptions& options, const LoadedPolicy& pol) {
    BenchPlan plan;
    for (const auto& name : event_files(options.events_dir)) {
        const std::string path = options.events_dir + "/" + name;
        auto bytes = fs::read_file(path);
        if (!bytes) throw BenchError{"cannot read '" + path + "': " + std::strerror(errno)};
        auto info = agents::claude::parse_event(*bytes);
        // Replayed events may be any agent's: matched the way that agent's run would be.
        agents::resolve_agent(info, std::nullopt, nullptr);
        if (!info.is_json || info.event.empty())
            throw BenchError{"'" + path + "' is not a hook event (a JSON object with hook_event_name)" +
                             (info.parse_error.empty() ? "" : ": " + info.parse_error)};
        for (const auto* hook : policy::hooks_for_event(*pol.policy, info.event)) {
            if (agents::matcher_applies(info.agent, info.event) && !agents::claude::matcher_matches(hook->matcher, info.matcher_target))
                continue;
            PoolJob job{{"hookwarden", "run", "--name", hook->name, "--policy", pol.path, "--backend", options.backend,
                         "--"},
                        path};
            job.argv.insert(job.argv.end(), hook->command.begin(), hook->command.end());
            plan.jobs.push_back(std::move(job));
            plan.hooks_run.insert(hook->name);
            plan.events_used.insert(name);
        }
    }
    if (plan.jobs.empty())
        throw BenchError{"no hook of '" + pol.path + "' matches any event in '" + options.events_dir + "'"};
    return plan;
}

void prepare_state(const BenchOptions& options, TempDir& state) {
    if (options.keep_state.empty()) {
        state.path = make_temp_dir("bench");
        return;
    }
    state.path = options.keep_state;
    state.keep = true;
    std::error_code ec;
    std::filesystem::create_directories(state.path, ec);
    if (ec) throw BenchError{"cannot create '" + state.path + "': " + ec.message()};
}

// The binary by its real path, not "/proc/self/exe": the kernel names a process after the
// file exec'd (comm "exe" otherwise), and the sandbox tells a live supervisor from a
// reused pid by a comm starting with "hookwarden" — its stale-cgroup sweep would kill runs
// whose supervisor is called "exe".
std::string self_path() {
    char buffer[4096];
    ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "/proc/self/exe";
}

// This process's environment with the runs' store in `state_dir`.
std::vector<std::string> environment_for(const std::string& state_dir) {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e)
        if (std::strncmp(*e, "HOOKWARDEN_STATE_DIR=", 21) != 0) env.emplace_back(*e);
    env.push_back("HOOKWARDEN_STATE_DIR=" + state_dir);
    return env;
}

std::size_t run_rounds(const BenchPlan& plan, int rounds, int concurrency, const std::string& state_dir) {
    return run_pool(self_path(), plan.jobs, rounds, concurrency, environment_for(state_dir), std::cerr);
}

struct Executed {
    std::size_t abnormal = 0;  // supervisors that did not exit normally
    std::int64_t since_ms = 0; // the measured runs' start: earlier runs of a kept store are not judged
    double seconds = 0;
};

Executed execute_plan(const BenchOptions& options, const BenchPlan& plan, const std::string& state_dir) {
    Executed done;
    const auto started = std::chrono::steady_clock::now();
    if (options.warmup > 0) {
        // Warmup runs go to their own store: they must neither count nor move breakers.
        TempDir warm;
        warm.path = make_temp_dir("warmup");
        done.abnormal += run_rounds(plan, options.warmup, options.concurrency, warm.path);
    }
    done.since_ms = fs::now_unix_ms();
    done.abnormal += run_rounds(plan, options.runs, options.concurrency, state_dir);
    done.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return done;
}

void print_summary(const BenchOptions& options, const BenchPlan& plan, const Executed& done, std::size_t recorded,
                   const std::string& state_dir, std::ostream& talk) {
    const std::size_t expected = plan.jobs.size() * static_cast<std::size_t>(options.runs);
    talk << fmt::format("bench: {} runs executed ({} hook{} x {} event file{}, {} run{} each, {} warmup, "
                        "concurrency {}, backend {}) in {:.1f} s; {} recorded{}\n",
                        expected, plan.hooks_run.size(), plan.hooks_run.size() == 1 ? "" : "s",
                        plan.events_used.size(), plan.events_used.size() == 1 ? "" : "s", options.runs,
                        options.runs == 1 ? "" : "s", options.warmup, options.concurrency, options.backend,
                        done.seconds, recorded, options.keep_state.empty() ? "" : " in '" + state_dir + "'");
    if (done.abnormal > 0)
        std::cerr << "hookwarden: bench: " << done.abnormal << " supervisor process"
                  << (done.abnormal == 1 ? "" : "es") << " did not exit normally (killed, or exec failed)\n";
    if (recorded < expected)
        std::cerr << "hookwarden: bench: " << expected - recorded << " of " << expected
                  << " runs left no record (see the run store's errors above)\n";
}

ExitCode bench_command(const BenchOptions& options) {
    check_options(options);
    const LoadedPolicy pol = load_bench_policy(options.policy_path);
    const BenchPlan jobs = plan(options, pol);
    TempDir state;
    prepare_state(options, state);
    const Executed done = execute_plan(options, jobs, state.path);

    auto loaded = load_records(state.path, done.since_ms, "", "", std::cerr);
    if (!loaded.ok) return ExitCode::usage;
    // Human text goes with the report on stdout for table/markdown; with a machine format
    // on stdout it goes to stderr so that stdout stays parseable.
    const bool human = options.format == "table" || options.format == "markdown";
    std::ostream& talk = human ? std::cout : std::cerr;
    const auto rep = report::build(loaded.records, done.since_ms);
    const auto budgets = report::budgets_for(&*pol.policy, loaded.records, "", "");
    if (!emit("", *render(options.format, rep, loaded.records, budgets), std::cout, std::cerr)) return ExitCode::usage;
    if (human) std::cout << "\n";
    print_summary(options, jobs, done, loaded.records.size(), state.path, talk);
    if (loaded.records.empty()) throw BenchError{"no run was recorded: nothing to check"};
    talk << "hookwarden check: budgets from '" << pol.path << "'\n";
    return gate(rep, budgets, options.gate, talk, std::cout, std::cerr);
}

class BenchCommand final : public ToolCommand {
public:
    void declare(CLI::App& app) override {
        sub_ = app.add_subcommand("bench", "replay event files against the policy's hooks, then report and check");
        sub_->add_option("--events", options_.events_dir, "directory of event JSON files")->required();
        sub_->add_option("--policy", options_.policy_path, "policy (default: discovered)");
        sub_->add_option("--runs", options_.runs, "runs per event and hook")->check(CLI::Range(1, 100000));
        sub_->add_option("--concurrency", options_.concurrency, "runs at once")->check(CLI::Range(1, 1024));
        sub_->add_option("--warmup", options_.warmup, "unrecorded runs first")->check(CLI::Range(0, 100000));
        sub_->add_option("--format", options_.format, "table|json|markdown")
            ->check(CLI::IsMember({"table", "json", "markdown"}));
        sub_->add_option("--junit", options_.gate.junit, "write JUnit XML to FILE");
        sub_->add_option("--sarif", options_.gate.sarif, "write SARIF 2.1.0 to FILE");
        sub_->add_flag("--github", options_.gate.github, "GitHub annotations and a step summary");
        sub_->add_option("--backend", options_.backend, "auto|cgroup-v2|cgroup-v1|none")->check(CLI::IsMember(kBackends));
        sub_->add_option("--keep-state", options_.keep_state, "keep the bench's store in DIR");
    }

protected:
    ExitCode run(const Invocation&) override {
        try {
            return bench_command(options_);
        } catch (const BenchError& e) {
            std::cerr << "hookwarden: bench: " << e.message << "\n";
            return ExitCode::usage;
        }
    }

private:
    BenchOptions options_;
};

}  // namespace

std::unique_ptr<Command> make_bench() { return std::make_unique<BenchCommand>(); }

}  // namespace hookwarden::cmd
