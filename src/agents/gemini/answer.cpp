// Gemini CLI's answer contract, as measured with 0.61.0 (../shared/notes/agents.md): it
// parses `stdout.trim() || stderr.trim()`; a JSON object wins whatever the exit code
// (`decision: "deny"` or `"block"` + `reason` blocks); plain text with exit 0 or 1 allows,
// with any other code denies with the text as reason, and exit 2 *without output allows*
// (its documentation says exit 2 blocks). A timed-out hook allows.
//
// So a degraded block is the JSON verdict on stdout (exit 2 beside it, for versions that
// follow the documentation), never a bare exit 2.
#include <nlohmann/json.hpp>

#include "agents/forms.h"
#include "agents/gemini/gemini.h"

namespace hookwarden::agents::gemini {

namespace {

using ojson = nlohmann::ordered_json;

std::string dump(const ojson& value) { return value.dump(-1, ' ', false, ojson::error_handler_t::replace) + "\n"; }

Answer allow(const std::string&, const std::string& message) {
    Answer answer;
    answer.stdout_data = dump(ojson{{"systemMessage", message}});
    return answer;
}

Answer block(const EventFacts* facts, const std::string&, const std::string& reason) {
    Answer answer;
    if (facts && facts->blocking == Blocking::cannot) {
        // Nothing to stop; a deny would only confuse. The user still sees why.
        answer.stdout_data = dump(ojson{{"systemMessage", reason}});
        return answer;
    }
    answer.exit_code = 2;
    answer.stdout_data = dump(ojson{{"decision", "deny"}, {"reason", reason}});
    answer.stderr_data = reason + "\n";
    return answer;
}

Answer ask(const std::string& event, const std::string& reason) { return block(nullptr, event, reason); }

Reading read(const EventFacts*, const Answer& answer) {
    Reading reading;
    std::string text = trimmed(answer.stdout_data);
    if (text.empty()) text = trimmed(answer.stderr_data);
    if (!text.empty() && text.front() == '{') {
        ojson parsed = ojson::parse(text, nullptr, false);
        if (parsed.is_object()) {
            const std::string decision = parsed.value("decision", "");
            if (decision == "deny" || decision == "block") {
                reading.kind = Reading::Kind::blocks;
                reading.reason = parsed.contains("reason") && parsed["reason"].is_string()
                                     ? parsed["reason"].get<std::string>()
                                     : std::string();
                return reading;
            }
            reading.json = text;
            return reading;
        }
    }
    if (answer.exit_code == 0 || answer.exit_code == 1 || (answer.exit_code == 2 && text.empty())) {
        if (answer.exit_code == 0) reading.plain = trimmed(answer.stdout_data);
        return reading;
    }
    reading.kind = Reading::Kind::blocks;
    reading.reason = text;
    return reading;
}

constexpr Forms kForms{Agent::gemini, allow, block, ask, read};

Answer degrade(const OnFailure& policy, const FailedRun& run) { return degrade_with(kForms, policy, run); }

Answer merge(const std::string& event, const std::vector<HookAnswer>& answers, std::vector<std::string>& warnings) {
    return merge_with(kForms, event, answers, warnings);
}

const Adapter kAdapter{Agent::gemini,
                       "Gemini CLI",
                       ".gemini/settings.json, ~/.gemini/settings.json, /etc/gemini-cli/settings.json",
                       "ms",
                       60'000,
                       Execution::parallel_unless_sequential,
                       true,
                       false,
                       events,
                       degrade,
                       merge};

}  // namespace

const Adapter& adapter() { return kAdapter; }

}  // namespace hookwarden::agents::gemini
