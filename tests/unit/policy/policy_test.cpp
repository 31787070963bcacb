#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../scratch_files.h"
#include "policy/policy.h"
#include "util/json_positions.h"

namespace fs = std::filesystem;
using namespace hookwarden;
using namespace hookwarden::policy;
using namespace hookwarden::jsonpos;
using namespace hwunit;

namespace {

const fs::path kSource = HOOKWARDEN_SOURCE_DIR;

Policy load_ok(const std::string& text) {
    auto r = load_string(text, "test.json");
    for (const auto& e : r.errors) ADD_FAILURE() << e.to_string();
    return r.policy.value_or(Policy{});
}


}  // namespace

// Every file in bad/ must fail, and its .expect lines (line:col: $.path: message, then
// extra phrases) must each appear in one of the diagnostics.
TEST(BadPolicies, EachFailsWithItsExpectedMessage) {
    int count = 0;
    for (const auto& entry : fs::directory_iterator(kSource / "tests/data/policies/bad")) {
        if (entry.path().extension() != ".json") continue;
        ++count;
        SCOPED_TRACE(entry.path().filename().string());
        fs::path expect_path = entry.path();
        expect_path.replace_extension(".expect");
        ASSERT_TRUE(fs::exists(expect_path)) << "missing " << expect_path;

        auto result = load_file(entry.path().string());
        EXPECT_FALSE(result.policy);
        EXPECT_FALSE(result.unreadable);
        ASSERT_FALSE(result.errors.empty());
        std::string all;
        for (const auto& d : result.errors) {
            EXPECT_EQ(d.file, entry.path().string());
            EXPECT_GT(d.line, 0);
            EXPECT_GT(d.column, 0);
            all += d.to_string() + "\n";
        }
        std::istringstream expect(read(expect_path));
        for (std::string line; std::getline(expect, line);)
            if (!line.empty()) {
                EXPECT_NE(all.find(line), std::string::npos) << "want: " << line << "\ngot:\n" << all;
            }
    }
    EXPECT_GE(count, 20);
}

TEST(ExamplePolicies, AllLoadClean) {
    int count = 0;
    for (const auto& entry : fs::directory_iterator(kSource / "policies")) {
        std::string name = entry.path().filename().string();
        if (entry.path().extension() != ".json" || name.find(".schema.") != std::string::npos) continue;
        ++count;
        SCOPED_TRACE(name);
        auto result = load_file(entry.path().string());
        for (const auto& e : result.errors) ADD_FAILURE() << e.to_string();
        ASSERT_TRUE(result.policy);
        EXPECT_FALSE(result.policy->hooks.empty());
        for (const auto& hook : result.policy->hooks) {
            EXPECT_FALSE(hook.command.empty()) << hook.name;
            EXPECT_GT(hook.line, 0) << hook.name;
        }
    }
    EXPECT_GE(count, 3);
}

TEST(ExamplePolicies, StrictFailsClosedOnPreToolUse) {
    auto result = load_file((kSource / "policies/strict.json").string());
    ASSERT_TRUE(result.policy);
    auto r = resolve(&*result.policy, "guard-bash", "PreToolUse", {});
    EXPECT_EQ(r.on_failure.action, FailureAction::block);
    EXPECT_LT(r.limits.memory_mb, 50);
}

TEST(Starter, ValidAndEqualToBuiltIns) {
    Policy starter = load_ok(starter_policy_json());
    for (const auto& event : known_events()) {
        SCOPED_TRACE(event);
        Resolved from_file = resolve(&starter, "any", event, {});
        Resolved built_in = resolve(nullptr, "any", event, {});
        EXPECT_EQ(from_file.limits.timeout_ms, built_in.limits.timeout_ms);
        EXPECT_EQ(from_file.limits.memory_mb, built_in.limits.memory_mb);
        EXPECT_EQ(from_file.limits.pids, built_in.limits.pids);
        EXPECT_EQ(from_file.limits.kill_grace_ms, built_in.limits.kill_grace_ms);
        EXPECT_EQ(from_file.budgets.p95_ms, built_in.budgets.p95_ms);
        EXPECT_EQ(from_file.breaker.open_ms, built_in.breaker.open_ms);
        EXPECT_EQ(from_file.on_failure.action, FailureAction::allow);
    }
}

TEST(Resolve, BuiltInDefaults) {
    Resolved r = resolve(nullptr, "x", "Stop", {});
    EXPECT_EQ(r.limits.timeout_ms, 500);
    EXPECT_EQ(r.limits.memory_mb, 50);
    EXPECT_DOUBLE_EQ(*r.budgets.p95_ms, 250);
    EXPECT_DOUBLE_EQ(r.budgets.error_rate, 0.05);
    EXPECT_EQ(r.on_failure.action, FailureAction::allow);
    EXPECT_EQ(r.hook, nullptr);
    EXPECT_EQ(resolve(nullptr, "x", "UserPromptSubmit", {}).limits.timeout_ms, 10000);
    EXPECT_EQ(resolve(nullptr, "x", "SessionStart", {}).limits.timeout_ms, 2000);
}

