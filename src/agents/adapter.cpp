// The registry of adapters and what is looked up across all of them.
#include "agents/adapter.h"

#include <array>

#include "agents/claude/claude.h"
#include "agents/codex/codex.h"
#include "agents/copilot/copilot.h"
#include "agents/cursor/cursor.h"
#include "agents/gemini/gemini.h"
#include "agents/payload_fields.h"

namespace hookwarden::agents {

namespace {

const std::array<const Adapter*, 5>& registry() {
    static const std::array<const Adapter*, 5> all{&claude::adapter(), &codex::adapter(), &gemini::adapter(),
                                                   &copilot::adapter(), &cursor::adapter()};
    return all;
}

// Ids and names the adapters read, besides the matcher fields of the tables.
constexpr std::array<std::string_view, 6> kKeptFields{"sessionId", "conversation_id", "generation_id",
                                                      "turn_id",   "toolName",        "timestamp"};
// Keys that only some agents send.
constexpr std::array<std::string_view, 12> kMarkers{
    "turn_id",  "conversation_id", "generation_id", "workspace_roots", "cursor_version", "toolName",
    "toolArgs", "toolResult",      "sessionId",     "timestamp",       "transcriptPath", "prompt_response"};

}  // namespace

const std::string* EventInfo::field(std::string_view name) const {
    if (name == "tool_name") return &tool_name;
    if (name == "session_id") return &session_id;
    for (const auto& [key, value] : fields)
        if (key == name) return &value;
    return nullptr;
}

bool EventInfo::has_marker(std::string_view name) const {
    for (const auto& marker : markers)
        if (marker == name) return true;
    return false;
}

std::span<const Adapter* const> adapters() { return registry(); }

const Adapter& adapter_for(Agent agent) {
    for (const Adapter* adapter : registry())
        if (adapter->agent == agent) return *adapter;
    return claude::adapter();
}

const EventFacts* find_event(Agent agent, std::string_view event) {
    return find_event(adapter_for(agent).events(), event);
}

std::optional<Agent> agent_with_event(std::string_view event) {
    for (const Adapter* adapter : registry())
        if (find_event(adapter->events(), event)) return adapter->agent;
    return std::nullopt;
}

std::int64_t builtin_timeout_ms(std::string_view event) {
    for (const Adapter* adapter : registry())
        if (const EventFacts* facts = find_event(adapter->events(), event)) return facts->builtin_timeout_ms;
    return kDefaultBuiltinTimeoutMs;
}

std::string_view matcher_field(Agent agent, std::string_view event) {
    const EventFacts* facts = find_event(agent, event);
    return facts ? facts->matcher_field : std::string_view{};
}

bool matcher_applies(Agent agent, std::string_view event) {
    const EventFacts* facts = find_event(agent, event);
    return !facts || !facts->matcher_field.empty();
}

Answer degrade(Agent agent, const OnFailure& policy, const FailedRun& run) {
    return adapter_for(agent).degrade(policy, run);
}

Answer merge(Agent agent, const std::string& event, const std::vector<HookAnswer>& answers,
             std::vector<std::string>& warnings) {
    return adapter_for(agent).merge(event, answers, warnings);
}

std::string_view kept_field_named(std::string_view key) {
    for (std::string_view kept : kKeptFields)
        if (kept == key) return kept;
    for (const Adapter* adapter : registry())
        for (const EventFacts& facts : adapter->events())
            if (!facts.matcher_field.empty() && facts.matcher_field == key) return facts.matcher_field;
    return {};
}

std::string_view marker_named(std::string_view key) {
    for (std::string_view marker : kMarkers)
        if (marker == key) return marker;
    return {};
}

}  // namespace hookwarden::agents
