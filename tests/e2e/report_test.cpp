// `report`, `check`, `bench` and `export prometheus` through the real binary, on records
// made by real `hookwarden run` invocations (docs/reports.md).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "support/harness.h"

namespace {

const std::string kBashEvent =
    R"({"session_id":"s1","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}})";

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
}

bool exists(const std::string& path) {
    struct stat st{};
    return ::stat(path.c_str(), &st) == 0;
}

bool have_program(const std::string& name) {
    return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

// Exit status of a shell command, its combined output in `output`.
int shell(const std::string& command, std::string& output) {
    output.clear();
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe) return -1;
    char buffer[4096];
    while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    int status = ::pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

hwtest::Options in_state(const std::string& state_dir) {
    hwtest::Options options;
    options.state_dir = state_dir;
    options.with_record = false;
    return options;
}

// Nothing for policy discovery to find: run in `dir`, no $HOOKWARDEN_POLICY, no user config.
hwtest::Options without_policy(const std::string& state_dir, const std::string& dir) {
    hwtest::Options options = in_state(state_dir);
    options.cwd = dir;
    options.env = {"XDG_CONFIG_HOME=" + dir + "/no-config", "HOME=" + dir, "HOOKWARDEN_POLICY=",
                   "CLAUDE_PROJECT_DIR="};
    return options;
}

hwtest::Result record_run(const std::string& state_dir, const std::string& name, const std::string& script,
                          const std::vector<std::string>& extra = {}) {
    hwtest::Options options;
    options.state_dir = state_dir;
    options.stdin_data = kBashEvent;
    std::vector<std::string> args = {"run", "--name", name};
    args.insert(args.end(), extra.begin(), extra.end());
    for (const char* a : {"--", "sh", "-c"}) args.emplace_back(a);
    args.push_back(script);
    return hwtest::run(args, options);
}

// One line of `path` that contains `needle`, 1-based; 0 if none.
int line_of(const std::string& path, const std::string& needle) {
    std::ifstream in(path);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n)
        if (line.find(needle) != std::string::npos) return n;
    return 0;
}

const nlohmann::json* find_hook(const nlohmann::json& report, const std::string& hook) {
    for (const auto& h : report["hooks"])
        if (h["hook"] == hook) return &h;
    return nullptr;
}

// Lines of `text` that name both `hook` and `[budget]` ("  FAIL [timeouts] hook: ...").
bool flagged(const std::string& text, const std::string& hook, const std::string& budget) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (line.find("FAIL [" + budget + "] " + hook + ":") != std::string::npos) return true;
    return false;
}

// Records shared by the tests of this suite: 3 fast ok runs, 2 failing runs (exit 1), one
// run killed at its 200 ms timeout. Made once: each run is a real supervised process.
class ReportCommands : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new std::string(hwtest::temp_dir());
        state_ = new std::string(*dir_ + "/state");
        for (int i = 0; i < 3; ++i) ASSERT_EQ(record_run(*state_, "fast", "exit 0").record["outcome"], "ok");
        for (int i = 0; i < 2; ++i) ASSERT_EQ(record_run(*state_, "failing", "exit 1").record["outcome"], "error");
        auto slow = record_run(*state_, "sleepy", "sleep 1", {"--timeout", "200", "--kill-grace", "100"});
        ASSERT_EQ(slow.record["outcome"], "timeout") << slow.err;
    }
    static void TearDownTestSuite() {
        std::string ignored;
        shell("rm -rf '" + *dir_ + "'", ignored);
        delete dir_;
        delete state_;
    }
    // A policy in the suite's directory; returns its path.
    static std::string policy(const std::string& name, const std::string& json) {
        std::string path = *dir_ + "/" + name;
        write_file(path, json);
        return path;
    }
    static std::string* dir_;
    static std::string* state_;
};
std::string* ReportCommands::dir_ = nullptr;
std::string* ReportCommands::state_ = nullptr;

// Budgets everything above passes; "fast" declared on its own line so SARIF can point at it.
const char* kLenientPolicy = R"({
  "version": 1,
  "defaults": {"budgets": {"p95_ms": 60000, "error_rate": 1, "timeouts": 100, "oom": 100}},
  "hooks": {
    "fast": {"event": "PreToolUse", "matcher": "Bash", "command": ["sh", "-c", "exit 0"]}
  }
})";

