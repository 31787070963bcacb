// The top-level payload keys the event parser keeps for the adapters, whichever agent
// sent the event: one SAX pass serves every agent (agents/claude/input.cpp).
#pragma once

#include <string_view>

namespace hookwarden::agents {

// `key` if some agent's table matches on it or an adapter reads it (ids, tool and event
// names); "" otherwise. The returned view is static, so a kept pair needs no name copy.
std::string_view kept_field_named(std::string_view key);

// `key` if only some agents send it, so detection reads its presence; "" otherwise.
std::string_view marker_named(std::string_view key);

}  // namespace hookwarden::agents
