// Codex CLI's answer contract (0.171.0, ../shared/notes/agents.md): Claude Code's, read
// the same way (exit 2 + stderr blocks; `permissionDecision: "deny"` blocks; legacy
// `{"decision": "block"}` blocks; `allow` + `updatedInput` rewrites), except that `ask`
// (and a bare `allow`) are "unsupported" and fail open: the tool runs. So hookwarden's own
// answers are Claude Code's, and wherever they would say "ask" they say "deny" instead:
// a degraded `ask` is a block (the record says so), and a merge whose most cautious
// verdict is a hook's `ask` answers deny.
#include <nlohmann/json.hpp>

#include "agents/claude/protocol.h"
#include "agents/codex/codex.h"
#include "agents/forms.h"

namespace hookwarden::agents::codex {

namespace {

using ojson = nlohmann::ordered_json;

constexpr const char* kNoAsk = "Codex CLI has no \"ask\": denied";

Answer degrade(const OnFailure& policy, const FailedRun& run) {
    if (policy.action != FailureAction::ask)
        return claude::degrade(policy, run.event, run.hook, run.outcome, run.detail, run.stop_hook_active);
    OnFailure block = policy;
    block.action = FailureAction::block;
    Answer answer = claude::degrade(block, run.event, run.hook, run.outcome, run.detail + "; " + kNoAsk,
                                    run.stop_hook_active);
    answer.substituted = answer.exit_code == 2 ? FailureAction::block : FailureAction::allow;
    answer.substitution_note = std::string("on_failure \"ask\" answered as ") +
                               (answer.exit_code == 2 ? "a block" : "allow") + ": Codex CLI has no ask (it fails open on one)";
    return answer;
}

// A merged `permissionDecision: "ask"` would let the tool run under Codex: deny it.
Answer merge(const std::string& event, const std::vector<HookAnswer>& answers, std::vector<std::string>& warnings) {
    Answer merged = claude::merge(event, answers, warnings);
    if (answers.size() < 2 || merged.exit_code != 0) return merged;
    ojson out = ojson::parse(merged.stdout_data, nullptr, false);
    if (!out.is_object() || !out.contains("hookSpecificOutput")) return merged;
    ojson& specific = out["hookSpecificOutput"];
    if (!specific.is_object() || specific.value("permissionDecision", "") != "ask") return merged;
    specific["permissionDecision"] = "deny";
    std::string reason = specific.value("permissionDecisionReason", "");
    specific["permissionDecisionReason"] = reason.empty() ? std::string(kNoAsk) : reason + " (" + kNoAsk + ")";
    warnings.push_back("a hook answered \"ask\", which Codex CLI does not have; the merged answer denies");
    merged.stdout_data = out.dump(-1, ' ', false, ojson::error_handler_t::replace) + "\n";
    return merged;
}

const Adapter kAdapter{Agent::codex,
                       "Codex CLI",
                       "$CODEX_HOME/hooks.json (~/.codex), <repo>/.codex/hooks.json, [hooks] in config.toml",
                       "s",
                       600'000,
                       Execution::parallel,
                       false,
                       false,
                       events,
                       degrade,
                       merge};

}  // namespace

const Adapter& adapter() { return kAdapter; }

}  // namespace hookwarden::agents::codex