// The built-in budgets (5 % errors, no timeouts), and an impossible p95 for "fast".
const char* kStrictPolicy = R"({
  "version": 1,
  "defaults": {"budgets": {"error_rate": 0.05, "timeouts": 0, "oom": 0}},
  "hooks": {
    "fast":
      {"event": "PreToolUse", "matcher": "Bash", "command": ["sh", "-c", "exit 0"],
       "budgets": {"p95_ms": 0.001}},
    "never-ran": {"event": "Stop", "command": ["sh", "-c", "exit 0"]}
  }
})";

TEST_F(ReportCommands, JsonReportCountsRunsAndOutcomes) {
    auto r = hwtest::run({"report", "--format", "json"}, in_state(*state_));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto report = nlohmann::json::parse(r.out);
    EXPECT_EQ(report["schema"], "hookwarden.report/1");
    EXPECT_EQ(report["total_runs"], 6);
    ASSERT_EQ(report["hooks"].size(), 3u);
    EXPECT_EQ(report["hooks"][0]["hook"], "failing");  // sorted by name
    const auto* fast = find_hook(report, "fast");
    const auto* failing = find_hook(report, "failing");
    const auto* sleepy = find_hook(report, "sleepy");
    ASSERT_TRUE(fast && failing && sleepy);
    EXPECT_EQ((*fast)["runs"], 3);
    EXPECT_EQ((*fast)["outcomes"]["ok"], 3);
    EXPECT_EQ((*fast)["error_rate"], 0.0);
    EXPECT_EQ((*failing)["outcomes"]["error"], 2);
    EXPECT_EQ((*failing)["error_rate"], 1.0);
    EXPECT_EQ((*sleepy)["outcomes"]["timeout"], 1);
    EXPECT_EQ((*sleepy)["timeouts"], 1);
    EXPECT_GE((*sleepy)["latency_ms"]["max"].get<double>(), 200.0);
    EXPECT_LT((*sleepy)["latency_ms"]["max"].get<double>(), 1000.0) << "killed at its timeout, not after sleep 1";
    ASSERT_EQ(report["events"].size(), 1u);
    EXPECT_EQ(report["events"][0]["event"], "PreToolUse");
    EXPECT_EQ(report["events"][0]["runs"], 6);
}

TEST_F(ReportCommands, FiltersAndSince) {
    auto by_hook = hwtest::run({"report", "--format", "json", "--hook", "fast"}, in_state(*state_));
    ASSERT_EQ(by_hook.exit_code, 0) << by_hook.err;
    auto report = nlohmann::json::parse(by_hook.out);
    EXPECT_EQ(report["total_runs"], 3);
    ASSERT_EQ(report["hooks"].size(), 1u);

    auto other_event = hwtest::run({"report", "--format", "json", "--event", "Stop"}, in_state(*state_));
    ASSERT_EQ(other_event.exit_code, 0);
    EXPECT_EQ(nlohmann::json::parse(other_event.out)["total_runs"], 0);
    EXPECT_NE(other_event.err.find("no runs recorded"), std::string::npos) << other_event.err;

    for (const char* since : {"1h", "30m", "7d", "2000-01-01", "2000-01-01T00:00:00Z", "2000-01-01 10:00+02:00"}) {
        auto r = hwtest::run({"report", "--format", "json", "--since", since}, in_state(*state_));
        ASSERT_EQ(r.exit_code, 0) << since << ": " << r.err;
        EXPECT_EQ(nlohmann::json::parse(r.out)["total_runs"], 6) << since;
    }
    auto future = hwtest::run({"report", "--format", "json", "--since", "2999-12-31"}, in_state(*state_));
    ASSERT_EQ(future.exit_code, 0) << future.err;
    EXPECT_EQ(nlohmann::json::parse(future.out)["total_runs"], 0);

    for (const char* bad : {"yesterday", "10x", "-5m", "2025-02-30", "2025-13-01", "2025-01-01T25:00", "h"}) {
        auto r = hwtest::run({"report", "--since", bad}, in_state(*state_));
        EXPECT_EQ(r.exit_code, 2) << bad;
        EXPECT_NE(r.err.find("--since"), std::string::npos) << bad << ": " << r.err;
        EXPECT_TRUE(r.out.empty()) << bad;
    }
    auto check_bad = hwtest::run({"check", "--since", "soon"}, in_state(*state_));
    EXPECT_EQ(check_bad.exit_code, 2);
}

