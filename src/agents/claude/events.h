// Claude Code's hook events: one row per documented event. docs/protocol.md ("Events")
// says what each column means and which facts were chosen conservatively where Claude
// Code's hooks reference is silent.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "agents/event_facts.h"

namespace hookwarden::agents::claude {

// Every event Claude Code documents, grouped by what it is about, the tool-call events
// (the ones most policies use) first: policy messages list them in this order.
std::span<const EventFacts> events();

// The row of `event`, or null for a name Claude Code does not document.
const EventFacts* find_event(std::string_view event);

// hookwarden's built-in timeout for a hook of `event` (kDefaultBuiltinTimeoutMs for an
// unknown one).
std::int64_t builtin_timeout_ms(std::string_view event);

}  // namespace hookwarden::agents::claude
