// GitHub Copilot CLI's hook protocol (docs/agents.md, "Copilot CLI"): camelCase events with
// camelCase payloads (`toolName`, `toolArgs`, `sessionId`, no event name), PascalCase
// events with Claude-compatible payloads, and verdicts only in JSON on exit 0 (a non-zero
// exit is a failure it logs and skips).
#pragma once

#include <span>

#include "agents/adapter.h"

namespace hookwarden::agents::copilot {

std::span<const EventFacts> events();
const Adapter& adapter();

}  // namespace hookwarden::agents::copilot
