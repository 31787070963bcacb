// Which agent called: `--agent` when given (install writes it), else the payload, else the
// environment, else Claude Code. The payload comes first because the environment is
// inherited: a Codex session started from a Gemini shell still sends Codex's payloads.
// Facts used (docs/agents.md, "Detection"): Cursor sends conversation_id / generation_id /
// workspace_roots; Codex adds turn_id to Claude's payload; Copilot's camelCase payloads
// carry toolName / toolArgs / sessionId and no event name; Gemini names its events
// BeforeTool, AfterAgent, ... and sets GEMINI_SESSION_ID / GEMINI_PROJECT_DIR; Gemini and
// Copilot's PascalCase payloads carry `timestamp`, Claude Code's do not.
#include <optional>
#include <string>

#include "agents/adapter.h"

namespace hookwarden::agents {

namespace {

struct Detected {
    Agent agent;
    std::string source;
};

bool only_in(Agent agent, std::string_view event) {
    if (event.empty() || !find_event(agent, event)) return false;
    for (const Adapter* other : adapters())
        if (other->agent != agent && find_event(other->agent, event)) return false;
    return true;
}

std::optional<Detected> from_payload(const EventInfo& info) {
    for (const char* key : {"conversation_id", "generation_id", "workspace_roots", "cursor_version"})
        if (info.has_marker(key)) return Detected{Agent::cursor, std::string("payload: ") + key};
    if (info.has_marker("turn_id")) return Detected{Agent::codex, "payload: turn_id"};
    for (const char* key : {"toolName", "toolArgs", "sessionId", "toolResult", "transcriptPath"})
        if (info.has_marker(key)) return Detected{Agent::copilot, std::string("payload: ") + key};
    for (Agent agent : {Agent::gemini, Agent::copilot, Agent::cursor, Agent::codex})
        if (only_in(agent, info.event)) return Detected{agent, "payload: event " + info.event};
    return std::nullopt;
}

bool set(const char* (*getenv)(const char*), const char* name) {
    const char* value = getenv ? getenv(name) : nullptr;
    return value && *value;
}

std::optional<Detected> from_environment(const EventInfo& info, const char* (*getenv)(const char*)) {
    const bool gemini_event = info.event.empty() || find_event(Agent::gemini, info.event);
    for (const char* name : {"GEMINI_SESSION_ID", "GEMINI_PROJECT_DIR"})
        if (gemini_event && set(getenv, name)) return Detected{Agent::gemini, std::string("environment: ") + name};
    return std::nullopt;
}

Detected detect(const EventInfo& info, const char* (*getenv)(const char*)) {
    if (auto found = from_payload(info)) return *found;
    if (auto found = from_environment(info, getenv)) return *found;
    // Claude Code's payloads carry no timestamp; Gemini's and Copilot's PascalCase ones do.
    if (info.has_marker("timestamp")) {
        if (find_event(Agent::gemini, info.event)) return {Agent::gemini, "payload: timestamp"};
        if (find_event(Agent::copilot, info.event)) return {Agent::copilot, "payload: timestamp"};
    }
    if (!info.is_json) return {Agent::claude, "default (the input is not a JSON event)"};
    if (find_event(Agent::claude, info.event)) return {Agent::claude, "payload: event " + info.event};
    return {Agent::claude, "default (no agent recognised in the payload)"};
}

// The adapter's own spelling of the fields the record and the matchers use.
void fill_agent_fields(EventInfo& info) {
    if (info.agent == Agent::cursor && info.session_id.empty()) {
        if (const std::string* id = info.field("conversation_id")) info.session_id = *id;
    }
    if (info.agent == Agent::copilot) {
        if (const std::string* id = info.field("sessionId"); id && info.session_id.empty()) info.session_id = *id;
        if (const std::string* tool = info.field("toolName"); tool && info.tool_name.empty()) info.tool_name = *tool;
    }
    if (info.agent == Agent::claude || !info.is_json) return;  // Claude's parser already set its target
    info.matcher_target.clear();
    const std::string_view field = matcher_field(info.agent, info.event);
    if (const std::string* target = field.empty() ? nullptr : info.field(field)) info.matcher_target = *target;
}

}  // namespace

void resolve_agent(EventInfo& info, std::optional<Agent> forced, const char* (*getenv)(const char*)) {
    if (forced) {
        info.agent = *forced;
        info.agent_source = "--agent";
    } else {
        Detected found = detect(info, getenv);
        info.agent = found.agent;
        info.agent_source = std::move(found.source);
    }
    fill_agent_fields(info);
}

}  // namespace hookwarden::agents