TEST(Resolve, Precedence) {
    Policy p = load_ok(R"({
      "version": 1,
      "defaults": {"limits": {"timeout_ms": 3000, "memory_mb": 40, "pids": 30, "cpu_percent": 50},
                   "budgets": {"error_rate": 0.1}, "on_failure": "allow",
                   "breaker": {"window": 10, "min_calls": 3}},
      "events": {"PreToolUse": {"limits": {"timeout_ms": 1500, "memory_mb": 60},
                                "budgets": {"error_rate": 0.2}, "on_failure": "block"}},
      "hooks": {"g": {"event": "PreToolUse", "command": ["true"],
                      "limits": {"memory_mb": 70, "pids": 20}, "on_failure": "ask",
                      "breaker": {"window": 5}}}
    })");
    LimitOverrides cli;
    cli.pids = 10;
    Resolved r = resolve(&p, "g", "PreToolUse", cli);
    ASSERT_NE(r.hook, nullptr);
    EXPECT_EQ(r.hook->name, "g");
    EXPECT_EQ(r.limits.pids, 10);           // command line beats hook
    EXPECT_EQ(r.limits.memory_mb, 70);      // hook beats event
    EXPECT_EQ(r.limits.timeout_ms, 1500);   // event beats defaults
    EXPECT_EQ(r.limits.cpu_percent, 50);    // defaults beat built-in
    EXPECT_EQ(r.limits.output_kb, 1024);    // built-in
    EXPECT_DOUBLE_EQ(r.budgets.error_rate, 0.2);
    EXPECT_DOUBLE_EQ(*r.budgets.p95_ms, 750);  // half the resolved timeout
    EXPECT_EQ(r.on_failure.action, FailureAction::ask);
    EXPECT_EQ(r.breaker.window, 5);
    EXPECT_EQ(r.breaker.min_calls, 3);

    // Another event: the PreToolUse layer does not apply, the hook entry still does.
    Resolved other = resolve(&p, "g", "Stop", {});
    EXPECT_EQ(other.limits.timeout_ms, 3000);
    EXPECT_EQ(other.limits.memory_mb, 70);
    // No event given: the hook entry's own event.
    EXPECT_EQ(resolve(&p, "g", "", {}).limits.timeout_ms, 1500);
    // Unknown hook: layers without the hook entry.
    Resolved unknown = resolve(&p, "nope", "PreToolUse", {});
    EXPECT_EQ(unknown.hook, nullptr);
    EXPECT_EQ(unknown.limits.memory_mb, 60);
    EXPECT_EQ(unknown.on_failure.action, FailureAction::block);

    // A command-line timeout moves the default p95 budget with it.
    LimitOverrides timeout;
    timeout.timeout_ms = 4000;
    EXPECT_DOUBLE_EQ(*resolve(&p, "g", "PreToolUse", timeout).budgets.p95_ms, 2000);
}

TEST(Resolve, BreakerBoundsAcrossLayers) {
    Policy p = load_ok(R"({"version": 1, "defaults": {"breaker": {"open_ms": 60000}},
      "hooks": {"h": {"event": "Stop", "command": ["true"], "breaker": {"max_open_ms": 1000}}}})");
    Resolved r = resolve(&p, "h", "Stop", {});
    EXPECT_GE(r.breaker.max_open_ms, r.breaker.open_ms);
}

TEST(Load, HooksKeepFileOrderAndPositions) {
    Policy p = load_ok("{\"version\": 1,\n\"hooks\": {\n  \"zeta\": {\"event\": \"Stop\", \"command\": [\"a\"]},\n"
                       "  \"alpha\": {\"event\": \"Stop\", \"command\": [\"b\"], \"matcher\": \"*\"},\n"
                       "  \"mid\": {\"event\": \"PreToolUse\", \"command\": [\"c\", \"\"], \"matcher\": \"mcp__.*\"}\n}}");
    ASSERT_EQ(p.hooks.size(), 3u);
    EXPECT_EQ(p.hooks[0].name, "zeta");
    EXPECT_EQ(p.hooks[1].name, "alpha");
    EXPECT_EQ(p.hooks[0].line, 3);
    EXPECT_EQ(p.hooks[0].column, 3);
    EXPECT_EQ(p.hooks[2].line, 5);
    EXPECT_EQ(p.hooks[2].command, (std::vector<std::string>{"c", ""}));
    auto stop = hooks_for_event(p, "Stop");
    ASSERT_EQ(stop.size(), 2u);
    EXPECT_EQ(stop[0]->name, "zeta");
    EXPECT_EQ(find_hook(p, "mid")->matcher, "mcp__.*");
    EXPECT_EQ(find_hook(p, "absent"), nullptr);
}