TEST_F(ReportCommands, OtherFormatsAndOutputFile) {
    auto table = hwtest::run({"report"}, in_state(*state_));
    ASSERT_EQ(table.exit_code, 0) << table.err;
    EXPECT_NE(table.out.find("sleepy"), std::string::npos) << table.out;
    std::istringstream lines(table.out);
    for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 80u) << line;

    auto jsonl = hwtest::run({"report", "--format", "jsonl", "--hook", "failing"}, in_state(*state_));
    ASSERT_EQ(jsonl.exit_code, 0) << jsonl.err;
    std::istringstream records(jsonl.out);
    int count = 0;
    for (std::string line; std::getline(records, line); ++count) {
        auto record = nlohmann::json::parse(line);
        EXPECT_EQ(record["hook"], "failing");
        EXPECT_EQ(record["exit_code"], 1);
    }
    EXPECT_EQ(count, 2);

    auto markdown = hwtest::run({"report", "--format", "markdown"}, in_state(*state_));
    EXPECT_EQ(markdown.exit_code, 0);
    EXPECT_NE(markdown.out.find("| "), std::string::npos);

    std::string html = *dir_ + "/report.html";
    auto r = hwtest::run({"report", "--format", "html", "-o", html, "--policy", policy("lenient.json", kLenientPolicy)},
                         in_state(*state_));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(r.out.empty()) << "the report went to the file";
    std::string page = read_file(html);
    EXPECT_NE(page.find("<svg"), std::string::npos);
    EXPECT_NE(page.find("sleepy"), std::string::npos);

    auto bad_format = hwtest::run({"report", "--format", "yaml"}, in_state(*state_));
    EXPECT_EQ(bad_format.exit_code, 2);
}

TEST_F(ReportCommands, ReportSurvivesABrokenPolicy) {
    std::string broken = policy("broken.json", R"({"version": 1, "hooks": {"x": {"event": 5}}})");
    auto r = hwtest::run({"report", "--format", "html", "--policy", broken, "-o", *dir_ + "/broken.html"},
                         in_state(*state_));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("built-in defaults"), std::string::npos) << r.err;
    EXPECT_TRUE(exists(*dir_ + "/broken.html"));
}

TEST_F(ReportCommands, CheckExitCodes) {
    auto clean = hwtest::run({"check", "--policy", policy("lenient.json", kLenientPolicy)}, in_state(*state_));
    EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
    EXPECT_NE(clean.out.find("PASSED"), std::string::npos) << clean.out;

    auto strict = hwtest::run({"check", "--policy", policy("strict.json", kStrictPolicy)}, in_state(*state_));
    EXPECT_EQ(strict.exit_code, 1) << strict.out << strict.err;
    EXPECT_TRUE(flagged(strict.out, "failing", "error_rate")) << strict.out;
    EXPECT_TRUE(flagged(strict.out, "sleepy", "timeouts")) << strict.out;
    EXPECT_TRUE(flagged(strict.out, "sleepy", "error_rate")) << strict.out;
    EXPECT_TRUE(flagged(strict.out, "fast", "p95_ms")) << strict.out;
    EXPECT_FALSE(flagged(strict.out, "fast", "error_rate")) << strict.out;
    EXPECT_NE(strict.out.find("FAILED"), std::string::npos);

    // Only the selected hook is judged.
    auto only_fast = hwtest::run({"check", "--hook", "fast", "--policy", policy("strict2.json", kStrictPolicy)},
                                 in_state(*state_));
    EXPECT_EQ(only_fast.exit_code, 1) << only_fast.out;
    EXPECT_TRUE(flagged(only_fast.out, "fast", "p95_ms")) << only_fast.out;
    EXPECT_FALSE(flagged(only_fast.out, "failing", "error_rate")) << only_fast.out;

    // No policy at all: the built-in budgets (5 % errors, no timeouts) apply.
    auto defaults = hwtest::run({"check"}, without_policy(*state_, *dir_));
    EXPECT_EQ(defaults.exit_code, 1) << defaults.out << defaults.err;
    EXPECT_NE(defaults.out.find("built-in"), std::string::npos) << defaults.out;
}

