// Degraded answers and the merge of parallel hooks' answers.
//
// Facts of Claude Code this rests on (hooks reference, 2026):
//  - exit 0: stdout is parsed as JSON when it is a JSON object; otherwise plain stdout
//    is added to the context for the events whose row says plain_stdout_is_context
//    and only logged for the others.
//  - exit 2: a blocking error. stderr is the reason; stdout, JSON included, is ignored.
//    What "blocking" does depends on the event (its row's `blocking`).
//  - any other exit: a non-blocking error; stderr is shown to the user, the agent goes on.
//  - a hook that times out or crashes is a non-blocking error too: that fail-open is
//    exactly what `block` exists to replace.
//  - parallel hooks: the most restrictive permissionDecision wins (deny > defer > ask >
//    allow), every additionalContext is kept, continue:false stops the agent.
//
// Degradation table (what each FailureAction answers, by the event's `blocking`):
//
//  blocking             allow              block                                 ask
//  -------------------  -----------------  ------------------------------------  ---------------------------
//  permission_decision  exit 0 +           exit 2 + reason on stderr; stdout     exit 0 + permissionDecision
//  (PreToolUse)         systemMessage; no  also carries permissionDecision       "ask" (the user decides)
//                       decision, so the   "deny" for agent versions that parse
//                       normal permission  JSON on any exit (same verdict)
//                       rules and prompts
//                       apply
//  permission_request   same               exit 2 (denies the permission) +      exit 0, no decision: the
//  (PermissionRequest)                     decision.behavior "deny" on stdout    permission dialog is shown,
//                                                                                which *is* asking the user
//  top_level_decision   same               exit 2 + {"decision": "block"} with   as block
//                                          the reason on stdout. Stop and
//                                          SubagentStop (stop_loop_guard):
//                                          never while stop_hook_active is set;
//                                          then the answer is allow, so a failing
//                                          hook cannot keep the agent looping
//  exit_code,           same               exit 2 + reason on stderr, nothing    as block
//  nonzero_exit                            on stdout
//  cannot               same               exit 2 + reason on stderr: Claude     as block
//                                          Code shows it to the user; there is
//                                          nothing to block, and the text says so
//
//  fallback with fallback_output: exit 0 and that JSON on stdout, on every event. An
//  output that is not a JSON object, or a fallback without output (its command is run by
//  the caller; if that failed too we end up here), answers like allow.
//
// Why exit 2 (and not exit 0 + deny JSON) for a blocked PreToolUse: exit 2 is the
// oldest, event-independent blocking signal and needs no JSON support in the agent; the
// deny JSON beside it costs nothing where stdout is ignored and gives the same verdict
// where it is parsed.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "agents/claude/events.h"
#include "agents/claude/protocol.h"
#include "agents/forms.h"  // one_line: shared with the other agents' answers

