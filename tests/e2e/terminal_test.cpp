// A hook never holds the agent's terminal: run under a pseudo-terminal (as an agent's TUI
// is), its writes to /dev/tty fail instead of reaching the screen.
#include <gtest/gtest.h>

#include <cstdio>
#include <unistd.h>

#include "support/harness.h"

namespace {

TEST(Terminal, TheHookHasNoControllingTerminal) {
    if (::access("/usr/bin/script", X_OK) != 0) GTEST_SKIP() << "script(1) from util-linux is not installed";
    const std::string probe = "if (echo leaked > /dev/tty) 2>/dev/null; then echo tty-reachable; else echo tty-refused; fi";
    for (const char* backend : {"none", "cgroup-v1"}) {
        if (std::string(backend) == "cgroup-v1" && !hwtest::cgroup_v1_available()) continue;
        SCOPED_TRACE(backend);
        // script(1) gives hookwarden a pty as its controlling terminal and stdio.
        const std::string inner = "HOOKWARDEN_STATE_DIR=" + hwtest::temp_dir() + " " + hwtest::binary() +
                                  " run --backend " + backend + " -- sh -c '" + probe + "'";
        std::string command = "script -qec \"" + inner + "\" /dev/null";
        FILE* pipe = ::popen(command.c_str(), "r");
        ASSERT_NE(pipe, nullptr);
        std::string out;
        char buffer[256];
        while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
        ::pclose(pipe);
        EXPECT_NE(out.find("tty-refused"), std::string::npos) << out;
        EXPECT_EQ(out.find("tty-reachable"), std::string::npos) << out;
    }
}

}  // namespace
