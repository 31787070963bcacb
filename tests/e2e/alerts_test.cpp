// Alerts through the real binary (docs/observability.md): a real timed-out run makes
// HookTimeout fire; the hook's next answer, and only that one, carries a systemMessage
// naming it, merged without changing the hook's own JSON; `alerts` and `status` say what
// fires, and it resolves once the run leaves the rule's window.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

#include "support/harness.h"

namespace {

const std::string kBashEvent =
    R"({"session_id":"s1","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}})";

// HookTimeout over a 3 s window (so that the test sees it resolve without waiting 5
// minutes); the rate rule off, since a timeout is a failure too.
const std::string kPolicy = R"({"version": 1,
  "defaults": {"alerts": {"HookTimeout": {"window": "3s"}, "HookErrorRate": false}}})";

class Alerts : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = hwtest::temp_dir();
        policy_ = dir_ + "/policy.json";
        std::ofstream(policy_) << kPolicy;
    }
    hwtest::Options options() const {
        hwtest::Options o;
        o.state_dir = dir_ + "/state";
        o.stdin_data = kBashEvent;
        o.with_record = false;  // the real path: the guardian commits after the answer
        o.env = {"HOOKWARDEN_POLICY=" + policy_};
        return o;
    }
    hwtest::Result hook(const std::string& script, const std::vector<std::string>& extra = {}) {
        std::vector<std::string> args{"run", "--name", "lint"};
        args.insert(args.end(), extra.begin(), extra.end());
        for (const char* a : {"--", "sh", "-c"}) args.emplace_back(a);
        args.push_back(script);
        return hwtest::run(args, options());
    }
    hwtest::Result tool(const std::vector<std::string>& args) {
        hwtest::Options o = options();
        o.stdin_data.clear();
        return hwtest::run(args, o);
    }
    std::string dir_, policy_;
};

nlohmann::json parsed(const std::string& text) { return nlohmann::json::parse(text, nullptr, false); }

}  // namespace

TEST_F(Alerts, TheNextAnswerCarriesTheSystemMessageOnceAndKeepsTheHooksOwnJson) {
    auto quiet = tool({"alerts"});
    EXPECT_EQ(quiet.exit_code, 0) << quiet.err;
    EXPECT_NE(quiet.out.find("No alert is firing"), std::string::npos);

    auto timed_out = hook("sleep 5", {"--timeout", "200"});
    EXPECT_EQ(parsed(timed_out.out)["systemMessage"].get<std::string>().find("alert"), std::string::npos)
        << "the run that times out is answered before its alert exists: " << timed_out.out;

    // The hook's own JSON, exit 0: the key is added, every other byte kept.
    const std::string own = R"({"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "allow"}})";
    auto next = hook("printf '%s' '" + own + "'");
    EXPECT_EQ(next.exit_code, 0);
    auto answer = parsed(next.out);
    ASSERT_TRUE(answer.is_object()) << next.out;
    EXPECT_NE(answer["systemMessage"].get<std::string>().find("alert HookTimeout is firing for hook 'lint'"),
              std::string::npos) << next.out;
    EXPECT_EQ(next.out.substr(0, own.size() - 1), own.substr(0, own.size() - 1));
    EXPECT_EQ(answer["hookSpecificOutput"]["permissionDecision"], "allow");

    // Once per firing: the alert still fires, the next answers are the hook's alone.
    auto after = hook("printf '%s' '" + own + "'");
    EXPECT_EQ(after.out, own);
    auto plain = hook("true");
    EXPECT_EQ(plain.out, "");

    auto firing = tool({"alerts", "--format", "json"});
    EXPECT_EQ(firing.exit_code, 1) << firing.err;
    auto doc = parsed(firing.out);
    ASSERT_EQ(doc["alerts"].size(), 1u) << firing.out;
    EXPECT_EQ(doc["alerts"][0]["alert"], "HookTimeout");
    EXPECT_EQ(doc["alerts"][0]["hook"], "lint");
    EXPECT_EQ(doc["alerts"][0]["state"], "firing");
    EXPECT_GT(doc["alerts"][0]["firing_since_ms"].get<std::int64_t>(), 0);
    auto status = tool({"status"});
    EXPECT_NE(status.out.find("HookTimeout"), std::string::npos) << status.out;

    // The timed-out run leaves the 3 s window.
    ::usleep(3'200'000);
    auto resolved = tool({"alerts"});
    EXPECT_EQ(resolved.exit_code, 0) << resolved.out;
    EXPECT_EQ(tool({"status"}).out.find("HookTimeout"), std::string::npos);
}

