// The client's resource limits travel with its run (docs/serve.md): a served hook is held
// by the same RLIMIT_* values as the same hook run in-process.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include "support/harness.h"
#include "support/serve_daemon.h"

namespace {

const char* kEvent = R"({"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}})";

// The hook's own /proc/self/limits, with the client started under `prlimit ARGS`.
hwtest::Result limits_seen(const hwtest::ServeDaemon& d, const std::vector<std::string>& prlimit, bool served) {
    auto o = d.client(kEvent, served);
    o.with_record = true;
    o.prefix = {"prlimit"};
    o.prefix.insert(o.prefix.end(), prlimit.begin(), prlimit.end());
    o.prefix.push_back("--");
    return hwtest::run({"run", "--", "sh", "-c", "cat >/dev/null; cat /proc/self/limits"}, o);
}

TEST(ServeRlimits, TheHookGetsTheClientsLimitsNotTheDaemons) {
    if (::access("/usr/bin/prlimit", X_OK) != 0) GTEST_SKIP() << "needs prlimit (util-linux)";
    hwtest::ServeDaemon d;
    const std::vector<std::string> lowered{"--nofile=200:300", "--core=0:0", "--cpu=50:60", "--fsize=1000000:2000000"};
    auto served = limits_seen(d, lowered, true);
    auto local = limits_seen(d, lowered, false);
    ASSERT_TRUE(served.record.is_object() && local.record.is_object()) << served.err << local.err;
    EXPECT_EQ(served.record["served_by"], "serve");
    EXPECT_EQ(local.record["served_by"], "process");
    EXPECT_EQ(served.out, local.out);
    EXPECT_NE(served.out.find("Max open files            200                  300"), std::string::npos) << served.out;
    EXPECT_NE(served.out.find("Max cpu time              50                   60"), std::string::npos) << served.out;
    // The next client, with no limit of its own lowered, is not held by the last one's.
    auto plain = limits_seen(d, {}, true);
    EXPECT_EQ(plain.out.find("Max open files            200 "), std::string::npos) << plain.out;
}

bool can_raise_hard_limits() {
    const std::string status = hwtest::slurp_file("/proc/self/status");
    const auto at = status.find("CapEff:");
    if (at == std::string::npos) return false;
    return (std::stoull(status.substr(at + 7), nullptr, 16) >> 24) & 1;  // CAP_SYS_RESOURCE
}

// A hard limit above the daemon's: only a worker with CAP_SYS_RESOURCE may raise it. With
// it the hook gets the client's limit exactly; without, the daemon's, which is lower than
// the client's (never looser than in-process), and the record says so.
TEST(ServeRlimits, AHardLimitAboveTheDaemonsIsKeptAtTheDaemonsWithoutThePrivilege) {
    if (::access("/usr/bin/prlimit", X_OK) != 0) GTEST_SKIP() << "needs prlimit (util-linux)";
    hwtest::ServeDaemon d({{RLIMIT_NOFILE, rlimit{256, 256}}});
    auto served = limits_seen(d, {"--nofile=1000:2000"}, true);
    auto local = limits_seen(d, {"--nofile=1000:2000"}, false);
    ASSERT_TRUE(served.record.is_object() && local.record.is_object()) << served.err << local.err;
    EXPECT_EQ(served.record["served_by"], "serve");
    EXPECT_NE(local.out.find("Max open files            1000                 2000"), std::string::npos) << local.out;
    if (can_raise_hard_limits()) {
        EXPECT_EQ(served.out, local.out);
        return;
    }
    EXPECT_NE(served.out.find("Max open files            256                  256"), std::string::npos) << served.out;
    EXPECT_NE(served.record["errors"].dump().find("RLIMIT_NOFILE of the client (1000/2000) not taken"), std::string::npos)
        << served.record["errors"].dump();
}

}  // namespace
