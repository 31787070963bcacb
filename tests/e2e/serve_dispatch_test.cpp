// `dispatch` through `hookwarden serve` (docs/serve.md): the same answer as in-process,
// byte for byte, records that say so, and a fail-closed answer when the daemon dies.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

#include "support/harness.h"
#include "support/serve_daemon.h"

using nlohmann::json;

namespace {

const char* kBash = R"({"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}})";
const char* kEdit = R"({"hook_event_name":"PreToolUse","tool_name":"Edit","tool_input":{"file_path":"a"}})";

json sh_hook(const std::string& matcher, const std::string& script, json extra = json::object()) {
    json h = {{"event", "PreToolUse"}, {"matcher", matcher}, {"command", {"sh", "-c", script}}};
    for (auto& [k, v] : extra.items()) h[k] = v;
    return h;
}

std::string write_policy(const std::string& dir, const json& hooks) {
    const std::string path = dir + "/policy.json";
    std::ofstream(path) << json{{"version", 1}, {"hooks", hooks}}.dump(2);
    return path;
}

// Two guards on Bash (one blocks with a reason on stderr, one answers JSON) and one on
// Edit that allows with a JSON answer.
json guards() {
    return {
        {"deny-bash", sh_hook("Bash", "cat >/dev/null; printf 'no \\001\\377 bash\\n' >&2; exit 2")},
        {"look-bash", sh_hook("Bash", "cat >/dev/null; echo '{\"systemMessage\":\"looked\"}'")},
        {"allow-edit", sh_hook("Edit", "cat >/dev/null; echo '{\"hookSpecificOutput\":{\"hookEventName\":"
                                       "\"PreToolUse\",\"permissionDecision\":\"allow\"}}'")},
    };
}

struct Dispatched {
    hwtest::Result result;
    json records;  // dispatch's --record array
};

Dispatched dispatch(const hwtest::ServeDaemon& d, const std::string& policy, const char* event, bool served) {
    const std::string record = hwtest::temp_dir() + "/records.json";
    Dispatched out;
    out.result = hwtest::run({"dispatch", "--policy", policy, "--record", record}, d.client(event, served));
    std::ifstream in(record);
    out.records = json::parse(in, nullptr, false);
    return out;
}

TEST(ServeDispatch, AnswersByteForByteAsInProcessForABlockAndAnAllow) {
    hwtest::ServeDaemon d;
    ASSERT_TRUE(d.alive());
    const std::string policy = write_policy(d.dir, guards());
    for (const char* event : {kBash, kEdit}) {
        Dispatched served = dispatch(d, policy, event, true);
        Dispatched local = dispatch(d, policy, event, false);
        EXPECT_EQ(served.result.exit_code, local.result.exit_code) << event;
        EXPECT_EQ(served.result.out, local.result.out) << event;
        EXPECT_EQ(served.result.err, local.result.err) << event;
        ASSERT_TRUE(served.records.is_array() && local.records.is_array()) << served.result.err;
        EXPECT_EQ(served.records.size(), local.records.size());
        for (const auto& record : served.records) EXPECT_EQ(record["served_by"], "serve") << record.dump() << hwtest::slurp_file(d.log);
        for (const auto& record : local.records) EXPECT_EQ(record["served_by"], "process") << record.dump();
    }
    EXPECT_EQ(dispatch(d, policy, kBash, true).result.exit_code, 2);
    Dispatched edit = dispatch(d, policy, kEdit, true);
    EXPECT_EQ(edit.result.exit_code, 0);
    EXPECT_NE(edit.result.out.find("\"allow\""), std::string::npos) << edit.result.out;
    EXPECT_TRUE(d.alive());
}

// The daemon SIGKILLed while a fail-closed hook of the dispatch runs: the client blocks at
// once (the armed answer: every matched hook failed, merged), the hooks' trees are gone,
// and the next dispatch is served.
TEST(ServeDispatch, DaemonKilledMidDispatchBlocksAndLeavesNoSurvivors) {
    hwtest::ServeDaemon d;
    const std::string token = hwtest::unique_token();
    json hooks = {
        {"hangs", {{"event", "PreToolUse"}, {"matcher", "Bash"},
                   {"command", {"bash", "-c", "cat >/dev/null; exec -a " + token + "-a sleep 30"}},
                   {"limits", {{"timeout_ms", 20000}}}, {"on_failure", "block"}}},
        {"quick", sh_hook("Bash", "cat >/dev/null; exit 0")},
    };
    const std::string policy = write_policy(d.dir, hooks);
    std::thread killer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(800));
        d.stop(SIGKILL);
    });
    auto r = hwtest::run({"dispatch", "--policy", policy}, d.client(kBash));
    killer.join();
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("daemon"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("hangs"), std::string::npos) << r.err;
    EXPECT_LT(r.elapsed_ms, 5000);
    EXPECT_TRUE(hwtest::survivors(token, 3000).empty());
    hwtest::kill_all_with(token);
    d.start();
    ASSERT_TRUE(d.alive());
    Dispatched next = dispatch(d, write_policy(d.dir, guards()), kEdit, true);
    EXPECT_EQ(next.result.exit_code, 0) << next.result.err;
    ASSERT_TRUE(next.records.is_array() && !next.records.empty()) << next.result.err;
    EXPECT_EQ(next.records[0]["served_by"], "serve") << next.records.dump() << next.result.err << hwtest::slurp_file(d.log);
}

// The daemon killed while its worker still waits for the event (the agent has not closed
// stdin): the event is gone with the worker, so the client answers for every hook of
// --event, whatever its matcher: a fail-closed one among them blocks.
TEST(ServeDispatch, DaemonKilledBeforeTheEventWasReadAnswersForEveryHookOfTheEvent) {
    hwtest::ServeDaemon d;
    json hooks = {
        {"guard-edit", sh_hook("Edit", "cat >/dev/null", {{"on_failure", "block"}})},
        {"other", sh_hook("Bash", "cat >/dev/null")},
    };
    const std::string policy = write_policy(d.dir, hooks);
    // Killed once a worker holds the run (the daemon logs it), not after a fixed time: on
    // a loaded machine the client may not have been served yet, and would then fall back.
    std::thread killer([&] {
        hwtest::wait_for_text(d.log, "serve: run to ", 3000);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        d.stop(SIGKILL);
    });
    auto o = d.client(kBash);
    o.hold_stdin_ms = 4000;
    auto r = hwtest::run({"dispatch", "--policy", policy, "--event", "PreToolUse"}, o);
    killer.join();
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("guard-edit"), std::string::npos) << r.err;
    EXPECT_LT(r.elapsed_ms, 3500) << "answered only when the agent closed stdin";
}

}  // namespace
