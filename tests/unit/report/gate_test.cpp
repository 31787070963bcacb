#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "fixtures.h"
#include "report/gate.h"
#include "report/render.h"

namespace hookwarden::report {
namespace {

using testing::ramp;
using testing::record;
using testing::run_command;
using testing::Ran;
using testing::TempDir;

HookBudget budget(const std::string& hook, int line, std::int64_t timeout_ms = 2000) {
    HookBudget b;
    b.hook = hook;
    b.event = "PreToolUse";
    b.timeout_ms = timeout_ms;
    b.policy_file = ".hookwarden/policy.json";
    b.line = line;
    b.column = 5;
    return b;
}

// Four hooks, each breaking exactly one budget kind, plus one clean and one without runs.
struct Scenario {
    std::vector<RunRecord> records;
    std::vector<HookBudget> budgets;
    Report report;
    std::vector<Violation> violations;
    Scenario() {
        records = ramp("clean", 100);
        auto add = [&](std::vector<RunRecord> more) { records.insert(records.end(), more.begin(), more.end()); };
        add(ramp("slow", 100));  // p95 = 95 ms against a budget of 50 ms
        std::vector<RunRecord> flaky = ramp("flaky", 10);
        flaky[0].outcome = Outcome::error;  // 1 of 10 = 10% > 5%
        add(flaky);
        std::vector<RunRecord> hung = ramp("hung", 40);
        hung[0].outcome = Outcome::timeout;  // 1 of 40 = 2.5%: only the timeout budget breaks
        hung[0].wall_ms = 30;
        add(hung);
        std::vector<RunRecord> fat = ramp("fat", 40);
        fat[0].outcome = Outcome::crash;
        fat[0].oom_killed = true;
        add(fat);
        report = build(records);
        budgets = {budget("clean", 10), budget("slow", 20), budget("flaky", 30), budget("hung", 40),
                   budget("fat", 50), budget("idle", 60)};
        budgets[1].budgets.p95_ms = 50;
        violations = check(report, budgets);
    }
};

TEST(Check, EachBudgetKind) {
    Scenario s;
    ASSERT_EQ(s.violations.size(), 4u);
    EXPECT_EQ(s.violations[0].hook, "slow");
    EXPECT_EQ(s.violations[0].budget, "p95_ms");
    EXPECT_EQ(s.violations[0].actual, 95);
    EXPECT_EQ(s.violations[0].limit, 50);
    EXPECT_EQ(s.violations[0].where, &s.budgets[1]);
    EXPECT_EQ(s.violations[1].hook, "flaky");
    EXPECT_EQ(s.violations[1].budget, "error_rate");
    EXPECT_DOUBLE_EQ(s.violations[1].actual, 0.1);
    EXPECT_DOUBLE_EQ(s.violations[1].limit, 0.05);
    EXPECT_EQ(s.violations[2].hook, "hung");
    EXPECT_EQ(s.violations[2].budget, "timeouts");
    EXPECT_EQ(s.violations[2].actual, 1);
    EXPECT_EQ(s.violations[2].limit, 0);
    EXPECT_EQ(s.violations[3].hook, "fat");
    EXPECT_EQ(s.violations[3].budget, "oom");
    EXPECT_EQ(s.violations[3].actual, 1);
    for (const auto& v : s.violations) {
        EXPECT_NE(v.message.find(v.hook), std::string::npos) << v.message;
        EXPECT_EQ(v.message.find('\n'), std::string::npos);
    }
}

TEST(Check, DefaultP95BudgetIsHalfTheTimeout) {
    Report report = build(ramp("h", 100));  // p95 = 95
    EXPECT_TRUE(check(report, {budget("h", 1, 190)}).empty());  // limit 95: not strictly above
    auto v = check(report, {budget("h", 1, 188)});
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].limit, 94);
}

TEST(Check, BudgetsAreStrictAndAllowConfiguredCounts) {
    std::vector<RunRecord> records = ramp("h", 20);
    records[0].outcome = Outcome::timeout;  // error rate 1/20 = 5%: equal to the budget, allowed
    HookBudget b = budget("h", 1);
    EXPECT_EQ(check(build(records), {b}).size(), 1u);  // the timeout itself
    b.budgets.timeouts = 1;
    EXPECT_TRUE(check(build(records), {b}).empty());
}

TEST(Check, HooksWithoutRunsOrWithoutBudgetsAreNotViolations) {
    std::vector<RunRecord> records = ramp("unbudgeted", 10);
    for (auto& r : records) r.outcome = Outcome::timeout;
    EXPECT_TRUE(check(build(records), {budget("idle", 1)}).empty());
    EXPECT_TRUE(check(build({}), {budget("idle", 1)}).empty());
}