namespace hookwarden::agents::claude {

namespace {

using ojson = nlohmann::ordered_json;

std::string dump(const ojson& value) {
    // Hook output and details may carry invalid UTF-8; replace rather than throw.
    return value.dump(-1, ' ', false, ojson::error_handler_t::replace) + "\n";
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return text;
}

// How `event` blocks; an event the table does not know cannot be blocked.
Blocking blocking_of(const std::string& event) {
    const EventFacts* facts = find_event(event);
    return facts ? facts->blocking : Blocking::cannot;
}

bool plain_stdout_is_context(const std::string& event) {
    const EventFacts* facts = find_event(event);
    return facts && facts->plain_stdout_is_context;
}

bool guards_stop_loop(const std::string& event) {
    const EventFacts* facts = find_event(event);
    return facts && facts->stop_loop_guard;
}

Answer allow_answer(const std::string& message) {
    Answer answer;
    answer.stdout_data = dump(ojson{{"systemMessage", message}});
    return answer;
}

// Writes the blocking verdict into `out` in the JSON form `event` reads. Claude Code
// ignores stdout on exit 2; versions that parse it anyway must read the same verdict.
void force_block_verdict(ojson& out, const std::string& event, const std::string& reason) {
    switch (blocking_of(event)) {
        case Blocking::permission_decision:
            out["hookSpecificOutput"]["hookEventName"] = event;
            out["hookSpecificOutput"]["permissionDecision"] = "deny";
            out["hookSpecificOutput"]["permissionDecisionReason"] = reason;
            break;
        case Blocking::permission_request:
            out["hookSpecificOutput"]["hookEventName"] = event;
            out["hookSpecificOutput"]["decision"] = {{"behavior", "deny"}, {"message", reason}};
            break;
        case Blocking::top_level_decision:
            out["decision"] = "block";
            out["reason"] = reason;
            break;
        case Blocking::exit_code:
        case Blocking::nonzero_exit:
        case Blocking::cannot: break;  // no JSON verdict: a foreign hookSpecificOutput would be rejected
    }
}

Answer block_answer(const std::string& event, const std::string& what) {
    const std::string reason =
        what + (blocking_of(event) == Blocking::cannot ? "; " + event + " cannot be blocked, reported only"
                                                       : "; blocked (fail-closed)");
    Answer answer;
    answer.exit_code = 2;
    answer.stderr_data = reason + "\n";
    ojson verdict = ojson::object();
    force_block_verdict(verdict, event, reason);
    if (!verdict.empty()) answer.stdout_data = dump(verdict);
    return answer;
}

}  // namespace

std::string describe_failure(Outcome outcome, const std::string& detail) {
    std::string text;
    switch (outcome) {
        case Outcome::timeout: text = "was killed after its timeout"; break;
        case Outcome::oom: text = "was killed for exceeding its memory limit"; break;
        case Outcome::crash: text = "crashed"; break;
        case Outcome::spawn_error: text = "could not be started"; break;
        case Outcome::breaker_open: text = "was skipped because its circuit breaker is open"; break;
        case Outcome::internal_error: text = "was not run because hookwarden failed"; break;
        case Outcome::error: text = "failed"; break;
        case Outcome::output_overflow: text = "answered with more output than its limit"; break;
        case Outcome::ok:
        case Outcome::blocked: text = "did not answer"; break;
    }
    const std::string extra = one_line(detail, 200);
    if (!extra.empty()) text += " (" + extra + ")";
    return text;
}

Answer degrade(const OnFailure& policy, const std::string& event, const std::string& hook, Outcome outcome,
               const std::string& detail, bool stop_hook_active) {
    const std::string what = "hookwarden: hook '" + one_line(hook, 100) + "' " + describe_failure(outcome, detail);

    switch (policy.action) {
        case FailureAction::allow: return allow_answer(what + "; allowed (fail-open)");

        case FailureAction::fallback: {
            if (policy.fallback_output) {
                ojson parsed = ojson::parse(*policy.fallback_output, nullptr, false);
                if (!parsed.is_discarded() && parsed.is_object()) {
                    Answer answer;
                    answer.stdout_data = dump(parsed);
                    return answer;
                }
                return allow_answer(what + "; the policy's fallback_output is not a JSON object, allowed (fail-open)");
            }
            return allow_answer(what + "; no fallback answer, allowed (fail-open)");
        }

        case FailureAction::ask:
            if (blocking_of(event) == Blocking::permission_decision) {
                Answer answer;
                const std::string reason = what + "; asking the user";
                answer.stdout_data = dump(ojson{{"systemMessage", reason},
                                                {"hookSpecificOutput",
                                                 {{"hookEventName", event},
                                                  {"permissionDecision", "ask"},
                                                  {"permissionDecisionReason", reason}}}});
                return answer;
            }
            if (blocking_of(event) == Blocking::permission_request)
                return allow_answer(what + "; leaving the decision to the user");
            [[fallthrough]];

        case FailureAction::block:
            // An event not in the table (unreadable, no --event) that carries the flag is a
            // Stop-like event too: blocking it again could trap the agent just the same.
            if (stop_hook_active && (guards_stop_loop(event) || !find_event(event)))
                return allow_answer(what + "; not blocking again while a Stop hook is already active");
            return block_answer(event, what);
    }
    return allow_answer(what + "; allowed (fail-open)");
}

namespace {

int decision_rank(const std::string& decision) {
    if (decision == "deny") return 4;
    if (decision == "defer") return 3;
    if (decision == "ask") return 2;
    if (decision == "allow") return 1;
    return 0;
}

void join_into(std::string& into, const std::string& text, const char* sep) {
    if (text.empty()) return;
    if (!into.empty()) into += sep;
    into += text;
}

std::string string_of(const ojson& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_null()) return {};
    return value.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

// Keys merged by a rule of their own; any other key keeps its first value.
bool merged_top_key(const std::string& key) {
    return key == "continue" || key == "stopReason" || key == "suppressOutput" || key == "systemMessage" ||
           key == "decision" || key == "reason" || key == "hookSpecificOutput";
}

bool merged_specific_key(const std::string& key) {
    return key == "hookEventName" || key == "permissionDecision" || key == "permissionDecisionReason" ||
           key == "updatedInput" || key == "additionalContext" || key == "decision";
}

struct Merger {
    Merger(const std::string& event_name, std::vector<std::string>& warnings_out)
        : event(event_name), warnings(warnings_out) {}