TEST_F(ReportCommands, CheckFailsOnAnUnusablePolicy) {
    std::string invalid = policy("invalid.json", R"({"version": 1, "defaults": {"budgets": {"error_rate": 7}}})");
    auto r = hwtest::run({"check", "--policy", invalid}, in_state(*state_));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("invalid.json"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("error_rate"), std::string::npos) << r.err;

    auto missing = hwtest::run({"check", "--policy", *dir_ + "/no-such-policy.json"}, in_state(*state_));
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_NE(missing.err.find("no-such-policy.json"), std::string::npos) << missing.err;
}

TEST(CheckWithoutRuns, PassesAndSaysSo) {
    std::string dir = hwtest::temp_dir();
    auto r = hwtest::run({"check", "--junit", dir + "/junit.xml"}, in_state(dir + "/state"));
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("no runs recorded"), std::string::npos) << r.out;
    EXPECT_FALSE(exists(dir + "/state/hookwarden.db")) << "reading must not create a store";
    EXPECT_TRUE(exists(dir + "/junit.xml"));
}

TEST_F(ReportCommands, JunitAndSarifFiles) {
    std::string strict = policy("strict.json", kStrictPolicy);
    std::string junit = *dir_ + "/junit.xml", sarif = *dir_ + "/check.sarif";
    auto r = hwtest::run({"check", "--policy", strict, "--junit", junit, "--sarif", sarif}, in_state(*state_));
    EXPECT_EQ(r.exit_code, 1) << r.err;

    std::string xml = read_file(junit);
    ASSERT_FALSE(xml.empty());
    EXPECT_NE(xml.find(R"(classname="hookwarden.failing" name="error_rate")"), std::string::npos) << xml;
    EXPECT_NE(xml.find("<failure"), std::string::npos);
    EXPECT_NE(xml.find(R"(classname="hookwarden.never-ran")"), std::string::npos) << "policy hooks without runs";
    EXPECT_NE(xml.find("<skipped"), std::string::npos);
    if (have_program("xmllint")) {
        std::string output;
        EXPECT_EQ(shell("xmllint --noout '" + junit + "'", output), 0) << output;
    }

    auto doc = nlohmann::json::parse(read_file(sarif));
    EXPECT_EQ(doc["version"], "2.1.0");
    const auto& results = doc["runs"][0]["results"];
    ASSERT_FALSE(results.empty());
    bool located = false;
    for (const auto& result : results) {
        // Hooks the policy does not declare (sleepy, failing) have no location to point at.
        if (result["ruleId"] != "p95_ms" || result["properties"]["hook"] != "fast") continue;
        ASSERT_TRUE(result.contains("locations")) << result;
        const auto& loc = result["locations"][0]["physicalLocation"];
        EXPECT_NE(loc["artifactLocation"]["uri"].get<std::string>().find("strict.json"), std::string::npos) << loc;
        EXPECT_EQ(loc["region"]["startLine"], line_of(strict, "\"fast\":")) << loc;
        located = true;
    }
    EXPECT_TRUE(located) << results;
}

TEST(CheckGithub, AnnotationsEscapedAndSummaryAppended) {
    std::string dir = hwtest::temp_dir();
    std::string state = dir + "/state";
    const std::string name = "odd,na:me%41\nnext";
    auto run = record_run(state, name, "exit 3");
    ASSERT_EQ(run.record["outcome"], "error") << run.err;

    std::string summary = dir + "/summary.md";
    write_file(summary, "earlier step\n");
    hwtest::Options options = without_policy(state, dir);
    options.env.push_back("GITHUB_STEP_SUMMARY=" + summary);
    auto r = hwtest::run({"check", "--github"}, options);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;

    std::string annotation;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);)
        if (line.rfind("::error ", 0) == 0) annotation = line;
    ASSERT_FALSE(annotation.empty()) << r.out;
    // Property values escape % , : CR LF; the message escapes % CR LF.
    EXPECT_NE(annotation.find("title=hookwarden%3A odd%2Cna%3Ame%2541%0Anext"), std::string::npos) << annotation;
    EXPECT_NE(annotation.find("::odd,na:me%2541%0Anext: error rate 100.0%25"), std::string::npos) << annotation;

    std::string md = read_file(summary);
    EXPECT_EQ(md.rfind("earlier step\n", 0), 0u) << "appended, not replaced";
    EXPECT_NE(md.find("## hookwarden check"), std::string::npos) << md;
    EXPECT_NE(md.find("**Failed**"), std::string::npos) << md;
}

