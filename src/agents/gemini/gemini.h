// Google Gemini CLI's hook protocol (docs/agents.md, "Gemini CLI"): its own event names,
// timeouts in milliseconds, and a JSON verdict on stdout that wins over the exit code
// (its exit 2 without output allows).
#pragma once

#include <span>

#include "agents/adapter.h"

namespace hookwarden::agents::gemini {

std::span<const EventFacts> events();
const Adapter& adapter();

}  // namespace hookwarden::agents::gemini