    const std::string& event;
    std::vector<std::string>& warnings;

    ojson other_top = ojson::object();       // unknown top-level keys, first wins
    ojson other_specific = ojson::object();  // unknown hookSpecificOutput keys, first wins

    bool stop = false;
    std::string stop_reason;
    bool suppress_output = false;
    std::string system_messages;
    std::string decision;  // top-level decision: "block" wins, else the first seen
    std::string decision_reasons;
    int permission_rank = 0;
    std::string permission_decision;
    std::string permission_reasons;
    bool have_updated_input = false;
    ojson updated_input;
    std::string updated_input_owner;
    std::string contexts;
    // PermissionRequest: hookSpecificOutput.decision {behavior, message, updatedInput, ...}
    bool have_request_decision = false;
    ojson request_decision;
    std::string request_decision_owner;
    bool any_json = false;

    void updated(const std::string& hook, const ojson& input) {
        if (!have_updated_input) {
            have_updated_input = true;
            updated_input = input;
            updated_input_owner = hook;
        } else if (input != updated_input) {
            warnings.push_back("hooks '" + updated_input_owner + "' and '" + hook +
                               "' both rewrite the tool input; the first in policy order ('" + updated_input_owner +
                               "') wins");
        }
    }

    void first_wins(ojson& into, const std::string& key, const ojson& value, const std::string& hook,
                    const char* where) {
        auto it = into.find(key);
        if (it == into.end()) {
            into[key] = value;
        } else if (*it != value) {
            warnings.push_back(std::string("hooks disagree on ") + where + key +
                               "; kept the first in policy order, ignored hook '" + hook + "'");
        }
    }

    void request(const std::string& hook, const ojson& value) {
        if (!value.is_object()) return;
        const std::string behavior = value.value("behavior", "");
        if (!have_request_decision) {
            have_request_decision = true;
            request_decision = value;
            request_decision_owner = hook;
            return;
        }
        const std::string current = request_decision.value("behavior", "");
        if (behavior == "deny" && current != "deny") {
            request_decision = value;  // deny wins over allow
            request_decision_owner = hook;
        } else if (behavior == "deny" && current == "deny") {
            std::string message = request_decision.value("message", "");
            join_into(message, value.value("message", ""), "\n");
            request_decision["message"] = message;
            if (value.value("interrupt", false)) request_decision["interrupt"] = true;
        } else if (behavior == current && value.contains("updatedInput") &&
                   value["updatedInput"] != request_decision.value("updatedInput", ojson())) {
            warnings.push_back("hooks '" + request_decision_owner + "' and '" + hook +
                               "' both rewrite the tool input; the first in policy order ('" + request_decision_owner +
                               "') wins");
        }
    }

