// The merge of several hooks' answers for the adapters described by their forms (forms.h).
#include <nlohmann/json.hpp>

#include "agents/forms.h"

namespace hookwarden::agents {

namespace {

using ojson = nlohmann::ordered_json;

void join_into(std::string& into, const std::string& text, const char* sep = "\n") {
    if (text.empty()) return;
    if (!into.empty()) into += sep;
    into += text;
}

// Text a person reads: every hook's is kept, in policy order.
bool is_message_key(const std::string& key) {
    return key == "systemMessage" || key == "additionalContext" || key == "user_message" ||
           key == "agent_message" || key == "permissionDecisionReason" || key == "reason" || key == "message";
}

// Decisions that are not a block: the more cautious one wins (ask over allow).
bool is_decision_key(const std::string& key) { return key == "permissionDecision" || key == "permission"; }
int caution(const ojson& value) {
    const std::string text = value.is_string() ? value.get<std::string>() : std::string();
    return text == "ask" ? 2 : text == "allow" ? 1 : 0;
}

struct Merged {
    ojson out = ojson::object();
    std::vector<std::string> block_reasons;
    std::vector<const HookAnswer*> failed;
    std::string plain;
    bool any_pass = false;

    void add_json(const std::string& hook, const ojson& object, std::vector<std::string>& warnings) {
        for (const auto& [key, value] : object.items()) {
            auto it = out.find(key);
            if (it == out.end()) {
                out[key] = value;
            } else if (is_decision_key(key)) {
                if (caution(value) > caution(*it)) *it = value;
            } else if (is_message_key(key) && value.is_string() && it->is_string()) {
                std::string joined = it->get<std::string>();
                join_into(joined, value.get<std::string>());
                *it = joined;
            } else if (*it != value) {
                warnings.push_back("hooks disagree on " + key + "; kept the first in policy order, ignored hook '" +
                                   hook + "'");
            }
        }
    }

    void add(const Forms& forms, const EventFacts* facts, const HookAnswer& item, std::vector<std::string>& warnings) {
        const Reading reading = forms.read(facts, item.answer);
        switch (reading.kind) {
            case Reading::Kind::blocks:
                block_reasons.push_back(reading.reason.empty() ? "hook '" + item.hook + "' blocked" : reading.reason);
                return;
            case Reading::Kind::failed: failed.push_back(&item); return;
            case Reading::Kind::passes: break;
        }
        any_pass = true;
        if (!reading.json.empty()) {
            ojson parsed = ojson::parse(reading.json, nullptr, false);
            if (parsed.is_object()) add_json(item.hook, parsed, warnings);
        }
        join_into(plain, reading.plain);
    }
};

Answer failed_answer(const Merged& merged) {
    Answer answer;
    answer.exit_code = merged.failed.front()->answer.exit_code;
    std::string text;
    for (const HookAnswer* item : merged.failed) join_into(text, trimmed(item->answer.stderr_data));
    if (!text.empty()) answer.stderr_data = text + "\n";
    return answer;
}

}  // namespace

Answer merge_with(const Forms& forms, const std::string& event, const std::vector<HookAnswer>& answers,
                  std::vector<std::string>& warnings) {
    if (answers.empty()) return {};
    if (answers.size() == 1) return answers.front().answer;  // relayed unchanged, as without dispatch
    const EventFacts* facts = find_event(forms.agent, event);
    Merged merged;
    for (const HookAnswer& item : answers) merged.add(forms, facts, item, warnings);
    if (!merged.block_reasons.empty()) {
        std::string reasons;
        for (const std::string& reason : merged.block_reasons) join_into(reasons, reason);
        return forms.block(facts, event, reasons);
    }
    if (!merged.any_pass) return failed_answer(merged);
    for (const HookAnswer* item : merged.failed)
        warnings.push_back("hook '" + item->hook + "' failed (exit " + std::to_string(item->answer.exit_code) +
                           "); its answer is left out, as the agent would skip it");
    Answer answer;
    if (!merged.out.empty()) {
        if (!merged.plain.empty()) warnings.push_back("plain-text output dropped: the merged answer is JSON");
        answer.stdout_data = merged.out.dump(-1, ' ', false, ojson::error_handler_t::replace) + "\n";
    } else if (!merged.plain.empty()) {
        answer.stdout_data = merged.plain + "\n";
    }
    return answer;
}

}  // namespace hookwarden::agents
