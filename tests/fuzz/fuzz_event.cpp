// Event parsing (agents/event_text, agents/claude/input) on arbitrary bytes: it runs on
// every hook invocation before the hook starts, on what the agent wrote. Never a crash,
// and the repaired text is always what a strict parser takes when it is an object.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "agents/claude/protocol.h"
#include "agents/event_text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const hookwarden::agents::EventText text = hookwarden::agents::prepare_event_text(input);
    if (text.json().size() > input.size() * 3 + 16) std::abort();  // each replacement at most triples a byte
    const auto info = hookwarden::agents::claude::parse_event(input);
    const auto overridden = hookwarden::agents::claude::parse_event(input, "PreToolUse");
    if (overridden.event != "PreToolUse") std::abort();
    hookwarden::agents::claude::matcher_matches("Bash|mcp__.*", info.matcher_target);
    hookwarden::agents::raw_flag_is_true(input, "stop_hook_active");
    return 0;
}
