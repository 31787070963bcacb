// The adapters behind agents/adapter.h: each agent's table, detection from real payload
// shapes (tests/data/agents), and every answer form hookwarden makes on its own, checked
// the way that agent reads it (docs/agents.md).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "agents/adapter.h"
#include "agents/claude/protocol.h"
#include "util/fs.h"

namespace hookwarden::agents {
namespace {

using nlohmann::json;

const char* no_env(const char*) { return nullptr; }
const char* gemini_env(const char* name) { return std::string(name) == "GEMINI_PROJECT_DIR" ? "/work/p" : nullptr; }

EventInfo read(const std::string& text, std::optional<Agent> forced = std::nullopt,
               const char* (*env)(const char*) = no_env, const std::string& event = "") {
    EventInfo info = claude::parse_event(text, event);
    resolve_agent(info, forced, env);
    return info;
}

std::string fixture(const std::string& name) {
    return fs::read_file(std::string(HOOKWARDEN_SOURCE_DIR) + "/tests/data/agents/" + name).value_or("");
}

json out_of(const Answer& answer) { return json::parse(answer.stdout_data, nullptr, false); }

OnFailure action(FailureAction a) {
    OnFailure policy;
    policy.action = a;
    return policy;
}

FailedRun timed_out(const std::string& event, bool stop_hook_active = false) {
    return {event, "guard", Outcome::timeout, "2000 ms", stop_hook_active};
}

TEST(Adapters, OneAdapterPerAgentWithItsOwnTable) {
    std::set<Agent> seen;
    for (const Adapter* adapter : adapters()) {
        SCOPED_TRACE(adapter->display_name);
        EXPECT_TRUE(seen.insert(adapter->agent).second);
        EXPECT_EQ(&adapter_for(adapter->agent), adapter);
        std::set<std::string_view> names;
        for (const EventFacts& facts : adapter->events()) {
            EXPECT_TRUE(names.insert(facts.name).second) << "duplicate " << facts.name;
            EXPECT_GT(facts.agent_timeout_ms, 0);
            EXPECT_LE(facts.agent_timeout_ms, adapter->default_timeout_ms) << facts.name;
        }
    }
    EXPECT_EQ(seen.size(), 5u);
    EXPECT_EQ(adapter_for(Agent::claude).events().size(), 31u);
    EXPECT_EQ(adapter_for(Agent::codex).events().size(), 13u);
    EXPECT_EQ(adapter_for(Agent::gemini).events().size(), 11u);
    EXPECT_EQ(adapter_for(Agent::copilot).events().size(), 23u);
    EXPECT_EQ(adapter_for(Agent::cursor).events().size(), 20u);
}

TEST(Adapters, TimeoutUnitsAndDefaultsAreTheAgents) {
    EXPECT_EQ(adapter_for(Agent::claude).default_timeout_ms, 600'000);
    EXPECT_EQ(adapter_for(Agent::codex).default_timeout_ms, 600'000);
    EXPECT_EQ(find_event(Agent::codex, "SessionEnd")->agent_timeout_ms, 3'000);
    EXPECT_EQ(adapter_for(Agent::gemini).timeout_unit, "ms");
    EXPECT_EQ(adapter_for(Agent::gemini).default_timeout_ms, 60'000);
    EXPECT_EQ(adapter_for(Agent::copilot).default_timeout_ms, 30'000);
    EXPECT_EQ(adapter_for(Agent::copilot).execution, Execution::sequential);
    EXPECT_EQ(adapter_for(Agent::gemini).execution, Execution::parallel_unless_sequential);
    EXPECT_TRUE(adapter_for(Agent::gemini).json_wins_over_exit_code);
    EXPECT_FALSE(adapter_for(Agent::codex).has_ask);
}

// A name two agents share has one built-in timeout, whichever table it is read from.
TEST(Adapters, SharedEventNamesAgreeOnTheBuiltInTimeout) {
    for (const Adapter* adapter : adapters())
        for (const EventFacts& facts : adapter->events())
            EXPECT_EQ(builtin_timeout_ms(facts.name), facts.builtin_timeout_ms)
                << adapter->display_name << " " << facts.name;
}

TEST(Detection, EachAgentFromItsOwnPayload) {
    const EventInfo codex = read(fixture("codex-PreToolUse.json"));
    EXPECT_EQ(codex.agent, Agent::codex);
    EXPECT_EQ(codex.agent_source, "payload: turn_id");
    EXPECT_EQ(codex.matcher_target, "Bash");

    const EventInfo gemini = read(fixture("gemini-BeforeTool.json"));
    EXPECT_EQ(gemini.agent, Agent::gemini);
    EXPECT_EQ(gemini.matcher_target, "run_shell_command");

    const EventInfo copilot = read(fixture("copilot-preToolUse.json"), std::nullopt, no_env, "preToolUse");
    EXPECT_EQ(copilot.agent, Agent::copilot);
    EXPECT_EQ(copilot.matcher_target, "bash");
    EXPECT_EQ(copilot.session_id, "b0c1-copilot-session");

    const EventInfo pascal = read(fixture("copilot-PreToolUse.json"));
    EXPECT_EQ(pascal.agent, Agent::copilot) << pascal.agent_source;
    EXPECT_EQ(pascal.matcher_target, "bash");

    const EventInfo cursor = read(fixture("cursor-beforeShellExecution.json"));
    EXPECT_EQ(cursor.agent, Agent::cursor);
    EXPECT_EQ(cursor.session_id, "conv-6c1e");
    EXPECT_EQ(cursor.matcher_target, "rm -rf build");

    const EventInfo claude = read(R"({"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash"})");
    EXPECT_EQ(claude.agent, Agent::claude);
    EXPECT_EQ(claude.agent_source, "payload: event PreToolUse");

    const EventInfo display = read(R"({"session_id":"s","hook_event_name":"MessageDisplay","turn_id":"t"})");
    EXPECT_EQ(display.agent, Agent::claude) << "Claude Code's MessageDisplay has a turn_id as well";
}

TEST(Detection, FlagWinsThenPayloadThenEnvironment) {
    EXPECT_EQ(read(fixture("codex-PreToolUse.json"), Agent::claude).agent, Agent::claude);
    EXPECT_EQ(read(fixture("codex-PreToolUse.json"), Agent::claude).agent_source, "--agent");
    // The environment is inherited: Codex's payload still says Codex.
    EXPECT_EQ(read(fixture("codex-PreToolUse.json"), std::nullopt, gemini_env).agent, Agent::codex);
    // Gemini's SessionStart shares its name with Claude Code's: the environment decides.
    const std::string start = R"({"session_id":"s","hook_event_name":"SessionStart","source":"startup"})";
    EXPECT_EQ(read(start).agent, Agent::claude);
    EXPECT_EQ(read(start, std::nullopt, gemini_env).agent, Agent::gemini);
}

TEST(Detection, CopesWithPayloadsThatDoNotParse) {
    const EventInfo cut = read(R"({"hook_event_name":"BeforeTool","tool_na)", std::nullopt, gemini_env, "BeforeTool");
    EXPECT_FALSE(cut.is_json);
    EXPECT_EQ(cut.agent, Agent::gemini);
    EXPECT_EQ(cut.event, "BeforeTool");
    const EventInfo garbage = read("\xff\xfe not json at all");
    EXPECT_EQ(garbage.agent, Agent::claude);
    EXPECT_EQ(garbage.agent_source, "default (the input is not a JSON event)");
    const EventInfo foreign = read(fixture("unknown-agent.json"));
    EXPECT_EQ(foreign.agent, Agent::claude);
    EXPECT_EQ(foreign.agent_source, "default (no agent recognised in the payload)");
}

TEST(Answers, GeminiBlocksInJsonBecauseItsExitTwoAloneAllows) {
    const Answer a = degrade(Agent::gemini, action(FailureAction::block), timed_out("BeforeTool"));
    const json out = out_of(a);
    EXPECT_EQ(out["decision"], "deny");
    EXPECT_NE(out["reason"].get<std::string>().find("hook 'guard' was killed after its timeout (2000 ms)"),
              std::string::npos);
    const Answer ask = degrade(Agent::gemini, action(FailureAction::ask), timed_out("BeforeTool"));
    EXPECT_EQ(out_of(ask)["decision"], "deny");
    EXPECT_EQ(ask.substituted, FailureAction::block);
    const Answer again = degrade(Agent::gemini, action(FailureAction::block), timed_out("AfterAgent", true));
    EXPECT_FALSE(out_of(again).contains("decision")) << "never blocks a retry loop twice";
    const Answer open = degrade(Agent::gemini, action(FailureAction::allow), timed_out("BeforeTool"));
    EXPECT_EQ(open.exit_code, 0);
    EXPECT_FALSE(out_of(open).contains("decision"));
}

TEST(Answers, CodexHasNoAsk) {
    const Answer a = degrade(Agent::codex, action(FailureAction::ask), timed_out("PreToolUse"));
    EXPECT_EQ(a.exit_code, 2);
    EXPECT_EQ(out_of(a)["hookSpecificOutput"]["permissionDecision"], "deny");
    EXPECT_EQ(a.substituted, FailureAction::block);
    EXPECT_NE(a.substitution_note.find("Codex CLI has no ask"), std::string::npos);
    // Everything else is Claude Code's answer.
    const Answer block = degrade(Agent::codex, action(FailureAction::block), timed_out("PreToolUse"));
    const Answer claude = degrade(Agent::claude, action(FailureAction::block), timed_out("PreToolUse"));
    EXPECT_EQ(block.exit_code, claude.exit_code);
    EXPECT_EQ(block.stdout_data, claude.stdout_data);
    EXPECT_FALSE(block.substituted);
}

TEST(Answers, CopilotBlocksOnExitZero) {
    const Answer tool = degrade(Agent::copilot, action(FailureAction::block), timed_out("preToolUse"));
    EXPECT_EQ(tool.exit_code, 0) << "a non-zero exit is a failure Copilot skips";
    EXPECT_EQ(out_of(tool)["permissionDecision"], "deny");
    const Answer request = degrade(Agent::copilot, action(FailureAction::block), timed_out("permissionRequest"));
    EXPECT_EQ(out_of(request)["behavior"], "deny");
    const Answer stop = degrade(Agent::copilot, action(FailureAction::block), timed_out("agentStop"));
    EXPECT_EQ(out_of(stop)["decision"], "block");
    const Answer ask = degrade(Agent::copilot, action(FailureAction::ask), timed_out("preToolUse"));
    EXPECT_EQ(out_of(ask)["permissionDecision"], "ask");
    EXPECT_FALSE(ask.substituted);
    const Answer unnamed = degrade(Agent::copilot, action(FailureAction::block), timed_out(""));
    EXPECT_EQ(out_of(unnamed)["permissionDecision"], "deny");
    EXPECT_EQ(out_of(unnamed)["behavior"], "deny");
    EXPECT_EQ(out_of(unnamed)["decision"], "block");
}

TEST(Answers, CursorPermissionForms) {
    const Answer shell = degrade(Agent::cursor, action(FailureAction::block), timed_out("beforeShellExecution"));
    EXPECT_EQ(shell.exit_code, 2);
    const json out = out_of(shell);
    EXPECT_EQ(out["permission"], "deny");
    EXPECT_EQ(out["user_message"], out["agent_message"]);
    const Answer prompt = degrade(Agent::cursor, action(FailureAction::block), timed_out("beforeSubmitPrompt"));
    EXPECT_EQ(out_of(prompt)["continue"], false);
    EXPECT_FALSE(out_of(prompt).contains("permission"));
    const Answer read_file = degrade(Agent::cursor, action(FailureAction::ask), timed_out("beforeReadFile"));
    EXPECT_EQ(out_of(read_file)["permission"], "deny") << "beforeReadFile has no ask";
    EXPECT_EQ(read_file.substituted, FailureAction::block);
    const Answer open = degrade(Agent::cursor, action(FailureAction::allow), timed_out("beforeShellExecution"));
    EXPECT_EQ(open.exit_code, 0);
    EXPECT_EQ(open.stdout_data, "{}\n") << "fail-open leaves the decision to Cursor's own rules";
}

TEST(Answers, FallbackOutputIsRelayedAsWrittenForEveryAgent) {
    OnFailure fallback = action(FailureAction::fallback);
    fallback.fallback_output = R"({"permission":"deny"})";
    for (const Adapter* adapter : adapters()) {
        const Answer a = degrade(adapter->agent, fallback, timed_out("x"));
        EXPECT_EQ(a.exit_code, 0) << adapter->display_name;
        EXPECT_EQ(out_of(a), json::parse(R"({"permission":"deny"})")) << adapter->display_name;
    }
}

HookAnswer own(const std::string& hook, int exit_code, const std::string& out, const std::string& err = "") {
    return {hook, exit_code == 0 ? Outcome::ok : exit_code == 2 ? Outcome::blocked : Outcome::error,
            {exit_code, out, err}};
}

TEST(Merge, GeminiDenyWinsAndExitTwoWithoutOutputAllows) {
    std::vector<std::string> warnings;
    const Answer a = merge(Agent::gemini, "BeforeTool",
                           {own("a", 0, R"({"systemMessage":"one"})"), own("b", 2, ""),
                            own("c", 0, R"({"decision":"deny","reason":"no"})")},
                           warnings);
    EXPECT_EQ(out_of(a)["decision"], "deny");
    EXPECT_EQ(out_of(a)["reason"], "no");
    const Answer b = merge(Agent::gemini, "BeforeTool",
                           {own("a", 0, R"({"systemMessage":"one"})"), own("b", 2, ""),
                            own("c", 0, R"({"systemMessage":"two"})")},
                           warnings);
    EXPECT_EQ(b.exit_code, 0);
    EXPECT_EQ(out_of(b)["systemMessage"], "one\ntwo");
    const Answer c = merge(Agent::gemini, "BeforeTool", {own("a", 0, ""), own("b", 3, "", "nope")}, warnings);
    EXPECT_EQ(out_of(c)["decision"], "deny") << "plain text on another exit code denies";
}

TEST(Merge, CopilotSkipsFailuresAndDenyWins) {
    std::vector<std::string> warnings;
    const Answer a = merge(Agent::copilot, "preToolUse",
                           {own("a", 1, "", "crash"), own("b", 0, R"({"permissionDecision":"allow"})"),
                            own("c", 0, R"({"permissionDecision":"ask","permissionDecisionReason":"sure?"})")},
                           warnings);
    EXPECT_EQ(a.exit_code, 0);
    EXPECT_EQ(out_of(a)["permissionDecision"], "ask") << a.stdout_data;
    const Answer b = merge(Agent::copilot, "preToolUse",
                           {own("b", 0, R"({"permissionDecision":"allow"})"),
                            own("c", 0, R"({"permissionDecision":"deny","permissionDecisionReason":"no"})")},
                           warnings);
    EXPECT_EQ(b.exit_code, 0);
    EXPECT_EQ(out_of(b)["permissionDecision"], "deny");
}

TEST(Merge, CodexMergedAskIsADeny) {
    std::vector<std::string> warnings;
    const auto decision = [](const char* d) {
        return std::string(R"({"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":")") + d +
               R"("}})";
    };
    const Answer a = merge(Agent::codex, "PreToolUse", {own("a", 0, decision("allow")), own("b", 0, decision("ask"))},
                           warnings);
    EXPECT_EQ(out_of(a)["hookSpecificOutput"]["permissionDecision"], "deny");
    EXPECT_FALSE(warnings.empty());
    const Answer claude = merge(Agent::claude, "PreToolUse",
                                {own("a", 0, decision("allow")), own("b", 0, decision("ask"))}, warnings);
    EXPECT_EQ(out_of(claude)["hookSpecificOutput"]["permissionDecision"], "ask") << "Claude Code keeps its ask";
}

TEST(Merge, CursorExitTwoDenies) {
    std::vector<std::string> warnings;
    const Answer a = merge(Agent::cursor, "beforeShellExecution",
                           {own("a", 0, R"({"permission":"allow"})"), own("b", 2, "", "dangerous")}, warnings);
    EXPECT_EQ(a.exit_code, 2);
    EXPECT_EQ(out_of(a)["permission"], "deny");
    EXPECT_EQ(out_of(a)["agent_message"], "dangerous");
}

}  // namespace
}  // namespace hookwarden::agents

namespace hookwarden::agents {
namespace {

// A hook is untrusted: verdict keys of the wrong type must neither crash the merge nor
// count as an allow that hides another hook's block.
TEST(Merge, HostileTypesNeverCrashAndNeverHideABlock) {
    const char* hostile[] = {R"({"decision":1,"permission":[],"continue":"no","permissionDecision":{}})",
                             R"({"hookSpecificOutput":{"permissionDecision":7}})", "[1,2]", "{\"decision\":"};
    for (const Adapter* adapter : adapters()) {
        for (const char* text : hostile) {
            SCOPED_TRACE(std::string(adapter->display_name) + " " + text);
            std::vector<std::string> warnings;
            const std::string event(adapter->events().front().name);
            const Answer blocked = degrade(adapter->agent, action(FailureAction::block), timed_out(event));
            const Answer merged = merge(adapter->agent, event,
                                        {own("hostile", 0, text), {"hung", Outcome::timeout, blocked}}, warnings);
            const json out = out_of(merged);
            const bool blocks = merged.exit_code == 2 || (out.is_object() && (out.value("decision", json()) == "deny" ||
                                                                              out.value("permissionDecision", json()) == "deny"));
            EXPECT_TRUE(blocks) << merged.exit_code << " " << merged.stdout_data;
        }
    }
}

}  // namespace
}  // namespace hookwarden::agents
