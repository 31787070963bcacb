// util/text_diff: the unified diff `install --dry-run` shows.
#include <gtest/gtest.h>

#include "util/text_diff.h"

using hookwarden::text::unified_diff;

TEST(TextDiff, EqualTextsGiveNothing) { EXPECT_EQ(unified_diff("a\nb\n", "a\nb\n", "x", "y"), ""); }

TEST(TextDiff, DistantChangesGetTheirOwnHunks) {
    std::string old_text, new_text;
    for (int i = 1; i <= 20; ++i) {
        old_text += std::to_string(i) + "\n";
        new_text += (i == 2 ? "two" : i == 18 ? "eighteen" : std::to_string(i)) + "\n";
    }
    EXPECT_EQ(unified_diff(old_text, new_text, "a/f", "b/f"),
              "--- a/f\n+++ b/f\n"
              "@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n"
              "@@ -15,6 +15,6 @@\n 15\n 16\n 17\n-18\n+eighteen\n 19\n 20\n");
}

TEST(TextDiff, NearChangesShareAHunk) {
    EXPECT_EQ(unified_diff("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\nB\n3\n4\n5\n6\n7\nH\n9\n", "a", "b"),
              "--- a\n+++ b\n@@ -1,9 +1,9 @@\n 1\n-2\n+B\n 3\n 4\n 5\n 6\n 7\n-8\n+H\n 9\n");
}

TEST(TextDiff, MissingFinalNewlineIsMarked) {
    EXPECT_EQ(unified_diff("a\n", "a\nb", "a", "b"), "--- a\n+++ b\n@@ -1,1 +1,2 @@\n a\n+b\n\\ No newline at end of file\n");
    EXPECT_EQ(unified_diff("x\n", "", "a", "b"), "--- a\n+++ b\n@@ -1,1 +0,0 @@\n-x\n");
}
