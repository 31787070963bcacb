// report::budgets_for (report/budgets.h): which hooks are judged, under which event, with
// the timeout their runs actually had, and where the policy declares them.
#include <gtest/gtest.h>

#include "fixtures.h"
#include "policy/policy.h"
#include "report/budgets.h"

namespace hookwarden::report {
namespace {

using testing::record;

policy::Policy parse(const std::string& text) {
    auto loaded = policy::load_string(text, "budgets.json");
    for (const auto& e : loaded.errors) ADD_FAILURE() << e.to_string();
    return loaded.policy.value_or(policy::Policy{});
}

const char* kPolicy = R"({
  "version": 1,
  "defaults": {"budgets": {"error_rate": 0.2}},
  "hooks": {
    "declared": {"event": "Stop", "command": ["true"], "budgets": {"p95_ms": 40, "timeouts": 3}},
    "idle": {"event": "PreToolUse", "command": ["true"]}
  }
})";

std::vector<RunRecord> runs_of(const std::string& hook, std::vector<std::string> events, std::int64_t timeout_ms) {
    std::vector<RunRecord> out;
    for (const auto& event : events) {
        out.push_back(record(hook, 10, Outcome::ok, event));
        out.back().limits.timeout_ms = timeout_ms;
    }
    return out;
}

const HookBudget* find(const std::vector<HookBudget>& budgets, const std::string& hook) {
    for (const auto& b : budgets)
        if (b.hook == hook) return &b;
    return nullptr;
}

TEST(Budgets, WithoutAPolicyAHookIsJudgedUnderItsMostFrequentEventAndItsLatestTimeout) {
    auto records = runs_of("free", {"Stop", "PreToolUse", "PreToolUse"}, 3000);
    records.back().limits.timeout_ms = 4000;  // a later `run --timeout 4000`
    const auto budgets = budgets_for(nullptr, records, "", "");
    ASSERT_EQ(budgets.size(), 1u);
    EXPECT_EQ(budgets[0].event, "PreToolUse");
    EXPECT_EQ(budgets[0].timeout_ms, 4000);
    EXPECT_EQ(budgets[0].p95_limit_ms(), 2000);  // half the timeout in force
    EXPECT_DOUBLE_EQ(budgets[0].budgets.error_rate, 0.05);
    EXPECT_EQ(budgets[0].policy_file, "");
    EXPECT_EQ(budgets[0].line, 0);
}

TEST(Budgets, APolicyHookIsJudgedUnderItsEntryWithWhereItIsDeclared) {
    const auto pol = parse(kPolicy);
    const auto budgets = budgets_for(&pol, runs_of("declared", {"PreToolUse", "PreToolUse"}, 2000), "", "");
    const HookBudget* b = find(budgets, "declared");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->event, "Stop");
    EXPECT_EQ(b->p95_limit_ms(), 40);
    EXPECT_EQ(b->budgets.timeouts, 3);
    EXPECT_DOUBLE_EQ(b->budgets.error_rate, 0.2);
    EXPECT_EQ(b->policy_file, "budgets.json");
    EXPECT_EQ(b->line, 5);
    EXPECT_GT(b->column, 0);
}

TEST(Budgets, PolicyHooksWithoutRunsAreIncludedWhenTheFiltersSelectThem) {
    const auto pol = parse(kPolicy);
    const auto records = runs_of("other", {"Notification"}, 1000);
    auto all = budgets_for(&pol, records, "", "");
    EXPECT_EQ(all.size(), 3u);
    ASSERT_NE(find(all, "idle"), nullptr);
    EXPECT_EQ(find(all, "idle")->timeout_ms, 2000);  // the policy's, as no run says otherwise

    auto by_hook = budgets_for(&pol, records, "idle", "");
    EXPECT_NE(find(by_hook, "idle"), nullptr);
    EXPECT_EQ(find(by_hook, "declared"), nullptr);

    auto by_event = budgets_for(&pol, records, "", "Stop");
    EXPECT_NE(find(by_event, "declared"), nullptr);
    EXPECT_EQ(find(by_event, "idle"), nullptr);
    EXPECT_NE(find(by_event, "other"), nullptr);  // the records were filtered by the caller
}

}  // namespace
}  // namespace hookwarden::report