TEST(Check, BreakerOpenOnlyHookHasNoP95Verdict) {
    std::vector<RunRecord> records{record("h", 0, Outcome::breaker_open)};
    HookBudget b = budget("h", 1);
    b.budgets.p95_ms = -1;  // would fail for any measured latency
    EXPECT_TRUE(check(build(records), {b}).empty());
}

std::string python(const std::string& script, const std::string& file) {
    Ran ran = run_command("python3 -c '" + script + "' " + file);
    EXPECT_EQ(ran.status, 0) << ran.output;
    return ran.output;
}

TEST(Junit, ParsesWithOneTestcasePerHookAndBudget) {
    if (!testing::have_program("python3")) GTEST_SKIP() << "python3 not found: cannot parse the XML back";
    Scenario s;
    std::string xml = render_junit(s.report, s.budgets, s.violations);
    TempDir dir;
    std::string file = dir.write("junit.xml", xml);
    std::string out = python(
        "import sys, xml.etree.ElementTree as ET\n"
        "root = ET.parse(sys.argv[1]).getroot()\n"
        "assert root.tag == \"testsuites\", root.tag\n"
        "cases = root.findall(\"./testsuite/testcase\")\n"
        "print(len(cases), len([c for c in cases if c.find(\"failure\") is not None]),\n"
        "      len([c for c in cases if c.find(\"skipped\") is not None]), root.get(\"tests\"), root.get(\"failures\"))\n"
        "for c in cases:\n"
        "    f = c.find(\"failure\")\n"
        "    if f is not None: print(c.get(\"classname\"), c.get(\"name\"), f.get(\"message\"))\n",
        file);
    EXPECT_NE(out.find("24 4 4 24 4\n"), std::string::npos) << out;  // 6 hooks × 4, idle skipped
    EXPECT_NE(out.find("hookwarden.slow p95_ms slow: p95 latency 95.0 ms"), std::string::npos) << out;
    EXPECT_NE(out.find("hookwarden.flaky error_rate"), std::string::npos) << out;
    EXPECT_NE(out.find("hookwarden.hung timeouts"), std::string::npos) << out;
    EXPECT_NE(out.find("hookwarden.fat oom"), std::string::npos) << out;
}

TEST(Junit, EscapesHostileHookNames) {
    if (!testing::have_program("python3")) GTEST_SKIP() << "python3 not found: cannot parse the XML back";
    const std::string hostile = "a<b>&\"c'\x01\n\xff";
    std::vector<RunRecord> records = ramp(hostile, 10);
    records[0].outcome = Outcome::timeout;
    HookBudget b = budget(hostile, 3);
    b.policy_file = "dir with <angle> & \"quotes\".json";
    std::vector<HookBudget> budgets{b};
    Report report = build(records);
    std::string xml = render_junit(report, budgets, check(report, budgets));
    TempDir dir;
    std::string out = python(
        "import sys, xml.etree.ElementTree as ET\n"
        "root = ET.parse(sys.argv[1]).getroot()\n"
        "c = root.findall(\"./testsuite/testcase\")\n"
        "print(len(c)); print(ascii(c[0].get(\"classname\")))\n",
        dir.write("junit.xml", xml));
    // Control characters are not representable in XML 1.0; invalid UTF-8 neither.
    EXPECT_NE(out.find("4\n'hookwarden.a<b>&\"c\\'\\ufffd\\n\\ufffd'"), std::string::npos) << out;
}

TEST(Sarif, RequiredStructure) {
    Scenario s;
    auto sarif = nlohmann::json::parse(render_sarif(s.report, s.budgets, s.violations));
    EXPECT_EQ(sarif["version"], "2.1.0");
    EXPECT_TRUE(sarif["$schema"].get<std::string>().find("sarif-schema-2.1.0.json") != std::string::npos);
    ASSERT_EQ(sarif["runs"].size(), 1u);
    const auto& run = sarif["runs"][0];
    EXPECT_EQ(run["tool"]["driver"]["name"], "hookwarden");
    const auto& rules = run["tool"]["driver"]["rules"];
    ASSERT_EQ(rules.size(), 4u);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(rules[i]["id"], kBudgetKinds[i]);
    const auto& results = run["results"];
    ASSERT_EQ(results.size(), 4u);
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& r = results[i];
        EXPECT_EQ(r["ruleId"], s.violations[i].budget);
        EXPECT_EQ(rules[r["ruleIndex"].get<std::size_t>()]["id"], r["ruleId"]);
        EXPECT_EQ(r["level"], "error");
        EXPECT_EQ(r["message"]["text"], s.violations[i].message);
        const auto& loc = r["locations"][0]["physicalLocation"];
        EXPECT_EQ(loc["artifactLocation"]["uri"], ".hookwarden/policy.json");
        EXPECT_EQ(loc["region"]["startLine"], s.violations[i].where->line);
        EXPECT_EQ(loc["region"]["startColumn"], 5);
    }
    EXPECT_EQ(results[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 20);
}

