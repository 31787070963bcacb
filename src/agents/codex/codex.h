// OpenAI Codex CLI's hook protocol (docs/agents.md, "Codex CLI"). Its payloads and answers
// are Claude Code's, except that it has no "ask": an `ask` answer fails open there.
#pragma once

#include <span>

#include "agents/adapter.h"

namespace hookwarden::agents::codex {

std::span<const EventFacts> events();
const Adapter& adapter();

}  // namespace hookwarden::agents::codex
