// util/shell_words: the lexer install and the hook-name derivation read commands with.
#include <gtest/gtest.h>

#include "util/shell_words.h"

using namespace hookwarden;

namespace {

std::vector<std::vector<std::string>> values(const shell::Lexed& lexed) {
    std::vector<std::vector<std::string>> out;
    for (const auto& segment : lexed.segments) {
        out.emplace_back();
        for (const auto& w : segment) out.back().push_back(w.value);
    }
    return out;
}

using Segments = std::vector<std::vector<std::string>>;

}  // namespace

TEST(ShellLex, QuotesAreRemovedAndMarked) {
    auto lexed = shell::lex("printf '<%s>' \"a  b\" c\\ d 'it'\\''s' plain");
    EXPECT_TRUE(lexed.balanced);
    EXPECT_FALSE(lexed.has_operator);
    EXPECT_EQ(values(lexed), (Segments{{"printf", "<%s>", "a  b", "c d", "it's", "plain"}}));
    const auto& w = lexed.segments[0];
    EXPECT_FALSE(w[0].quoted);
    EXPECT_TRUE(w[1].quoted);
    EXPECT_TRUE(w[3].quoted) << "a backslash escape counts as quoting";
    EXPECT_FALSE(w[5].quoted);
}

TEST(ShellLex, ExtentsCoverTheRawWord) {
    std::string command = "run  'a b'\tc";
    auto lexed = shell::lex(command);
    ASSERT_EQ(lexed.segments[0].size(), 3u);
    const auto& w = lexed.segments[0];
    EXPECT_EQ(command.substr(w[0].begin, w[0].end - w[0].begin), "run");
    EXPECT_EQ(command.substr(w[1].begin, w[1].end - w[1].begin), "'a b'");
    EXPECT_EQ(command.substr(w[2].begin, w[2].end - w[2].begin), "c");
}

TEST(ShellLex, DoubleQuotesEscapeOnlyTheirOwnCharacters) {
    auto lexed = shell::lex(R"("a\$b \"q\" \\ \n" 'single \n')");
    EXPECT_EQ(values(lexed), (Segments{{R"(a$b "q" \ \n)", R"(single \n)"}}));
    EXPECT_FALSE(lexed.segments[0][0].expands) << "an escaped $ does not expand";
    EXPECT_TRUE(shell::lex("\"$HOME\"").segments[0][0].expands);
    EXPECT_FALSE(shell::lex("'$HOME'").segments[0][0].expands) << "single quotes keep $ literal";
}

TEST(ShellLex, OperatorsSplitSegments) {
    auto lexed = shell::lex("cd x && ./hooks/lint.sh | tee log; echo done");
    EXPECT_TRUE(lexed.has_operator);
    EXPECT_EQ(values(lexed), (Segments{{"cd", "x"}, {"./hooks/lint.sh"}, {"tee", "log"}, {"echo", "done"}}));
    auto redirect = shell::lex("jq -r . >> ~/log.txt");
    ASSERT_EQ(redirect.segments.size(), 2u);
    EXPECT_TRUE(redirect.segments[1][0].redirect_target);
    EXPECT_FALSE(redirect.segments[0][0].redirect_target);
}

TEST(ShellLex, AssignmentsExpansionsAndComments) {
    auto lexed = shell::lex("FOO=1 \"BAR\"=2 x=\"a b\" 1X=3 cmd $VAR ~/y a~b *.py # note");
    const auto& w = lexed.segments[0];
    EXPECT_TRUE(w[0].assignment);
    EXPECT_FALSE(w[1].assignment) << "a quoted name is not an assignment";
    EXPECT_TRUE(w[2].assignment);
    EXPECT_EQ(w[2].value, "x=a b");
    EXPECT_FALSE(w[3].assignment) << "names do not start with a digit";
    EXPECT_TRUE(w[5].expands);
    EXPECT_TRUE(w[6].expands) << "a leading tilde expands";
    EXPECT_FALSE(w[7].expands) << "a tilde inside a word does not";
    EXPECT_TRUE(w[8].expands) << "globs";
    EXPECT_TRUE(lexed.has_comment);
    EXPECT_EQ(w.size(), 9u) << "the comment is not a word";
    EXPECT_FALSE(shell::lex("a#b").has_comment) << "# inside a word is literal";
}

TEST(ShellLex, UnclosedQuotesAndEscapesAreErrors) {
    for (const char* bad : {"echo 'open", "echo \"open", "trailing\\", "a \"b\\\""}) {
        EXPECT_FALSE(shell::lex(bad).balanced) << bad;
    }
    auto open = shell::lex("echo 'rest of it");
    EXPECT_EQ(values(open), (Segments{{"echo", "rest of it"}})) << "the rest is kept as the word";
    EXPECT_TRUE(shell::lex("a\\\nb").has_operator) << "a line continuation is not one plain word";
    EXPECT_TRUE(shell::lex("\"a\\\nb\"").has_operator);
}

TEST(ShellLex, EmptyInput) {
    auto lexed = shell::lex("");
    EXPECT_TRUE(lexed.balanced);
    ASSERT_EQ(lexed.segments.size(), 1u);
    EXPECT_TRUE(lexed.segments[0].empty());
    EXPECT_EQ(shell::lex("a;").segments.size(), 1u) << "no empty segment after a trailing operator";
}

TEST(ShellQuote, RoundTripsThroughTheLexer) {
    for (const std::string word : {"plain", "a b", "it's", "", "$HOME", "tab\there", "new\nline", "'", "\\"}) {
        auto lexed = shell::lex(shell::quote(word));
        ASSERT_EQ(lexed.segments[0].size(), 1u) << word;
        EXPECT_EQ(lexed.segments[0][0].value, word);
        EXPECT_EQ(shell::unquote_always(shell::quote_always(word)), word);
    }
    EXPECT_EQ(shell::quote("/usr/bin/x"), "/usr/bin/x");
    EXPECT_EQ(shell::quote_always("x"), "'x'");
    EXPECT_FALSE(shell::unquote_always("'a'b'").has_value()) << "not quote_always's own output";
    EXPECT_FALSE(shell::unquote_always("x").has_value());
}

TEST(ShellSplit, BuiltinsAndKeywordsAreNotPrograms) {
    EXPECT_EQ(shell::split_simple("./x.sh 'a b'"), (std::vector<std::string>{"./x.sh", "a b"}));
    EXPECT_FALSE(shell::split_simple("").has_value());
    EXPECT_FALSE(shell::split_simple("if true").has_value());
    EXPECT_TRUE(shell::is_keyword_or_builtin("source"));
    EXPECT_FALSE(shell::is_keyword_or_builtin("python3"));
}