TEST(Load, Fallbacks) {
    Policy p = load_ok(R"({"version": 1, "hooks": {
      "a": {"event": "Stop", "command": ["x"], "on_failure": "fallback", "fallback": {"output": {"continue": true}}},
      "b": {"event": "Stop", "command": ["x"], "on_failure": "fallback", "fallback": {"command": ["echo", "{}"]}}}})");
    ASSERT_EQ(p.hooks.size(), 2u);
    const auto& a = *p.hooks[0].layer.on_failure;
    EXPECT_EQ(a.action, FailureAction::fallback);
    EXPECT_EQ(a.fallback_output, std::optional<std::string>(R"({"continue":true})"));
    const auto& b = *p.hooks[1].layer.on_failure;
    EXPECT_EQ(b.fallback_command, (std::vector<std::string>{"echo", "{}"}));
}

TEST(Load, ReportsEveryErrorNotJustTheFirst) {
    auto r = load_string(R"({"version": 1, "defaults": {"limits": {"timeout_ms": 0, "pids": -1}, "on_failure": "nope"}})",
                         "x.json");
    EXPECT_EQ(r.errors.size(), 3u);

    auto named = load_string(R"({"version": 1, "hooks": {"bad name": {"event": "Stop", "command": []}}})", "y.json");
    EXPECT_EQ(named.errors.size(), 2u);  // the name, and the body all the same
}

TEST(Load, UnreadableFile) {
    auto r = load_file("/nonexistent/policy.json");
    EXPECT_TRUE(r.unreadable);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_NE(r.errors[0].to_string().find("/nonexistent/policy.json: cannot read policy"), std::string::npos);
}

TEST(Positions, CountCodePointsAndDecodeEscapedKeys) {
    std::string text = "{\"d\": \"h\xC3\xA9llo\", \"a\\/b\": 1,\n  \"x\": [1, {\"y\": 2}]}";
    PositionIndex index(text);
    EXPECT_EQ(index.key("/a~1b").column, 16);  // é counts as one column, not two
    EXPECT_EQ(index.value("/x/1/y").line, 2);
    EXPECT_EQ(index.value("/x/1/y").column, 18);
    EXPECT_EQ(index.value("/x/1/missing").column, 12);  // nearest known ancestor: the {
    EXPECT_EQ(position_of_offset(text, text.find("\"x\"")).line, 2);
}

TEST(Discover, FollowsSpecOrder) {
    fs::path root = make_temp_dir();
    fs::path project = root / "project", nested = root / "work/a/b", config = root / "config";
    fs::create_directories(project);
    fs::create_directories(nested);
    std::string policy_text = starter_policy_json();
    write(root / "work/.hookwarden/policy.json", policy_text);
    write(project / ".hookwarden/policy.json", policy_text);
    write(config / "hookwarden/policy.json", policy_text);

    ScopedCwd cwd(nested);
    ScopedEnv named("HOOKWARDEN_POLICY", "/named.json");
    ScopedEnv claude("CLAUDE_PROJECT_DIR", project.string());
    ScopedEnv xdg("XDG_CONFIG_HOME", config.string());

    EXPECT_EQ(discover("/explicit.json"), "/explicit.json");
    EXPECT_EQ(discover(""), "/named.json");  // named even if missing: never silently replaced
    ::unsetenv("HOOKWARDEN_POLICY");
    EXPECT_EQ(discover(""), (project / ".hookwarden/policy.json").string());
    ::setenv("CLAUDE_PROJECT_DIR", (root / "no-policy-here").c_str(), 1);
    EXPECT_EQ(discover(""), (fs::canonical(root) / "work/.hookwarden/policy.json").string());
    fs::remove_all(root / "work/.hookwarden");
    EXPECT_EQ(discover(""), (config / "hookwarden/policy.json").string());
    ::unsetenv("XDG_CONFIG_HOME");
    ScopedEnv home("HOME", root.string());
    EXPECT_EQ(discover(""), std::nullopt);
    write(root / ".config/hookwarden/policy.json", policy_text);
    EXPECT_EQ(discover(""), (root / ".config/hookwarden/policy.json").string());
    fs::remove_all(root);
}

