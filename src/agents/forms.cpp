// Degrade and merge for the adapters that describe themselves by their answer forms
// (forms.h). The rules mirror Claude Code's answer.cpp where the agents agree: a failing
// Stop-like hook never blocks again while a previous block is in effect, a fallback
// output is relayed as written, and fail-open never approves anything by itself.
#include "agents/forms.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "agents/claude/protocol.h"

namespace hookwarden::agents {

namespace {

using ojson = nlohmann::ordered_json;

Answer fallback_output_answer(const Forms& forms, const std::string& event, const std::string& output,
                              const std::string& what) {
    ojson parsed = ojson::parse(output, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
        return forms.allow(event, what + "; the policy's fallback_output is not a JSON object, allowed (fail-open)");
    Answer answer;
    answer.stdout_data = parsed.dump(-1, ' ', false, ojson::error_handler_t::replace) + "\n";
    return answer;
}

Answer block_for(const Forms& forms, const EventFacts* facts, const FailedRun& run, const std::string& what) {
    if (facts && facts->stop_loop_guard && run.stop_hook_active)
        return forms.allow(run.event, what + "; not blocking again while a Stop hook is already active");
    const bool cannot = facts && facts->blocking == Blocking::cannot;
    return forms.block(facts, run.event,
                       what + (cannot ? "; " + run.event + " cannot be blocked, reported only" : "; blocked (fail-closed)"));
}

// The agent cannot ask: the conservative reading of "ask" is a deny, and the record says so.
Answer ask_as_block(const Forms& forms, const EventFacts* facts, const FailedRun& run, const std::string& what) {
    const std::string agent(adapter_for(forms.agent).display_name);
    const std::string event = run.event.empty() ? std::string("an event it does not name") : run.event;
    Answer answer = block_for(forms, facts, run, what + "; " + agent + " has no \"ask\" for " + event);
    const bool guarded = facts && facts->stop_loop_guard && run.stop_hook_active;
    answer.substituted = guarded ? FailureAction::allow : FailureAction::block;
    answer.substitution_note = "on_failure \"ask\" answered as " + std::string(guarded ? "allow" : "a block") + ": " +
                               agent + " has no ask for " + event;
    return answer;
}

}  // namespace

std::string one_line(std::string_view text, std::size_t max) {
    std::string out;
    out.reserve(std::min(text.size(), max));
    for (char ch : text) {
        if (out.size() >= max) {
            out += "...";
            break;
        }
        out += (ch == '\n' || ch == '\r' || ch == '\t') ? ' ' : ch;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

std::string trimmed(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return std::string(text);
}

std::string failure_text(const std::string& hook, Outcome outcome, const std::string& detail) {
    return "hookwarden: hook '" + one_line(hook, 100) + "' " + claude::describe_failure(outcome, detail);
}

Answer degrade_with(const Forms& forms, const OnFailure& policy, const FailedRun& run) {
    const EventFacts* facts = find_event(forms.agent, run.event);
    const std::string what = failure_text(run.hook, run.outcome, run.detail);
    switch (policy.action) {
        case FailureAction::allow: return forms.allow(run.event, what + "; allowed (fail-open)");
        case FailureAction::fallback:
            if (policy.fallback_output) return fallback_output_answer(forms, run.event, *policy.fallback_output, what);
            return forms.allow(run.event, what + "; no fallback answer, allowed (fail-open)");
        case FailureAction::ask:
            if (facts && facts->asks_user) return forms.ask(run.event, what + "; asking the user");
            return ask_as_block(forms, facts, run, what);
        case FailureAction::block: return block_for(forms, facts, run, what);
    }
    return forms.allow(run.event, what + "; allowed (fail-open)");
}

}  // namespace hookwarden::agents
