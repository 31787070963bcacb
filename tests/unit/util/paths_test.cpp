// util/paths: home and XDG base directories, as the XDG Base Directory spec has them.
#include <gtest/gtest.h>

#include <pwd.h>
#include <unistd.h>

#include "../scratch_files.h"
#include "util/paths.h"

using namespace hookwarden;
using hwunit::EnvGuard;

TEST(Paths, AbsoluteXdgValuesAreUsed) {
    EnvGuard env({{"HOME", "/home/u"},
                  {"XDG_CONFIG_HOME", "/cfg"},
                  {"XDG_STATE_HOME", "/state"},
                  {"XDG_RUNTIME_DIR", "/run/user/7"}});
    EXPECT_EQ(paths::home_dir(), "/home/u");
    EXPECT_EQ(paths::config_home(), "/cfg");
    EXPECT_EQ(paths::state_home(), "/state");
    EXPECT_EQ(paths::runtime_dir(), "/run/user/7");
}

TEST(Paths, RelativeXdgValuesAreIgnored) {
    EnvGuard env({{"HOME", "/home/u"},
                  {"XDG_CONFIG_HOME", "relative/cfg"},
                  {"XDG_STATE_HOME", "./state"},
                  {"XDG_RUNTIME_DIR", "run"}});
    EXPECT_EQ(paths::config_home(), "/home/u/.config");
    EXPECT_EQ(paths::state_home(), "/home/u/.local/state");
    EXPECT_EQ(paths::runtime_dir(), "") << "no default: the caller picks one";
}

TEST(Paths, EmptyOrUnsetXdgValuesFallBackToHome) {
    EnvGuard env({{"HOME", "/home/u"}, {"XDG_CONFIG_HOME", ""}, {"XDG_STATE_HOME", std::nullopt}});
    EXPECT_EQ(paths::config_home(), "/home/u/.config");
    EXPECT_EQ(paths::state_home(), "/home/u/.local/state");
}

// Without a usable $HOME the passwd entry decides; compared with glibc's own lookup
// (this test binary is dynamic, so NSS works here).
TEST(Paths, WithoutHomeThePasswdEntryIsUsed) {
    const struct passwd* pw = ::getpwuid(::getuid());
    ASSERT_NE(pw, nullptr);
    const std::string expected = pw->pw_dir;
    EXPECT_EQ(paths::home_from_passwd(::getuid()), expected);
    for (std::optional<std::string> home : {std::optional<std::string>(), std::optional<std::string>(""),
                                            std::optional<std::string>("relative/home")}) {
        EnvGuard env({{"HOME", home}, {"XDG_CONFIG_HOME", std::nullopt}});
        EXPECT_EQ(paths::home_dir(), expected) << home.value_or("(unset)");
        EXPECT_EQ(paths::config_home(), expected + "/.config");
    }
    EXPECT_EQ(paths::home_from_passwd(4'000'000'000u), "") << "no such user";
}
