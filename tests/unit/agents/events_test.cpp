// The event tables against what else states the event set: the policy JSON Schema
// shipped for editors (both of its lists, both directions, against every agent's table) and the realistic
// payloads in tests/data/events (one per event, which the end-to-end tests feed to the
// real binary).
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "agents/adapter.h"
#include "agents/claude/events.h"
#include "agents/claude/protocol.h"
#include "util/fs.h"

namespace hookwarden::agents::claude {
namespace {

using nlohmann::json;
const std::string kSource = HOOKWARDEN_SOURCE_DIR;

std::set<std::string> table_names() {
    std::set<std::string> names;
    for (const EventFacts& facts : events()) names.emplace(facts.name);
    return names;
}

// Every agent's events: what a policy may name, so what the schema lists.
std::set<std::string> every_agents_names() {
    std::set<std::string> names;
    for (const Adapter* adapter : adapters())
        for (const EventFacts& facts : adapter->events()) names.emplace(facts.name);
    return names;
}

json schema() {
    const auto text = fs::read_file(kSource + "/policies/hookwarden.schema.json");
    EXPECT_TRUE(text.has_value());
    return json::parse(text.value_or("{}"));
}

// Names in `listed` the table lacks, and rows of the table `listed` lacks.
void expect_same_events(const std::set<std::string>& listed, const std::string& where,
                        const std::set<std::string>& table = table_names()) {
    for (const auto& name : listed) EXPECT_TRUE(table.count(name)) << where << " lists \"" << name << "\", the table does not";
    for (const auto& name : table) EXPECT_TRUE(listed.count(name)) << "the table has \"" << name << "\", " << where << " does not";
}

TEST(EventTable, OneRowPerEvent) {
    EXPECT_EQ(events().size(), 31u);
    EXPECT_EQ(table_names().size(), events().size()) << "duplicate rows";
    for (const EventFacts& facts : events()) EXPECT_EQ(find_event(facts.name), &facts);
    EXPECT_EQ(find_event("preToolUse"), nullptr) << "names are case-sensitive, as in Claude Code";
}

TEST(EventTable, SchemaHookEventEnumMatchesBothWays) {
    const json doc = schema();
    const json& list = doc["definitions"]["hook"]["properties"]["event"]["enum"];
    ASSERT_TRUE(list.is_array());
    std::set<std::string> names;
    for (const auto& name : list) names.insert(name.get<std::string>());
    EXPECT_EQ(names.size(), list.size()) << "duplicates in the enum";
    expect_same_events(names, "the schema's hook event enum", every_agents_names());
}

TEST(EventTable, SchemaEventLayersMatchBothWays) {
    const json doc = schema();
    const json& layers = doc["properties"]["events"]["properties"];
    ASSERT_TRUE(layers.is_object());
    std::set<std::string> names;
    for (const auto& [name, layer] : layers.items()) {
        names.insert(name);
        EXPECT_EQ(layer.value("$ref", ""), "#/definitions/layer") << name;
    }
    EXPECT_FALSE(doc["properties"]["events"].value("additionalProperties", true)) << "unknown events must fail";
    expect_same_events(names, "the schema's \"events\" properties", every_agents_names());
}

// Each payload names its event, and carries the field its event's matcher is compared
// with (and the matcher target is that field's value).
TEST(EventTable, OnePayloadPerEventWithItsMatcherField) {
    std::set<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(kSource + "/tests/data/events")) {
        const std::string event = entry.path().stem().string();
        names.insert(event);
        SCOPED_TRACE(event);
        const auto text = fs::read_file(entry.path().string());
        ASSERT_TRUE(text.has_value());
        const EventInfo info = parse_event(*text);
        ASSERT_TRUE(info.is_json) << info.parse_error;
        EXPECT_EQ(info.event, event);
        const EventFacts* facts = find_event(event);
        if (!facts) continue;  // reported by expect_same_events below
        const json payload = json::parse(*text);
        if (facts->matcher_field.empty()) {
            EXPECT_EQ(info.matcher_target, "");
            EXPECT_FALSE(matcher_applies(event));
        } else {
            ASSERT_TRUE(payload.contains(facts->matcher_field)) << facts->matcher_field;
            EXPECT_EQ(info.matcher_target, payload[std::string(facts->matcher_field)].get<std::string>());
            EXPECT_FALSE(info.matcher_target.empty());
            EXPECT_TRUE(matcher_applies(event));
        }
    }
    expect_same_events(names, "tests/data/events");
}

TEST(EventTable, ClaudeCodesOwnTimeouts) {
    for (const EventFacts& facts : events()) {
        SCOPED_TRACE(std::string(facts.name));
        EXPECT_GT(facts.agent_timeout_ms, 0);
        EXPECT_LE(facts.agent_timeout_ms, 600'000) << "Claude Code's command-hook default";
    }
    EXPECT_EQ(find_event("PreToolUse")->agent_timeout_ms, 600'000);
    EXPECT_EQ(find_event("SessionEnd")->agent_timeout_ms, 1'500) << "SessionEnd hooks share a 1.5 s budget";
}

TEST(EventTable, OnlyStopEventsCarryTheLoopGuard) {
    for (const EventFacts& facts : events())
        EXPECT_EQ(facts.stop_loop_guard, facts.name == "Stop" || facts.name == "SubagentStop") << facts.name;
}

}  // namespace
}  // namespace hookwarden::agents::claude