TEST(Sarif, UrisAreEncodedAndUnknownLocationsOmitted) {
    std::vector<RunRecord> records = ramp("h", 5);
    records[0].outcome = Outcome::timeout;
    HookBudget b = budget("h", 0);
    b.policy_file = "/home/u/my policies/p#1.json";
    std::vector<HookBudget> budgets{b};
    Report report = build(records);
    auto sarif = nlohmann::json::parse(render_sarif(report, budgets, check(report, budgets)));
    const auto& loc = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    EXPECT_EQ(loc["artifactLocation"]["uri"], "file:///home/u/my%20policies/p%231.json");
    EXPECT_FALSE(loc.contains("region"));  // line 0: unknown, and SARIF lines start at 1

    budgets[0].policy_file.clear();  // built-in defaults: nowhere to point
    sarif = nlohmann::json::parse(render_sarif(report, budgets, check(report, budgets)));
    EXPECT_FALSE(sarif["runs"][0]["results"][0].contains("locations"));
}

// Full schema validation when a SARIF 2.1.0 schema file is at hand (set
// HOOKWARDEN_SARIF_SCHEMA) and python3 has jsonschema; nothing here downloads it.
// tests/report/sarif_schema.sh finds the schema and runs this. HOOKWARDEN_SARIF_SAMPLE:
// also keep the document there, for other validators (the SARIF multitool).
TEST(Sarif, ValidatesAgainstTheSchemaWhenAvailable) {
    Scenario s;
    const std::string sarif = render_sarif(s.report, s.budgets, s.violations);
    if (const char* keep = std::getenv("HOOKWARDEN_SARIF_SAMPLE"); keep && *keep) {
        EXPECT_EQ(write_output(keep, sarif), "");
    }
    const char* schema = std::getenv("HOOKWARDEN_SARIF_SCHEMA");
    if (!schema || !*schema) GTEST_SKIP() << "HOOKWARDEN_SARIF_SCHEMA not set: structural checks only";
    if (run_command("python3 -c 'import jsonschema'").status != 0)
        GTEST_SKIP() << "python3 module jsonschema missing (apt-get install python3-jsonschema)";
    TempDir dir;
    std::string file = dir.write("out.sarif", sarif);
    Ran ran = run_command(
        "python3 -c 'import json, sys, jsonschema\n"
        "schema = json.load(open(sys.argv[1]))\n"
        "jsonschema.validators.validator_for(schema)(schema).validate(json.load(open(sys.argv[2])))\n"
        "print(\"valid\")' " +
        std::string(schema) + " " + file);
    EXPECT_EQ(ran.status, 0) << ran.output;
}

TEST(Github, EscapesDataAndProperties) {
    EXPECT_EQ(github_escape_data("50% done\r\nnext: a,b"), "50%25 done%0D%0Anext: a,b");
    EXPECT_EQ(github_escape_property("50% done\r\nnext: a,b"), "50%25 done%0D%0Anext%3A a%2Cb");
    // '%' first, or an escape produced by the escaping would itself be escaped again.
    EXPECT_EQ(github_escape_property("%3A:"), "%253A%3A");
}

TEST(Github, OneErrorLinePerViolation) {
    std::vector<RunRecord> records = ramp("we,ird:name", 10);
    records[0].outcome = Outcome::timeout;
    HookBudget b = budget("we,ird:name", 12);
    b.policy_file = "dir,1/policy:x.json";
    std::vector<HookBudget> budgets{b};
    Report report = build(records);
    auto violations = check(report, budgets);
    ASSERT_EQ(violations.size(), 2u);  // timeouts and error rate (10%)
    violations[0].message = "line one\nline two: 100%";
    std::string out = render_github(violations);
    EXPECT_EQ(out.substr(0, out.find('\n') + 1),
              "::error file=dir%2C1/policy%3Ax.json,line=12,col=5,title=hookwarden%3A we%2Cird%3Aname exceeds "
              "its error rate budget::line one%0Aline two: 100%25\n");
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2);
}

TEST(Github, SummaryTable) {
    Scenario s;
    std::string md = render_github_summary(s.report, s.violations);
    EXPECT_NE(md.find("**Failed**: 4 budget violations over 290 runs."), std::string::npos) << md;
    EXPECT_NE(md.find("| slow | 100 | 50.0 | 95.0 | 99.0 | 0.0% | 0 | 0 | 0 | ❌ p95\\_ms |"), std::string::npos)
        << md;
    EXPECT_NE(md.find("| clean | 100 |"), std::string::npos);
    EXPECT_NE(md.find("✅ ok"), std::string::npos);
    std::string pass = render_github_summary(build(ramp("a|b", 3)), {});
    EXPECT_NE(pass.find("**Passed**"), std::string::npos);
    EXPECT_NE(pass.find("| a\\|b |"), std::string::npos) << pass;
}

}  // namespace
}  // namespace hookwarden::report