    void add(const std::string& hook, const ojson& out) {
        any_json = true;
        for (const auto& [key, value] : out.items()) {
            if (!merged_top_key(key)) first_wins(other_top, key, value, hook, "");
        }
        if (auto it = out.find("continue"); it != out.end() && it->is_boolean() && !it->get<bool>()) {
            if (!stop) stop_reason = out.contains("stopReason") ? string_of(out["stopReason"]) : "";
            stop = true;
        }
        if (auto it = out.find("suppressOutput"); it != out.end() && it->is_boolean() && it->get<bool>())
            suppress_output = true;
        if (auto it = out.find("systemMessage"); it != out.end()) join_into(system_messages, string_of(*it), "\n");
        if (auto it = out.find("decision"); it != out.end() && it->is_string()) {
            const std::string value = it->get<std::string>();
            const std::string reason = out.contains("reason") ? string_of(out["reason"]) : "";
            if (value == "block") {
                if (decision != "block") decision_reasons.clear();
                decision = "block";
                join_into(decision_reasons, reason, "\n");
            } else if (decision.empty()) {
                decision = value;
                decision_reasons = reason;
            }
        }
        auto spec = out.find("hookSpecificOutput");
        if (spec == out.end() || !spec->is_object()) return;
        for (const auto& [key, value] : spec->items()) {
            if (!merged_specific_key(key)) first_wins(other_specific, key, value, hook, "hookSpecificOutput.");
        }
        if (auto it = spec->find("permissionDecision"); it != spec->end() && it->is_string()) {
            const std::string value = it->get<std::string>();
            const std::string reason =
                spec->contains("permissionDecisionReason") ? string_of((*spec)["permissionDecisionReason"]) : "";
            const int rank = decision_rank(value);
            if (rank > permission_rank) {
                permission_rank = rank;
                permission_decision = value;
                permission_reasons = reason;
            } else if (rank == permission_rank && rank > 0) {
                join_into(permission_reasons, reason, "\n");
            }
        }
        if (auto it = spec->find("updatedInput"); it != spec->end()) updated(hook, *it);
        if (auto it = spec->find("additionalContext"); it != spec->end())
            join_into(contexts, string_of(*it), "\n");
        if (auto it = spec->find("decision"); it != spec->end()) request(hook, *it);
    }

    ojson build() const {
        ojson out = ojson::object();
        if (stop) {
            out["continue"] = false;
            if (!stop_reason.empty()) out["stopReason"] = stop_reason;
        }
        if (suppress_output) out["suppressOutput"] = true;
        if (!system_messages.empty()) out["systemMessage"] = system_messages;
        if (!decision.empty()) {
            out["decision"] = decision;
            if (!decision_reasons.empty()) out["reason"] = decision_reasons;
        }
        ojson spec = ojson::object();
        if (!permission_decision.empty()) {
            spec["permissionDecision"] = permission_decision;
            if (!permission_reasons.empty()) spec["permissionDecisionReason"] = permission_reasons;
        }
        if (have_updated_input) spec["updatedInput"] = updated_input;
        if (!contexts.empty()) spec["additionalContext"] = contexts;
        if (have_request_decision) spec["decision"] = request_decision;
        for (const auto& [key, value] : other_specific.items()) spec[key] = value;
        if (!spec.empty()) {
            ojson with_name = {{"hookEventName", event}};
            with_name.update(spec);
            out["hookSpecificOutput"] = std::move(with_name);
        }
        for (const auto& [key, value] : other_top.items()) out[key] = value;
        return out;
    }
};

// The answers of one event's hooks, sorted by what Claude Code would make of each.
struct Tally {
    Tally(const std::string& event, std::vector<std::string>& warnings) : merger(event, warnings) {}

    Merger merger;
    std::vector<std::string> block_reasons;
    std::vector<const HookAnswer*> errors;
    std::vector<std::pair<const HookAnswer*, std::string>> plain;  // exit-0 plain stdout
    bool any_success = false;

    void add(const HookAnswer& item, const std::string& event) {
        const Answer& a = item.answer;
        if (a.exit_code == 2) {
            std::string reason(trim(a.stderr_data));
            if (reason.empty()) reason = "hook '" + item.hook + "' blocked";
            block_reasons.push_back(std::move(reason));
            return;
        }
        if (a.exit_code != 0) {
            errors.push_back(&item);
            return;
        }
        any_success = true;
        const std::string_view text = trim(a.stdout_data);
        if (text.empty()) return;
        if (text.front() == '{') {
            ojson parsed = ojson::parse(text, nullptr, false);
            if (!parsed.is_discarded() && parsed.is_object()) {
                merger.add(item.hook, parsed);
                return;
            }
        }
        // Kept in place among the JSON contexts so the policy order survives.
        if (plain_stdout_is_context(event)) join_into(merger.contexts, std::string(text), "\n");
        plain.emplace_back(&item, std::string(text));
    }

