// Cursor's hook protocol (docs/agents.md, "Cursor"): camelCase events, payloads keyed by
// `conversation_id` / `generation_id` / `workspace_roots`, and `{"permission": ...}`
// verdicts (exit 2 denies too).
#pragma once

#include <span>

#include "agents/adapter.h"

namespace hookwarden::agents::cursor {

std::span<const EventFacts> events();
const Adapter& adapter();

}  // namespace hookwarden::agents::cursor