TEST_F(ReportCommands, ExportPrometheus) {
    auto r = hwtest::run({"export", "prometheus"}, in_state(*state_));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find(R"(hookwarden_runs_total{hook="fast",outcome="ok"} 3)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("# TYPE hookwarden_run_duration_seconds histogram"), std::string::npos);
    EXPECT_NE(r.out.find(R"(hookwarden_run_duration_seconds_bucket{hook="sleepy",le="+Inf"} 1)"), std::string::npos)
        << r.out;

    std::string file = *dir_ + "/hookwarden.prom";
    auto to_file = hwtest::run({"export", "prometheus", "-o", file}, in_state(*state_));
    ASSERT_EQ(to_file.exit_code, 0) << to_file.err;
    EXPECT_TRUE(to_file.out.empty());
    EXPECT_EQ(read_file(file), r.out);

    if (!have_program("promtool")) GTEST_SKIP() << "promtool not installed (Debian: prometheus)";
    std::string output;
    EXPECT_EQ(shell("promtool check metrics < '" + file + "'", output), 0) << output;
}

// bench runs the example hooks, whose commands are relative to the repository root.
hwtest::Options from_source_dir() {
    hwtest::Options options;
    options.with_record = false;
    options.cwd = hwtest::source_dir();
    return options;
}

TEST(Bench, MisbehavingHooksFailForTheRightReasons) {
    std::string dir = hwtest::temp_dir();
    std::string junit = dir + "/bench.xml";
    auto r = hwtest::run({"bench", "--events", "hooks-examples/events", "--policy", "policies/ci.json", "--runs", "1",
                          "--concurrency", "2", "--format", "json", "--junit", junit},
                         from_source_dir());
    EXPECT_EQ(r.exit_code, 1) << r.err;
    // With a machine format on stdout, the verdict goes to stderr.
    auto report = nlohmann::json::parse(r.out);
    EXPECT_NE(r.err.find("runs executed"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("FAILED"), std::string::npos) << r.err;

    EXPECT_TRUE(flagged(r.err, "misbehave-hang", "timeouts")) << r.err;
    EXPECT_TRUE(flagged(r.err, "misbehave-ignore-term", "timeouts")) << r.err;
    EXPECT_TRUE(flagged(r.err, "misbehave-crash", "error_rate")) << r.err;
    EXPECT_TRUE(flagged(r.err, "misbehave-slow", "p95_ms")) << r.err;
    const auto* leak = find_hook(report, "misbehave-leak-memory");
    ASSERT_TRUE(leak);
    if ((*leak)["backend"].get<std::string>().rfind("cgroup", 0) == 0) {  // backend none detects no OOM
        EXPECT_TRUE(flagged(r.err, "misbehave-leak-memory", "oom")) << r.err;
    }
    EXPECT_TRUE(flagged(r.err, "misbehave-leak-memory", "error_rate")) << r.err;

    // The well-behaved examples ran, and did not fail (their latency depends on the machine).
    for (const char* good : {"guard-bash", "secret-scan", "format-on-edit"}) {
        const auto* hook = find_hook(report, good);
        ASSERT_TRUE(hook) << good;
        EXPECT_GT((*hook)["runs"].get<int>(), 0) << good;
        for (const char* budget : {"error_rate", "timeouts", "oom"})
            EXPECT_FALSE(flagged(r.err, good, budget)) << good << " " << budget << "\n" << r.err;
    }
    // Hooks only run for the events they match: guard-bash (Bash) never saw the Write events.
    EXPECT_EQ((*find_hook(report, "guard-bash"))["runs"], 2);  // PreToolUse-bash{,-destructive}.json

    std::string xml = read_file(junit);
    EXPECT_NE(xml.find(R"(classname="hookwarden.misbehave-hang" name="timeouts")"), std::string::npos);
}

// The example hooks under budgets any machine meets: the gate passes.
const char* kWellBehavedPolicy = R"({
  "version": 1,
  "defaults": {
    "limits": {"timeout_ms": 10000, "memory_mb": 128},
    "budgets": {"p95_ms": 10000, "error_rate": 0, "timeouts": 0, "oom": 0}
  },
  "hooks": {
    "guard-bash": {"event": "PreToolUse", "matcher": "Bash", "command": ["python3", "hooks-examples/guard_bash.py"]},
    "secret-scan": {"event": "PreToolUse", "matcher": "Write|Edit|MultiEdit",
                    "command": ["python3", "hooks-examples/secret_scan.py"]},
    "format-on-edit": {"event": "PostToolUse", "matcher": "Write|Edit|MultiEdit",
                       "command": ["sh", "hooks-examples/format_on_edit.sh"]},
    "stop-check": {"event": "Stop", "command": ["python3", "hooks-examples/stop_check.py"]},
    "mcp-only": {"event": "PreToolUse", "matcher": "mcp__.*", "command": ["sh", "-c", "cat >/dev/null"]}
  }
})";