    // Claude Code shows each failing hook's stderr to the user; in one merged answer
    // that exits 0 the only channel to the user is systemMessage.
    void relay_errors() {
        for (const HookAnswer* item : errors) {
            std::string note = "hookwarden: hook '" + item->hook + "' failed (exit " +
                               std::to_string(item->answer.exit_code) + ")";
            const std::string detail = one_line(trim(item->answer.stderr_data));
            if (!detail.empty()) note += ": " + detail;
            join_into(merger.system_messages, note, "\n");
            merger.any_json = true;
        }
    }
};

Answer blocking_answer(const std::string& event, const Tally& tally, std::vector<std::string>& warnings) {
    Answer answer;
    answer.exit_code = 2;
    std::string reasons;
    for (const std::string& reason : tally.block_reasons) join_into(reasons, reason, "\n");
    answer.stderr_data = reasons + "\n";
    ojson out = tally.merger.build();
    force_block_verdict(out, event, reasons);
    answer.stdout_data = dump(out);
    const Merger& m = tally.merger;
    const bool loses_context = !m.contexts.empty() || !m.system_messages.empty() || m.stop ||
                               (!tally.plain.empty() && plain_stdout_is_context(event));
    if (loses_context)
        warnings.push_back("a hook blocked with exit 2, so Claude Code ignores the other hooks' "
                           "additionalContext, systemMessage and continue:false");
    return answer;
}

// Every hook failed without a verdict: a non-blocking error, as each would be alone.
Answer all_failed_answer(const Tally& tally) {
    Answer answer;
    answer.exit_code = tally.errors.front()->answer.exit_code;
    std::string text;
    for (const HookAnswer* item : tally.errors) join_into(text, std::string(trim(item->answer.stderr_data)), "\n");
    if (!text.empty()) answer.stderr_data = text + "\n";
    return answer;
}

// Only plain text: the same bytes Claude Code would have taken from each hook.
Answer plain_answer(const Tally& tally) {
    Answer answer;
    std::string text;
    for (const auto& [item, body] : tally.plain) join_into(text, body, "\n");
    if (!text.empty()) answer.stdout_data = text + "\n";
    return answer;
}

}  // namespace

Answer merge(const std::string& event, const std::vector<HookAnswer>& answers, std::vector<std::string>& warnings) {
    if (answers.empty()) return {};
    // One hook: its answer goes through unchanged, exactly as without dispatch.
    if (answers.size() == 1) return answers.front().answer;

    Tally tally(event, warnings);
    for (const HookAnswer& item : answers) tally.add(item, event);
    if (tally.any_success || !tally.block_reasons.empty()) tally.relay_errors();

    if (!tally.block_reasons.empty()) return blocking_answer(event, tally, warnings);
    if (!tally.any_success) return all_failed_answer(tally);
    if (!tally.merger.any_json) return plain_answer(tally);

    if (!plain_stdout_is_context(event)) {
        for (const auto& [item, body] : tally.plain)
            warnings.push_back("plain-text stdout of hook '" + item->hook + "' dropped: for " + event +
                               " Claude Code only logs it, and the merged answer is JSON");
    }
    Answer answer;
    answer.stdout_data = dump(tally.merger.build());
    return answer;
}

namespace {

// Exit 0 over HTTP: what Claude Code would have made of that stdout from a command hook.
std::string http_success_body(const std::string& event, const std::string& stdout_data) {
    const std::string_view text = trim(stdout_data);
    if (text.empty()) return "{}\n";
    ojson parsed = ojson::parse(text, nullptr, false);
    if (!parsed.is_discarded() && parsed.is_object()) return dump(parsed);
    if (!plain_stdout_is_context(event)) return "{}\n";  // only logged for a command hook
    return dump(ojson{{"hookSpecificOutput", {{"hookEventName", event}, {"additionalContext", std::string(text)}}}});
}

}  // namespace

std::string http_body(const std::string& event, const Answer& answer) {
    if (answer.exit_code == 0) return http_success_body(event, answer.stdout_data);
    std::string reason(trim(answer.stderr_data));
    if (answer.exit_code != 2) {
        std::string note = "hookwarden: hook failed (exit " + std::to_string(answer.exit_code) + ")";
        if (!reason.empty()) note += ": " + one_line(reason);
        return dump(ojson{{"systemMessage", note}});
    }
    if (reason.empty()) reason = "blocked by a hook";
    ojson out = ojson::object();
    force_block_verdict(out, event, reason);
    if (!out.empty()) return dump(out);
    // No JSON block for this event: exit 2 stopped the action; over HTTP only stopping
    // the agent is as strong (never weaker than the command hook's answer).
    if (blocking_of(event) == Blocking::cannot) return dump(ojson{{"systemMessage", reason}});
    return dump(ojson{{"continue", false}, {"stopReason", reason}, {"systemMessage", reason}});
}

}  // namespace hookwarden::agents::claude
