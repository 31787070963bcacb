// Claude Code's matcher rule, case by case: the anchoring and list/regex split are where
// hand-written policies go wrong most often.
#include <gtest/gtest.h>

#include "agents/claude/protocol.h"

namespace hookwarden::agents::claude {
namespace {

struct Case {
    const char* matcher;
    const char* target;
    bool expected;
};

TEST(Matcher, Table) {
    const Case cases[] = {
        {"*", "Bash", true},
        {"*", "", true},
        {"", "Bash", true},
        {"", "", true},
        {"Bash", "Bash", true},
        {"Bash", "bash", false},
        {"Bash", "BashOutput", false},  // exact names are anchored
        {"Bash", "MyBash", false},
        {"Bash.*", "BashOutput", true},  // a regex is not
        {"Bash.*", "Bash", true},
        {"^Bash$", "Bash", true},
        {"^Bash$", "BashOutput", false},
        {"Edit|Write", "Edit", true},
        {"Edit|Write", "Write", true},
        {"Edit|Write", "MultiEdit", false},  // a list of exact names, not a regex
        {"Edit|Write", "EditWrite", false},
        {"Edit,Write", "Write", true},
        {"Edit, Write", "Write", true},
        {" Edit | Write ", "Edit", true},
        {"Edit | Write", "Edit | Write", false},
        {"Edit||Write", "", false},
        {"Edit,,", "Edit", true},
        {"Notebook.*", "NotebookEdit", true},
        {"Notebook.*", "Notebook", true},
        {"Notebook.*", "MyNotebookEdit", true},  // unanchored search
        {"mcp__memory__.*", "mcp__memory__create_entities", true},
        {"mcp__memory__.*", "mcp__github__search", false},
        {"mcp__memory__create_entities", "mcp__memory__create_entities", true},
        {"mcp__memory", "mcp__memory__create_entities", false},  // a server prefix is an exact name
        {"mcp__.*__write.*", "mcp__fs__write_file", true},
        {"mcp__.*__write.*", "mcp__fs__read_file", false},
        {"startup|resume", "resume", true},
        {"startup|resume", "clear", false},
        {"manual", "auto", false},
        {"my-agent", "my-agent", true},
        {"Write", "", false},
        {"Bash(", "Bash(", false},  // invalid regex matches nothing
        {"[", "[", false},
        {"Bash|*", "Bash", false},  // not a list ('*'), and an invalid regex
        {"(Edit|Write)", "Edit", true},
        {"\\bRead\\b", "Read", true},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(matcher_matches(c.matcher, c.target), c.expected)
            << "matcher '" << c.matcher << "' target '" << c.target << "'";
    }
}

TEST(Matcher, RegexClassification) {
    EXPECT_FALSE(matcher_is_regex("*"));
    EXPECT_FALSE(matcher_is_regex(""));
    EXPECT_FALSE(matcher_is_regex("Edit|Write"));
    EXPECT_FALSE(matcher_is_regex("my-agent, other_agent"));
    EXPECT_TRUE(matcher_is_regex("Notebook.*"));
    EXPECT_TRUE(matcher_is_regex("^Bash$"));
    EXPECT_EQ(matcher_regex_error("Notebook.*"), "");
    EXPECT_EQ(matcher_regex_error("Edit|Write"), "");
    EXPECT_NE(matcher_regex_error("Bash("), "");
}

TEST(Matcher, CacheGivesSameAnswers) {
    for (int round = 0; round < 3; ++round) {
        EXPECT_TRUE(matcher_matches("mcp__memory__.*", "mcp__memory__x"));
        EXPECT_FALSE(matcher_matches("mcp__memory__.*", "mcp__other__x"));
        EXPECT_FALSE(matcher_matches("(", "("));
    }
    // Many distinct regexes: the bounded cache must keep answering correctly.
    for (int i = 0; i < 600; ++i) {
        const std::string matcher = "tool" + std::to_string(i) + ".*";
        EXPECT_TRUE(matcher_matches(matcher, "tool" + std::to_string(i) + "_x"));
    }
}

TEST(Matcher, EventsWithoutMatchers) {
    EXPECT_FALSE(matcher_applies("UserPromptSubmit"));
    EXPECT_FALSE(matcher_applies("Stop"));
    EXPECT_TRUE(matcher_applies("PreToolUse"));
    EXPECT_TRUE(matcher_applies("SessionStart"));
    EXPECT_TRUE(matcher_applies("SubagentStop"));
}

}  // namespace
}  // namespace hookwarden::agents::claude

namespace hookwarden::agents::claude {
namespace {

// A 40 KB tool name used to overflow the stack in std::regex (SIGSEGV of dispatch).
TEST(Matcher, RegexOnAHugeTargetRunsTheHookInsteadOfCrashing) {
    const std::string huge(40 * 1024, 'B');
    EXPECT_TRUE(matcher_matches("Bash.*", huge));
    EXPECT_TRUE(matcher_matches("^Edit$", huge)) << "too long to check: the guard runs";
    EXPECT_FALSE(matcher_matches("Bash", huge)) << "exact names need no regex and stay exact";
}

TEST(Matcher, RegexAtTheLimitIsStillSearched) {
    const std::string at_limit = "Bash" + std::string(kRegexTargetLimit - 4, 'B');
    EXPECT_TRUE(matcher_matches("^Bash.*", at_limit));
    EXPECT_TRUE(matcher_matches("^(B|a|s|h)+$", at_limit));
    EXPECT_FALSE(matcher_matches(".*x.*y", at_limit)) << "searched, and nothing found";
    EXPECT_FALSE(matcher_matches("^Edit$", at_limit));
}

}  // namespace
}  // namespace hookwarden::agents::claude
