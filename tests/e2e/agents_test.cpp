// Every agent end to end: the real binary fed each agent's own event JSON
// (tests/data/agents, written from the payloads Codex CLI and Gemini CLI were seen to send
// and from Copilot CLI's and Cursor's documented formats), a hook that hangs, and the
// answer checked the way that agent reads it. Records name the agent, event and hook.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/harness.h"

using nlohmann::json;

namespace {

std::string payload(const std::string& name) {
    std::ifstream in(hwtest::source_dir() + "/tests/data/agents/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A guard that never answers, killed at 300 ms and answered by `action`.
hwtest::Result hung(const std::string& payload_file, const std::string& action, std::vector<std::string> extra = {},
                    hwtest::Options options = {}) {
    std::vector<std::string> args{"run", "--name", "guard", "--timeout", "300", "--on-failure", action};
    args.insert(args.end(), extra.begin(), extra.end());
    for (const char* word : {"--", "sh", "-c", "cat >/dev/null; exec sleep 30"}) args.emplace_back(word);
    if (options.stdin_data.empty()) options.stdin_data = payload(payload_file);
    return hwtest::run(args, options);
}

json out_json(const hwtest::Result& r) {
    json parsed = json::parse(r.out, nullptr, false);
    return parsed.is_discarded() ? json() : parsed;
}

void expect_record(const hwtest::Result& r, const char* agent, const char* event) {
    ASSERT_TRUE(r.record.is_object()) << r.err;
    EXPECT_EQ(r.record["agent"], agent);
    EXPECT_EQ(r.record["event"], event);
    EXPECT_EQ(r.record["hook"], "guard");
    EXPECT_EQ(r.record["outcome"], "timeout");
    EXPECT_LT(r.elapsed_ms, 3000) << "held past timeout + grace";
}

TEST(Agents, CodexHungGuardBlocksWithExitTwo) {
    auto r = hung("codex-PreToolUse.json", "block");
    expect_record(r, "codex", "PreToolUse");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("blocked (fail-closed)"), std::string::npos) << r.err;
    EXPECT_EQ(out_json(r)["hookSpecificOutput"]["permissionDecision"], "deny") << r.out;
    EXPECT_EQ(r.record["answer"], "block");
    EXPECT_EQ(r.record["matcher_target"], "Bash");
    EXPECT_EQ(r.record["session_id"], "019a6f2e-codex-session");
}

// Codex has no ask and fails open on one: hookwarden denies, and the record says so.
TEST(Agents, CodexAskBecomesARecordedDeny) {
    auto r = hung("codex-PreToolUse.json", "ask");
    expect_record(r, "codex", "PreToolUse");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(out_json(r)["hookSpecificOutput"]["permissionDecision"], "deny") << r.out;
    EXPECT_EQ(r.record["answer"], "block");
    EXPECT_NE(r.record["errors"].dump().find("on_failure \\\"ask\\\" answered as a block: Codex CLI has no ask"),
              std::string::npos)
        << r.record["errors"];
}

// Gemini's exit 2 without output allows: the block is the JSON verdict.
TEST(Agents, GeminiHungGuardIsDeniedInJson) {
    auto r = hung("gemini-BeforeTool.json", "block");
    expect_record(r, "gemini", "BeforeTool");
    const json out = out_json(r);
    EXPECT_EQ(out["decision"], "deny") << r.out;
    EXPECT_NE(out.value("reason", "").find("blocked (fail-closed)"), std::string::npos) << r.out;
    EXPECT_EQ(r.record["matcher_target"], "run_shell_command");
}

TEST(Agents, GeminiFailOpenApprovesNothing) {
    auto r = hung("gemini-BeforeTool.json", "allow");
    expect_record(r, "gemini", "BeforeTool");
    EXPECT_EQ(r.exit_code, 0);
    const json out = out_json(r);
    EXPECT_FALSE(out.contains("decision")) << r.out;
    EXPECT_NE(out.value("systemMessage", "").find("fail-open"), std::string::npos) << r.out;
}

// Copilot skips a hook that exits non-zero: its block is JSON on exit 0.
TEST(Agents, CopilotHungGuardIsDeniedOnExitZero) {
    auto r = hung("copilot-preToolUse.json", "block", {"--event", "preToolUse"});
    expect_record(r, "copilot", "preToolUse");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(out_json(r)["permissionDecision"], "deny") << r.out;
    EXPECT_EQ(r.record["matcher_target"], "bash");
    EXPECT_EQ(r.record["session_id"], "b0c1-copilot-session");

    auto pascal = hung("copilot-PreToolUse.json", "block");
    expect_record(pascal, "copilot", "PreToolUse");
    EXPECT_EQ(pascal.exit_code, 0);
    EXPECT_EQ(out_json(pascal)["permissionDecision"], "deny") << pascal.out;
    EXPECT_EQ(out_json(pascal)["hookSpecificOutput"]["permissionDecision"], "deny") << pascal.out;
}

// A camelCase payload names no event: without --event the answer is every deny Copilot reads.
TEST(Agents, CopilotWithoutAnEventNameGetsEveryBlockingForm) {
    auto r = hung("copilot-preToolUse.json", "block");
    expect_record(r, "copilot", "");
    EXPECT_EQ(r.exit_code, 0);
    const json out = out_json(r);
    EXPECT_EQ(out["permissionDecision"], "deny") << r.out;
    EXPECT_EQ(out["behavior"], "deny") << r.out;
    EXPECT_EQ(out["decision"], "block") << r.out;
}

TEST(Agents, CursorHungGuardIsDenied) {
    auto r = hung("cursor-beforeShellExecution.json", "block");
    expect_record(r, "cursor", "beforeShellExecution");
    EXPECT_EQ(r.exit_code, 2);
    const json out = out_json(r);
    EXPECT_EQ(out["permission"], "deny") << r.out;
    EXPECT_NE(out.value("agent_message", "").find("blocked (fail-closed)"), std::string::npos) << r.out;
    EXPECT_EQ(r.record["matcher_target"], "rm -rf build");
    EXPECT_EQ(r.record["session_id"], "conv-6c1e");

    auto ask = hung("cursor-preToolUse.json", "ask");
    expect_record(ask, "cursor", "preToolUse");
    EXPECT_EQ(ask.exit_code, 0);
    EXPECT_EQ(out_json(ask)["permission"], "ask") << ask.out;
}

TEST(Agents, AgentFlagOverridesDetection) {
    auto r = hung("codex-PreToolUse.json", "block", {"--agent", "gemini"});
    ASSERT_TRUE(r.record.is_object()) << r.err;
    EXPECT_EQ(r.record["agent"], "gemini");
    EXPECT_EQ(out_json(r)["decision"], "deny") << r.out;
}

TEST(Agents, UnknownAgentNameIsAUsageErrorNamingTheAcceptedOnes) {
    hwtest::Options options;
    options.with_record = false;
    auto r = hwtest::run({"run", "--agent", "vscode", "--", "true"}, options);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("unknown agent 'vscode': expected one of claude, codex, gemini, copilot, cursor"),
              std::string::npos)
        << r.err;
    auto d = hwtest::run({"dispatch", "--agent", "Claude"}, options);
    EXPECT_EQ(d.exit_code, 2);
    EXPECT_NE(d.err.find("expected one of claude, codex"), std::string::npos) << d.err;
}

// The hook's own answer goes back byte for byte, whichever agent asked.
TEST(Agents, OwnAnswersAreRelayedUnchanged) {
    hwtest::Options options;
    options.stdin_data = payload("gemini-BeforeTool.json");
    auto r = hwtest::run({"run", "--name", "guard", "--", "sh", "-c",
                          "cat >/dev/null; printf '{\"decision\":\"allow\"}  '; printf 'why' >&2; exit 2"},
                         options);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out, "{\"decision\":\"allow\"}  ");
    EXPECT_EQ(r.err, "why");
    EXPECT_EQ(r.record["agent"], "gemini");
    EXPECT_EQ(r.record["answer"], "own");
}