TEST(Bench, WellBehavedHooksPassAndWarmupIsNotRecorded) {
    std::string dir = hwtest::temp_dir();
    std::string policy = dir + "/good.json";
    write_file(policy, kWellBehavedPolicy);
    std::string kept = dir + "/kept";
    auto r = hwtest::run({"bench", "--events", "hooks-examples/events", "--policy", policy, "--runs", "2",
                          "--concurrency", "2", "--warmup", "1", "--keep-state", kept},
                         from_source_dir());
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("PASSED"), std::string::npos) << r.out;
    // guard-bash: 2 PreToolUse Bash events; secret-scan: 2 PreToolUse Write events;
    // format-on-edit: 1 PostToolUse Edit event; stop-check: 2 Stop events; mcp-only: 1 MCP
    // event (see hooks-examples/events/).
    const int per_round = 2 + 2 + 1 + 2 + 1;
    EXPECT_NE(r.out.find(std::to_string(2 * per_round) + " runs executed"), std::string::npos) << r.out;

    auto report = hwtest::run({"report", "--format", "json"}, in_state(kept));
    ASSERT_EQ(report.exit_code, 0) << report.err;
    auto json = nlohmann::json::parse(report.out);
    EXPECT_EQ(json["total_runs"], 2 * per_round) << "warmup runs go to a store of their own";
    EXPECT_EQ((*find_hook(json, "mcp-only"))["runs"], 2) << "regex matcher applied to the tool name";
}

TEST(Bench, UsageErrors) {
    std::string dir = hwtest::temp_dir();
    auto no_dir = hwtest::run({"bench", "--events", dir + "/nowhere", "--policy", "policies/ci.json"},
                              from_source_dir());
    EXPECT_EQ(no_dir.exit_code, 2);
    EXPECT_NE(no_dir.err.find("nowhere"), std::string::npos) << no_dir.err;

    auto empty = hwtest::run({"bench", "--events", dir, "--policy", "policies/ci.json"}, from_source_dir());
    EXPECT_EQ(empty.exit_code, 2);
    EXPECT_NE(empty.err.find("*.json"), std::string::npos) << empty.err;

    std::string no_hooks = dir + "/no-hooks.json";
    write_file(no_hooks, R"({"version": 1})");
    auto r = hwtest::run({"bench", "--events", "hooks-examples/events", "--policy", no_hooks}, from_source_dir());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("no hooks"), std::string::npos) << r.err;

    std::string invalid = dir + "/invalid.json";
    write_file(invalid, R"({"version": 2})");
    auto bad = hwtest::run({"bench", "--events", "hooks-examples/events", "--policy", invalid}, from_source_dir());
    EXPECT_EQ(bad.exit_code, 2);
}

}  // namespace
