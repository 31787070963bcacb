// Claude Code's hook protocol: reading the event on stdin, matching it the way Claude
// Code does, answering for a hook that did not finish on its own, and merging the answers
// of several hooks into the one answer `dispatch` gives. What differs per event comes
// from the event table (events.h). docs/protocol.md is the user-facing description of
// the choices made here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agents/adapter.h"
#include "hookwarden/policy_types.h"
#include "hookwarden/run_record.h"

namespace hookwarden::agents::claude {

// The event as read from stdin; shared by every agent's adapter (agents/adapter.h).
using EventInfo = agents::EventInfo;

// Reads only the top-level fields it needs (no tree is built, so a large tool_input
// costs one scan). Reads what Claude Code itself would: invalid UTF-8 and unpaired
// surrogate escapes as U+FFFD, the first JSON value with anything after it ignored.
// Never throws: non-JSON input gives is_json=false. `event_override`
// (--event) replaces hook_event_name, and the matcher target follows the override.
EventInfo parse_event(std::string_view stdin_bytes, std::string_view event_override = {});

// The field a matcher is compared with, per event (tool_name, source, reason, ...; the
// event table's matcher_field). Empty for events without one.
std::string_view matcher_field(std::string_view event);

// False for events whose matcher Claude Code ignores (UserPromptSubmit, Stop, ...):
// there every configured hook runs. True for an event the table does not know.
bool matcher_applies(std::string_view event);

// Regex matchers are searched only in targets up to this many bytes; a longer target
// matches every regex matcher (see matcher_matches).
inline constexpr std::size_t kRegexTargetLimit = 4096;

// Claude Code's matcher rule: "*" and "" match all; a value of only letters, digits,
// '_', '-', ' ', ',' and '|' is a list of exact names; anything else is an unanchored
// ECMAScript regex search. An invalid regex matches nothing. Compiled regexes are cached
// per thread.
bool matcher_matches(std::string_view matcher, std::string_view target);
// Whether `matcher` would be used as a regex, and if so whether it compiles ("" = ok).
bool matcher_is_regex(std::string_view matcher);
std::string matcher_regex_error(std::string_view matcher);

// What goes back to the agent: exit code, stdout, stderr (agents/adapter.h).
using Answer = agents::Answer;

// The answer of the degradation policy for a hook that did not finish on its own
// (timeout, oom, crash, spawn_error, breaker_open, internal_error). `detail` is a short
// human text appended to the message (e.g. "2000 ms", "exec: No such file"). A
// `fallback` without fallback_output (a fallback command that itself failed) answers
// like `allow`. See the per-event table in answer.cpp / docs/protocol.md.
Answer degrade(const OnFailure& policy, const std::string& event, const std::string& hook, Outcome outcome,
               const std::string& detail, bool stop_hook_active = false);

// The one-line human description used in degraded answers ("was killed after its
// timeout (2000 ms)").
std::string describe_failure(Outcome outcome, const std::string& detail);

using HookAnswer = agents::HookAnswer;

// Merges the answers of all hooks that ran for one event, in policy order, the way
// Claude Code combines parallel hooks. Things worth telling the user or the log (a
// conflicting updatedInput, output Claude Code would drop) are appended to `warnings`.
Answer merge(const std::string& event, const std::vector<HookAnswer>& answers, std::vector<std::string>& warnings);

// The body of the answer to an `http` hook (docs/serve.md): over HTTP there is no exit
// code, Claude Code reads the body as it reads an exit-0 stdout, so each exit becomes
// its JSON form. 0: the JSON object on stdout (empty: {}; plain text: additionalContext
// where the event takes plain stdout as context, else {}); 2: the event's JSON block
// with stderr as the reason (the same forms a degraded block carries); an event with no
// JSON block (exit_code, nonzero_exit) stops the agent instead (continue: false), an
// event that cannot be blocked gets the reason as systemMessage; any other exit: a
// systemMessage saying the hook failed, as Claude Code shows such a hook's stderr.
std::string http_body(const std::string& event, const Answer& answer);

}  // namespace hookwarden::agents::claude