// Bad input: a payload hookwarden cannot read, or from an agent it does not know, still
// runs under the limits and is blocked in the most conservative form known.
TEST(Agents, UnreadablePayloadIsStillBlocked) {
    hwtest::Options options;
    options.stdin_data = "{\"hook_event_name\": \"BeforeTool\", \"tool_name\": \"run_sh";  // cut off
    options.env = {"GEMINI_SESSION_ID=abc", "GEMINI_PROJECT_DIR=/work/project"};
    auto r = hung("", "block", {"--event", "BeforeTool"}, options);
    ASSERT_TRUE(r.record.is_object()) << r.err;
    EXPECT_EQ(r.record["agent"], "gemini") << "the environment still says who called";
    EXPECT_EQ(r.record["outcome"], "timeout");
    EXPECT_EQ(out_json(r)["decision"], "deny") << r.out;

    hwtest::Options unknown;
    unknown.stdin_data = payload("unknown-agent.json");
    auto u = hung("", "block", {}, unknown);
    ASSERT_TRUE(u.record.is_object()) << u.err;
    EXPECT_EQ(u.record["agent"], "claude");
    EXPECT_EQ(u.record["outcome"], "timeout");
    EXPECT_EQ(u.exit_code, 2) << "exit 2 blocks wherever Claude Code's protocol is read";
    EXPECT_NE(u.record["errors"].dump().find("no agent recognised"), std::string::npos) << u.record["errors"];
    EXPECT_LT(u.elapsed_ms, 3000);
}

