// An agent that writes the event and never closes stdin, or gives up while hookwarden
// still waits for it: the wait is bounded by the hook's own timeout, the agent's SIGTERM
// ends it, and the answer is the policy's.
#include <gtest/gtest.h>

#include <fstream>

#include "support/harness.h"

using nlohmann::json;

namespace {

std::string write_policy(const std::string& on_failure, int timeout_ms) {
    std::string path = hwtest::temp_dir() + "/policy.json";
    json hook = {{"event", "PreToolUse"},
                 {"command", {"sh", "-c", "cat >/dev/null; exit 0"}},
                 {"limits", {{"timeout_ms", timeout_ms}}},
                 {"on_failure", on_failure}};
    std::ofstream(path) << json{{"version", 1}, {"hooks", {{"guard", hook}}}}.dump(2);
    return path;
}

const char* kEvent = R"({"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}})";

TEST(Stdin, AnOpenStdinIsAwaitedNoLongerThanTheHooksTimeout) {
    hwtest::Options options;
    options.stdin_data = kEvent;
    options.hold_stdin_ms = 8000;
    auto r = hwtest::run({"run", "--policy", write_policy("block", 300), "--name", "guard"}, options);
    // The wait for stdin (300 ms) plus the hook, which gets what was read and exits.
    EXPECT_LT(r.elapsed_ms, 2500) << "waited for stdin past the hook's timeout";
    ASSERT_TRUE(r.record.is_object()) << r.err;
    EXPECT_EQ(r.record["outcome"], "ok");
    EXPECT_EQ(r.record["event"], "PreToolUse");
    EXPECT_NE(r.record["errors"].dump().find("stdin not closed after 300 ms"), std::string::npos)
        << r.record["errors"].dump();
}

TEST(Stdin, SigtermWhileWaitingForStdinIsAnsweredByThePolicy) {
    hwtest::Options options;
    options.stdin_data = kEvent;
    options.hold_stdin_ms = 8000;
    options.kill_after_ms = 300;
    options.kill_signal = SIGTERM;
    auto r = hwtest::run({"run", "--policy", write_policy("block", 5000), "--name", "guard"}, options);
    EXPECT_LT(r.elapsed_ms, 2500) << "SIGTERM was not acted on while reading stdin";
    EXPECT_EQ(r.exit_code, 2) << "fail-closed: " << r.out << r.err;
    ASSERT_TRUE(r.record.is_object()) << r.err;
    EXPECT_EQ(r.record["outcome"], "internal_error");
    EXPECT_EQ(r.record["answer"], "block");
    EXPECT_NE(r.record["errors"].dump().find("signal 15 while reading the event"), std::string::npos);
}

TEST(Stdin, DispatchAwaitsAnOpenStdinNoLongerThanItsLongestHook) {
    hwtest::Options options;
    options.stdin_data = kEvent;
    options.hold_stdin_ms = 8000;
    options.with_record = false;
    auto r = hwtest::run({"dispatch", "--policy", write_policy("block", 300)}, options);
    EXPECT_LT(r.elapsed_ms, 1500);
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(Stdin, DispatchWithoutAnEventNameNeverTrapsAStoppingAgent) {
    hwtest::Options options;
    options.with_record = false;
    options.stdin_data = R"({"stop_hook_active":true})";
    auto r = hwtest::run({"dispatch", "--policy", write_policy("block", 300)}, options);
    EXPECT_EQ(r.exit_code, 0) << "exit 2 would make the agent continue forever";
    EXPECT_NE(r.err.find("no event name"), std::string::npos);
    options.stdin_data = R"({"tool_name":"Bash"})";
    EXPECT_EQ(hwtest::run({"dispatch", "--policy", write_policy("block", 300)}, options).exit_code, 2);
}

}  // namespace
