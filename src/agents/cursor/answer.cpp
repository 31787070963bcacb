// Cursor's answer contract, from its documentation (Cursor cannot be driven offline
// here): `{"permission": "allow"|"deny"|"ask", "user_message", "agent_message"}` for the
// before* and preToolUse events, `{"continue": false, "user_message"}` for
// beforeSubmitPrompt; exit 2 denies as well. A degraded block writes both (exit 2 and the
// JSON verdict), so it holds whichever of the two a Cursor version reads.
#include <nlohmann/json.hpp>

#include "agents/cursor/cursor.h"
#include "agents/forms.h"

namespace hookwarden::agents::cursor {

namespace {

using ojson = nlohmann::ordered_json;

std::string dump(const ojson& value) { return value.dump(-1, ' ', false, ojson::error_handler_t::replace) + "\n"; }

Answer allow(const std::string&, const std::string& message) {
    Answer answer;  // no permission: Cursor's own rules decide, as without the hook
    answer.stdout_data = "{}\n";
    answer.stderr_data = message + "\n";
    return answer;
}

ojson permission(const char* decision, const std::string& reason) {
    return ojson{{"permission", decision}, {"user_message", reason}, {"agent_message", reason}};
}

Answer block(const EventFacts* facts, const std::string&, const std::string& reason) {
    Answer answer;
    answer.stderr_data = reason + "\n";
    if (facts && facts->blocking == Blocking::cannot) {
        answer.stdout_data = "{}\n";  // nothing to stop: reported only
        return answer;
    }
    answer.exit_code = 2;
    ojson out = permission("deny", reason);
    if (!facts || facts->blocking == Blocking::top_level_decision) out["continue"] = false;
    if (facts && facts->blocking == Blocking::top_level_decision) out.erase("permission");
    answer.stdout_data = dump(out);
    return answer;
}

Answer ask(const std::string&, const std::string& reason) {
    Answer answer;
    answer.stdout_data = dump(permission("ask", reason));
    return answer;
}

Reading read(const EventFacts*, const Answer& answer) {
    Reading reading;
    const std::string text = trimmed(answer.stdout_data);
    ojson parsed = text.empty() || text.front() != '{' ? ojson() : ojson::parse(text, nullptr, false);
    const std::string message = parsed.is_object() ? parsed.value("agent_message", parsed.value("user_message", "")) : "";
    if (answer.exit_code == 2 || (parsed.is_object() && (parsed.value("permission", "") == "deny" ||
                                                         parsed.value("continue", true) == false))) {
        reading.kind = Reading::Kind::blocks;
        reading.reason = message.empty() ? trimmed(answer.stderr_data) : message;
        return reading;
    }
    if (answer.exit_code != 0) {
        reading.kind = Reading::Kind::failed;
        return reading;
    }
    if (parsed.is_object())
        reading.json = text;
    else
        reading.plain = text;
    return reading;
}

constexpr Forms kForms{Agent::cursor, allow, block, ask, read};

Answer degrade(const OnFailure& policy, const FailedRun& run) { return degrade_with(kForms, policy, run); }

Answer merge(const std::string& event, const std::vector<HookAnswer>& answers, std::vector<std::string>& warnings) {
    return merge_with(kForms, event, answers, warnings);
}

const Adapter kAdapter{Agent::cursor, "Cursor", ".cursor/hooks.json, ~/.cursor/hooks.json",
                       "s",           60'000,   Execution::parallel,
                       false,         true,     events,
                       degrade,       merge};

}  // namespace

const Adapter& adapter() { return kAdapter; }

}  // namespace hookwarden::agents::cursor
