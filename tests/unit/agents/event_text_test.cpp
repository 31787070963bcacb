// Events as agents emit them: what their own JSON readers accept must not make hookwarden
// lose the event's name (and with it the policy of its event).
#include <gtest/gtest.h>

#include <string>

#include "agents/claude/protocol.h"
#include "agents/event_text.h"

namespace hookwarden::agents {
namespace {

TEST(EventText, WellFormedInputIsParsedInPlace) {
    const std::string input = R"({"hook_event_name":"PreToolUse","s":"\ud83d\ude00 é"})";
    const EventText text = prepare_event_text(input);
    EXPECT_FALSE(text.was_repaired);
    EXPECT_EQ(text.json(), input);
    EXPECT_EQ(text.note(), "");
}

TEST(EventText, LoneSurrogatesBecomeReplacementEscapes) {
    const EventText text = prepare_event_text(R"({"a":"x\ud800y","b":"\udc00","c":"\\ud800"})");
    EXPECT_EQ(text.json(), R"({"a":"x\ufffdy","b":"\ufffd","c":"\\ud800"})");
    EXPECT_EQ(text.lone_surrogates, 2u);
    EXPECT_NE(text.note().find("2 unpaired surrogate escapes"), std::string::npos) << text.note();
}

TEST(EventText, InvalidUtf8BecomesReplacementCharacters) {
    // A stray continuation byte, a truncated 3-byte sequence, an overlong and a UTF-8
    // encoded surrogate: each maximal subpart is one U+FFFD, as the WHATWG decoder reads them.
    const EventText text = prepare_event_text("{\"a\":\"\x80|\xE2\x82|\xC0\xAF|\xED\xA0\x80\"}");
    EXPECT_EQ(text.json(), "{\"a\":\"\xEF\xBF\xBD|\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD|"
                           "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"}");
    EXPECT_EQ(text.invalid_utf8, 7u);
}

TEST(EventText, TrailingDataIsIgnoredAndCounted) {
    const EventText text = prepare_event_text("{\"a\":\"}\"} \n{\"b\":1}\n");
    EXPECT_EQ(text.json(), "{\"a\":\"}\"}");
    EXPECT_EQ(text.trailing_bytes, 7u);
    const EventText repaired = prepare_event_text("{\"a\":\"\xFF\"}garbage");
    EXPECT_EQ(repaired.json(), "{\"a\":\"\xEF\xBF\xBD\"}");
    EXPECT_EQ(repaired.trailing_bytes, 7u);
}

TEST(EventText, RawFlagIsFoundInBytesThatDoNotParse) {
    EXPECT_TRUE(raw_flag_is_true("{\"x\":\"\x01\", \"stop_hook_active\" :\ttrue", "stop_hook_active"));
    EXPECT_FALSE(raw_flag_is_true(R"({"stop_hook_active":false,"y":"stop_hook_active"})", "stop_hook_active"));
}

TEST(ParseEvent, KeepsTheEventOfInputTheAgentsThemselvesAccept) {
    for (const std::string& input : {std::string(R"({"hook_event_name":"PreToolUse","tool_name":"Bash","x":"\ud800"})"),
                                    std::string("{\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Bash\",\"x\":\"\xFF\"}"),
                                    std::string(R"({"hook_event_name":"PreToolUse","tool_name":"Bash"} {"more":1})")}) {
        SCOPED_TRACE(input);
        const auto info = claude::parse_event(input);
        EXPECT_TRUE(info.is_json) << info.parse_error;
        EXPECT_EQ(info.event, "PreToolUse");
        EXPECT_EQ(info.matcher_target, "Bash");
        EXPECT_FALSE(info.input_note.empty());
    }
}

TEST(ParseEvent, JsonThatBreaksOffKeepsWhatWasReadBeforeTheBreak) {
    const auto info = claude::parse_event("{\"hook_event_name\":\"Stop\",\"stop_hook_active\":true,\"x\":\"\x01\"}");
    EXPECT_FALSE(info.is_json);
    EXPECT_TRUE(info.partial);
    EXPECT_EQ(info.event, "Stop");
    EXPECT_TRUE(info.stop_hook_active);
    const auto override = claude::parse_event("not json", "PreToolUse");
    EXPECT_EQ(override.event, "PreToolUse");
    EXPECT_TRUE(override.partial);
    EXPECT_FALSE(claude::parse_event("").partial);
}

}  // namespace
}  // namespace hookwarden::agents
