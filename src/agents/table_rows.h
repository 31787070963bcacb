// Building blocks of the agents' event tables (src/agents/<agent>/events.cpp).
#pragma once

#include <cstdint>
#include <string_view>

#include "agents/event_facts.h"

namespace hookwarden::agents::rows {

constexpr EventFacts row(std::string_view name, std::string_view matcher_field, Blocking blocking,
                         std::int64_t builtin_timeout_ms, std::int64_t agent_timeout_ms) {
    EventFacts facts;
    facts.name = name;
    facts.matcher_field = matcher_field;
    facts.blocking = blocking;
    facts.builtin_timeout_ms = builtin_timeout_ms;
    facts.agent_timeout_ms = agent_timeout_ms;
    return facts;
}

constexpr EventFacts with_context(EventFacts facts) {
    facts.plain_stdout_is_context = true;
    return facts;
}

constexpr EventFacts with_stop_guard(EventFacts facts) {
    facts.stop_loop_guard = true;
    return facts;
}

constexpr EventFacts with_ask(EventFacts facts) {
    facts.asks_user = true;
    return facts;
}

}  // namespace hookwarden::agents::rows