std::string write_policy(const json& policy) {
    std::string path = hwtest::temp_dir() + "/policy.json";
    std::ofstream(path) << policy.dump(2);
    return path;
}

json sh_hook(const std::string& event, const std::string& script, json extra = json::object()) {
    json h = {{"event", event}, {"command", {"sh", "-c", script}}};
    for (auto& [k, v] : extra.items()) h[k] = v;
    return h;
}

// One policy serves two agents, each naming events in its own vocabulary; dispatch merges
// in the calling agent's form.
TEST(Agents, OnePolicyServesSeveralAgents) {
    const json hooks = {
        {"claude-guard", sh_hook("PreToolUse", "cat >/dev/null; echo claude-ran >&2; exit 2")},
        {"gemini-ok", sh_hook("BeforeTool", "cat >/dev/null; echo '{\"systemMessage\":\"looked\"}'")},
        {"gemini-hangs", sh_hook("BeforeTool", "cat >/dev/null; exec sleep 30",
                                 {{"limits", {{"timeout_ms", 300}}}, {"on_failure", "block"}})},
    };
    const std::string policy = write_policy({{"version", 1}, {"hooks", hooks}});
    hwtest::Options options;
    options.stdin_data = payload("gemini-BeforeTool.json");
    const std::string record_path = hwtest::temp_dir() + "/records.json";
    auto r = hwtest::run({"dispatch", "--policy", policy, "--record", record_path}, options);
    EXPECT_LT(r.elapsed_ms, 3000);
    const json out = out_json(r);
    EXPECT_EQ(out["decision"], "deny") << r.out << r.err;
    EXPECT_NE(out.value("reason", "").find("gemini-hangs"), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find("claude-ran"), std::string::npos) << "a Claude Code hook ran for a Gemini event";
    std::ifstream in(record_path);
    const json records = json::parse(in, nullptr, false);
    ASSERT_TRUE(records.is_array()) << r.err;
    ASSERT_EQ(records.size(), 2u);
    for (const auto& record : records) {
        EXPECT_EQ(record["agent"], "gemini");
        EXPECT_EQ(record["event"], "BeforeTool");
    }
}

}  // namespace

namespace {

// `report --agent` keeps one agent's runs; the store keeps each run's agent.
TEST(Agents, ReportFiltersByAgent) {
    hwtest::Options options;
    options.state_dir = hwtest::temp_dir() + "/state";
    options.stdin_data = payload("gemini-BeforeTool.json");
    ASSERT_EQ(hwtest::run({"run", "--name", "g", "--", "true"}, options).exit_code, 0);
    options.stdin_data = payload("codex-PreToolUse.json");
    ASSERT_EQ(hwtest::run({"run", "--name", "c", "--", "true"}, options).exit_code, 0);
    options.with_record = false;
    options.stdin_data.clear();
    auto all = hwtest::run({"report", "--format", "jsonl"}, options);
    EXPECT_NE(all.out.find("\"agent\":\"codex\""), std::string::npos) << all.out << all.err;
    EXPECT_NE(all.out.find("\"agent\":\"gemini\""), std::string::npos) << all.out;
    auto gemini = hwtest::run({"report", "--format", "jsonl", "--agent", "gemini"}, options);
    EXPECT_NE(gemini.out.find("\"agent\":\"gemini\""), std::string::npos) << gemini.out << gemini.err;
    EXPECT_EQ(gemini.out.find("\"agent\":\"codex\""), std::string::npos) << gemini.out;
}

}  // namespace