// alerts: the built-in rules, switched off or changed per layer, per hook and per event.
TEST(Alerts, BuiltInRulesWhenThePolicySaysNothing) {
    Resolved r = resolve(nullptr, "any", "PreToolUse", {});
    const AlertRule& slow = r.alerts[static_cast<std::size_t>(AlertKind::slow_p95)];
    EXPECT_TRUE(slow.enabled);
    EXPECT_EQ(slow.threshold, 2000);
    EXPECT_EQ(slow.window_ms, 300000);
    EXPECT_EQ(slow.for_ms, 300000);
    const AlertRule& memory = r.alerts[static_cast<std::size_t>(AlertKind::memory_high)];
    EXPECT_DOUBLE_EQ(memory.threshold, 0.8);
    EXPECT_EQ(memory.for_ms, 120000);
    EXPECT_DOUBLE_EQ(r.alerts[static_cast<std::size_t>(AlertKind::error_rate)].threshold, 0.05);
    EXPECT_EQ(r.alerts[static_cast<std::size_t>(AlertKind::error_rate)].for_ms, 60000);
    EXPECT_EQ(r.alerts[static_cast<std::size_t>(AlertKind::timeout)].for_ms, 0);
}

TEST(Alerts, LayersChangeAndSwitchOffRulesPerEventAndHook) {
    Policy p = load_ok(R"({"version": 1,
      "defaults": {"alerts": {"HookSlowP95": {"threshold": "1500ms", "window": "10m"}, "HookTimeout": false}},
      "events": {"Stop": {"alerts": {"HookSlowP95": {"for": "1m30s"}, "HookErrorRate": false}}},
      "hooks": {"lint": {"event": "Stop", "command": ["true"],
                         "alerts": {"HookTimeout": {"enabled": true, "threshold": 2},
                                    "HookErrorRate": {"enabled": true, "threshold": 0.2,
                                                      "notify": {"command": ["notify-send", "x"],
                                                                 "webhook": "http://127.0.0.1:9/x"}}}}}})");
    auto at = [](const Resolved& r, AlertKind k) { return r.alerts[static_cast<std::size_t>(k)]; };
    Resolved other = resolve(&p, "other", "PreToolUse", {});
    EXPECT_EQ(at(other, AlertKind::slow_p95).threshold, 1500);
    EXPECT_EQ(at(other, AlertKind::slow_p95).window_ms, 600000);
    EXPECT_EQ(at(other, AlertKind::slow_p95).for_ms, 300000);
    EXPECT_FALSE(at(other, AlertKind::timeout).enabled);
    EXPECT_TRUE(at(other, AlertKind::error_rate).enabled);

    Resolved stop = resolve(&p, "other-stop", "Stop", {});
    EXPECT_EQ(at(stop, AlertKind::slow_p95).for_ms, 90000);
    EXPECT_FALSE(at(stop, AlertKind::error_rate).enabled);

    Resolved lint = resolve(&p, "lint", "", {});
    EXPECT_TRUE(at(lint, AlertKind::timeout).enabled);
    EXPECT_EQ(at(lint, AlertKind::timeout).threshold, 2);
    EXPECT_TRUE(at(lint, AlertKind::error_rate).enabled);
    EXPECT_DOUBLE_EQ(at(lint, AlertKind::error_rate).threshold, 0.2);
    EXPECT_EQ(at(lint, AlertKind::error_rate).notify.command, (std::vector<std::string>{"notify-send", "x"}));
    EXPECT_EQ(at(lint, AlertKind::error_rate).notify.webhook, "http://127.0.0.1:9/x");
}

TEST(Alerts, EveryBadValueIsReportedWithItsPosition) {
    auto r = load_string(R"({"version": 1, "defaults": {"alerts": {
      "HookTimeout": {"for": "1 m", "window": "0s", "threshold": 1.5},
      "HookSlowP95": {"threshold": 2},
      "HookMemoryHigh": {"threshold": 0, "windows": "1m"}}}})", "p.json");
    ASSERT_FALSE(r.policy);
    std::string all;
    for (const auto& e : r.errors) all += e.to_string() + "\n";
    EXPECT_NE(all.find("p.json:2:30: $.defaults.alerts.HookTimeout.for: expected a duration"), std::string::npos) << all;
    EXPECT_NE(all.find("HookTimeout.window: expected a duration"), std::string::npos) << all;
    EXPECT_NE(all.find("HookTimeout.threshold: expected an integer >= 0"), std::string::npos) << all;
    EXPECT_NE(all.find("HookSlowP95.threshold: expected a duration"), std::string::npos) << all;
    EXPECT_NE(all.find("HookMemoryHigh.threshold: expected a fraction"), std::string::npos) << all;
    EXPECT_NE(all.find("unknown key \"windows\"; did you mean \"window\"?"), std::string::npos) << all;
    EXPECT_EQ(r.errors.size(), 6u) << all;
}
