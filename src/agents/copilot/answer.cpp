// Copilot CLI's answer contract, from its hooks reference (the CLI cannot be driven
// offline here): verdicts are JSON on stdout of a hook that exits 0; "hook failures
// (non-zero exit codes or timeouts) are logged and skipped, they never block". Only
// permissionRequest also reads exit 2 as a deny. So every degraded block exits 0:
//   preToolUse        {"permissionDecision": "deny", "permissionDecisionReason": ...}
//                     (PascalCase PreToolUse: the same, plus Claude's hookSpecificOutput)
//   permissionRequest {"behavior": "deny", "message": ...}
//   agentStop, subagentStop, Stop, SubagentStop   {"decision": "block", "reason": ...}
//   an event Copilot does not name: all three at once.
#include <nlohmann/json.hpp>

#include "agents/copilot/copilot.h"
#include "agents/forms.h"

namespace hookwarden::agents::copilot {

namespace {

using ojson = nlohmann::ordered_json;

std::string dump(const ojson& value) { return value.dump(-1, ' ', false, ojson::error_handler_t::replace) + "\n"; }

bool is_pascal(const std::string& event) { return !event.empty() && event.front() >= 'A' && event.front() <= 'Z'; }

Answer allow(const std::string&, const std::string& message) {
    Answer answer;  // empty output: Copilot's default behaviour; the note goes to its log
    answer.stderr_data = message + "\n";
    return answer;
}

ojson permission_verdict(const std::string& event, const std::string& decision, const std::string& reason) {
    ojson out{{"permissionDecision", decision}, {"permissionDecisionReason", reason}};
    if (is_pascal(event))
        out["hookSpecificOutput"] = {
            {"hookEventName", event}, {"permissionDecision", decision}, {"permissionDecisionReason", reason}};
    return out;
}

Answer block(const EventFacts* facts, const std::string& event, const std::string& reason) {
    Answer answer;
    answer.stderr_data = reason + "\n";
    if (!facts) {
        ojson out = permission_verdict(event, "deny", reason);
        out["behavior"] = "deny";
        out["message"] = reason;
        out["decision"] = "block";
        out["reason"] = reason;
        answer.stdout_data = dump(out);
        return answer;
    }
    switch (facts->blocking) {
        case Blocking::permission_decision: answer.stdout_data = dump(permission_verdict(event, "deny", reason)); break;
        case Blocking::permission_request:
            answer.stdout_data = dump(ojson{{"behavior", "deny"}, {"message", reason}});
            break;
        case Blocking::top_level_decision:
            answer.stdout_data = dump(ojson{{"decision", "block"}, {"reason", reason}});
            break;
        default: break;  // nothing Copilot reads can stop it: reported on stderr only
    }
    return answer;
}

Answer ask(const std::string& event, const std::string& reason) {
    Answer answer;
    answer.stdout_data = dump(permission_verdict(event, "ask", reason));
    return answer;
}

Reading read(const EventFacts* facts, const Answer& answer) {
    Reading reading;
    if (answer.exit_code != 0) {
        const bool denies = answer.exit_code == 2 && facts && facts->blocking == Blocking::permission_request;
        reading.kind = denies ? Reading::Kind::blocks : Reading::Kind::failed;
        return reading;
    }
    const std::string text = trimmed(answer.stdout_data);
    ojson parsed = text.empty() || text.front() != '{' ? ojson() : ojson::parse(text, nullptr, false);
    if (!parsed.is_object()) {
        reading.plain = text;
        return reading;
    }
    const auto says = [&](const char* key, const char* value) { return parsed.value(key, "") == std::string(value); };
    if (says("permissionDecision", "deny") || says("behavior", "deny") || says("decision", "block")) {
        reading.kind = Reading::Kind::blocks;
        for (const char* key : {"permissionDecisionReason", "message", "reason"})
            if (parsed.contains(key) && parsed[key].is_string()) reading.reason = parsed[key].get<std::string>();
        return reading;
    }
    reading.json = text;
    return reading;
}

constexpr Forms kForms{Agent::copilot, allow, block, ask, read};

Answer degrade(const OnFailure& policy, const FailedRun& run) { return degrade_with(kForms, policy, run); }

Answer merge(const std::string& event, const std::vector<HookAnswer>& answers, std::vector<std::string>& warnings) {
    return merge_with(kForms, event, answers, warnings);
}

const Adapter kAdapter{Agent::copilot,   "Copilot CLI", ".github/hooks/*.json, ~/.copilot/hooks/*.json",
                       "s",              30'000,        Execution::sequential,
                       false,            true,          events,
                       degrade,          merge};

}  // namespace

const Adapter& adapter() { return kAdapter; }

}  // namespace hookwarden::agents::copilot