TEST_F(Alerts, ANoticeWaitsForAnAnswerThatCanCarryIt) {
    hook("sleep 5", {"--timeout", "200"});
    // Plain text on stdout and an exit-2 block are left as they are; the notice waits.
    auto text = hook("echo not json");
    EXPECT_EQ(text.out, "not json\n");
    auto blocked = hook("echo no >&2; exit 2");
    EXPECT_EQ(blocked.exit_code, 2);
    EXPECT_EQ(blocked.out, "");
    auto empty = hook("true");
    EXPECT_NE(parsed(empty.out)["systemMessage"].get<std::string>().find("HookTimeout"), std::string::npos)
        << empty.out;
}

TEST_F(Alerts, UsageErrorsAndABrokenPolicyExitTwo) {
    EXPECT_EQ(tool({"alerts", "--format", "xml"}).exit_code, 2);
    std::ofstream(policy_) << R"({"version": 1, "defaults": {"alerts": {"HookTimeout": {"for": "5 minutes"}}}})";
    auto broken = tool({"alerts"});
    EXPECT_EQ(broken.exit_code, 2);
    EXPECT_NE(broken.err.find("policy.json:1:63: $.defaults.alerts.HookTimeout.for: expected a duration"),
              std::string::npos) << broken.err;
}

// `alerts --notify`: the command runs once per firing with the alert in its environment
// and on stdin; an unreachable webhook costs no answer anything and is said in the log
// and in status.
TEST_F(Alerts, NotifyRunsTheCommandOncePerFiringAndReportsAnUnreachableWebhook) {
    const std::string told = dir_ + "/told";
    std::ofstream(policy_) << R"({"version": 1, "defaults": {"alerts": {"HookErrorRate": false,
        "HookTimeout": {"window": "1m", "notify": {
          "command": ["sh", "-c", "{ echo \"$HOOKWARDEN_ALERT $HOOKWARDEN_HOOK\"; cat; echo; } >> )" + told + R"("],
          "webhook": "http://127.0.0.1:1/unreachable"}}}}})";
    hook("sleep 5", {"--timeout", "200"});
    auto first = tool({"alerts", "--notify"});
    EXPECT_EQ(first.exit_code, 1);
    EXPECT_NE(first.err.find("webhook http://127.0.0.1:1/unreachable: cannot connect"), std::string::npos) << first.err;
    EXPECT_LT(first.elapsed_ms, 5000);
    auto second = tool({"alerts", "--notify"});  // still the same firing: not told again
    EXPECT_EQ(second.err, "");
    std::ifstream in(told);
    std::string line1, line2, rest;
    std::getline(in, line1);
    std::getline(in, line2);
    EXPECT_EQ(line1, "HookTimeout lint");
    auto payload = nlohmann::json::parse(line2, nullptr, false);
    EXPECT_EQ(payload["alert"], "HookTimeout") << line2;
    EXPECT_EQ(payload["hook"], "lint");
    EXPECT_FALSE(std::getline(in, rest) && !rest.empty()) << "told twice: " << rest;
    std::ifstream log(dir_ + "/state/alerts/notify.log");
    std::string logged((std::istreambuf_iterator<char>(log)), {});
    EXPECT_NE(logged.find("HookTimeout for hook 'lint': webhook"), std::string::npos) << logged;
    auto status = tool({"status"});
    EXPECT_NE(status.out.find("alert notification failed: HookTimeout for hook 'lint'"), std::string::npos)
        << status.out;
}
