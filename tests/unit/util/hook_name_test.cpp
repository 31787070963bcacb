// util/hook_name: one derivation for `run` (argv) and `install` (command strings).
#include <gtest/gtest.h>

#include "util/hook_name.h"
#include "util/shell_words.h"

using namespace hookwarden;
using naming::derive_name;
using naming::derive_name_from_shell;

// README: `python3 hooks/guard_bash.py` -> `guard_bash`; interpreters and flags are
// skipped, the extension is dropped, odd characters are replaced.
TEST(HookName, ReadmeCases) {
    EXPECT_EQ(derive_name({"python3", "hooks/guard_bash.py"}), "guard_bash");
    EXPECT_EQ(derive_name({"python3", "-u", "hooks/guard_bash.py", "--strict"}), "guard_bash");
    EXPECT_EQ(derive_name({"/usr/bin/python3.12", "-X", "dev", "hooks/guard_bash.py"}), "guard_bash");
    EXPECT_EQ(derive_name({"uv", "run", "--script", ".claude/hooks/pre_tool_use.py"}), "pre_tool_use");
    EXPECT_EQ(derive_name({"env", "FOO=1", "node", "scripts/session-start.js"}), "session-start");
    EXPECT_EQ(derive_name({"./hooks/format.sh"}), "format");
    EXPECT_EQ(derive_name({"/usr/local/bin/post-bash-audit", "--read"}), "post-bash-audit");
    EXPECT_EQ(derive_name({"./hooks/my hook!.sh"}), "my_hook");
    EXPECT_EQ(derive_name({"./hooks/ünï.py"}), "n");
    EXPECT_EQ(derive_name({}), "hook");
    EXPECT_EQ(derive_name({"bun"}), "bun") << "only a launcher: it names the hook";
    EXPECT_EQ(derive_name({"timeout", "5", "mytool"}), "mytool") << "numbers are no names";
}

TEST(HookName, ShellStringsAreNamedAfterTheScriptTheyRun) {
    EXPECT_EQ(derive_name({"bash", "-c", "cd x && ./hooks/lint.sh"}), "lint");
    EXPECT_EQ(derive_name_from_shell("bash -c 'cd x && ./hooks/lint.sh'"), "lint");
    EXPECT_EQ(derive_name({"/bin/sh", "-ec", "python3 hooks/guard_bash.py"}), "guard_bash");
    EXPECT_EQ(derive_name({"bash", "-lc", "./hooks/lint.sh"}), "lint");
    EXPECT_EQ(derive_name({"sh", "-c", "echo checked >&2"}), "echo");
    EXPECT_EQ(derive_name_from_shell("jq -r . >> ~/.claude/log.txt"), "jq") << "a redirection target is not the hook";
    EXPECT_EQ(derive_name({"sh", "-c", "sh -c 'exec ./deep.sh'"}), "deep");
}

// The same command as argv (what `run` gets) and as a settings string (what `install`
// reads) gets the same name, so a hook keeps its records whichever way it is started.
TEST(HookName, ArgvAndShellStringAgree) {
    const std::vector<std::string> plain = {
        "python3 hooks/guard_bash.py",   "uv run --script .claude/hooks/subagent_stop.py --notify",
        "node 'scripts/session start.js'", "/usr/local/bin/post-bash-audit --read",
        "./hooks/x.sh a b",              "npm run lint",
        "'weird name!.sh'",              "bash -c './hooks/lint.sh --fix'",
        "timeout 5 ./slow.py",           "mytool config.py",
    };
    for (const auto& command : plain) {
        auto argv = shell::split_simple(command);
        ASSERT_TRUE(argv.has_value()) << command;
        EXPECT_EQ(derive_name(*argv), derive_name_from_shell(command)) << command;
    }
    // Anything else reaches `run` as `sh -c COMMAND` (install's shell form).
    const std::vector<std::string> shell_only = {
        "cd x && ./hooks/lint.sh", "FOO=1 ./.claude/hooks/guard.py", "cd \"$CLAUDE_PROJECT_DIR\" && npm run lint",
        "jq -r . >> log.txt",      "echo 'unclosed",
    };
    for (const auto& command : shell_only) {
        EXPECT_EQ(derive_name({"sh", "-c", command}), derive_name_from_shell(command)) << command;
        EXPECT_EQ(derive_name_from_shell("sh -c " + shell::quote_always(command)), derive_name_from_shell(command))
            << command;
    }
}

TEST(HookName, IsAPolicyKey) {
    const std::vector<std::string> commands = {"'..--__x__..'", "\"$A\"", std::string(200, 'a') + ".sh", "'-'", "'ü'"};
    for (const auto& command : commands) {
        std::string name = derive_name_from_shell(command);
        EXPECT_FALSE(name.empty()) << command;
        EXPECT_LE(name.size(), 64u) << command;
        EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"),
                  std::string::npos)
            << command << " -> " << name;
        EXPECT_NE(name.front(), '-') << name;
        EXPECT_NE(name.front(), '.') << name;
    }
}
