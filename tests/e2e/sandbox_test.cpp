// The per-hook "sandbox" of the policy, end to end: real hooks started by the real binary
// (`hookwarden run --policy P --name N`), confined before they run any code of their own.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/harness.h"

using hwtest::Options;
using hwtest::Result;
using nlohmann::json;
namespace stdfs = std::filesystem;

namespace {

bool landlock_here() {
    std::string out;
    FILE* p = ::popen((hwtest::binary() + " doctor 2>&1").c_str(), "r");
    if (!p) return false;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
    return out.find("filesystem (Landlock): available") != std::string::npos;
}

std::string python() { return stdfs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3"; }

class Sandbox : public ::testing::Test {
protected:
    void SetUp() override { dir_ = hwtest::temp_dir(); }

    // One hook "h" with `sandbox` and `command`, run through the policy.
    Result run_hook(const json& sandbox, const std::vector<std::string>& command, Options options = {},
                    const std::string& backend = "auto", const std::string& event = "PreToolUse") {
        json policy = {{"version", 1},
                       {"hooks", {{"h", {{"event", event}, {"command", command}, {"sandbox", sandbox}}}}}};
        std::string path = dir_ + "/policy.json";
        std::ofstream(path) << policy.dump(2);
        if (options.stdin_data.empty()) options.stdin_data = R"({"hook_event_name":"PreToolUse","tool_name":"Bash"})";
        return hwtest::run({"run", "--policy", path, "--name", "h", "--backend", backend}, options);
    }

    std::string dir_;
};

// A TCP server of the test's own, in the host network namespace.
struct Listener {
    int fd = -1;
    int port = 0;
    Listener() {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0) return;
        socklen_t len = sizeof addr;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
        port = ntohs(addr.sin_port);
    }
    ~Listener() { ::close(fd); }
};

std::vector<std::string> connect_hook(int port) {
    return {python(), "-c",
            "import socket\n"
            "socket.create_connection(('127.0.0.1', " + std::to_string(port) + "), timeout=1).close()\n"
            "print('connected')\n"};
}

}  // namespace

TEST_F(Sandbox, NetworkNoneCannotReachAServerOnTheHostLoopback) {
    Listener server;
    ASSERT_GT(server.port, 0);

    auto host = run_hook({{"network", "host"}}, connect_hook(server.port));
    EXPECT_EQ(host.record["outcome"], "ok") << host.err;
    EXPECT_EQ(host.out, "connected\n");
    EXPECT_EQ(host.record["confinement"]["network"], "host");

    auto none = run_hook({{"network", "none"}}, connect_hook(server.port));
    EXPECT_EQ(none.record["outcome"], "error") << none.record.dump(2);
    EXPECT_EQ(none.out, "");
    EXPECT_NE(none.err.find("Connection refused"), std::string::npos) << none.err;
    EXPECT_EQ(none.record["confinement"]["network"], "none");
    EXPECT_TRUE(none.record["confinement"]["unavailable"].empty());
}

TEST_F(Sandbox, NetworkNoneHasItsOwnWorkingLoopback) {
    // Inside the namespace, lo is up: a hook can still talk to itself over 127.0.0.1.
    auto r = run_hook({{"network", "none"}},
                      {python(), "-c",
                       "import socket\n"
                       "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)\n"
                       "c = socket.create_connection(s.getsockname(), timeout=1)\n"
                       "print(sorted(name for _, name in socket.if_nameindex()))\n"});
    EXPECT_EQ(r.record["outcome"], "ok") << r.err;
    EXPECT_EQ(r.out, "['lo']\n");
}

TEST_F(Sandbox, ReadOnlyAllowsWritesOnlyUnderTheWritablePaths) {
    if (!landlock_here()) GTEST_SKIP() << "Landlock unavailable on this kernel (see hookwarden doctor)";
    std::string inside = dir_ + "/inside", outside = dir_ + "/outside";
    stdfs::create_directories(inside + "/sub");
    stdfs::create_directories(outside);
    std::ofstream(outside + "/existing") << "keep\n";
    json sandbox = {{"filesystem", {{"read_only", true}, {"writable", {"$HW_INSIDE"}}}}};
    Options options;
    options.env = {"HW_INSIDE=" + inside};

    auto in = run_hook(sandbox,
                       {"/bin/sh", "-c",
                        "echo a > \"$HW_INSIDE/new\" && echo b > \"$HW_INSIDE/sub/deeper\" && mkdir \"$HW_INSIDE/d\" && "
                        "mv \"$HW_INSIDE/new\" \"$HW_INSIDE/d/moved\" && rm \"$HW_INSIDE/sub/deeper\" && "
                        "echo quiet > /dev/null && echo to-stderr > /dev/stderr && echo ok"},
                       options);
    EXPECT_EQ(in.record["outcome"], "ok") << in.err;
    EXPECT_EQ(in.out, "ok\n");
    EXPECT_EQ(in.err, "to-stderr\n");
    EXPECT_TRUE(stdfs::exists(inside + "/d/moved"));
    auto c = in.record["confinement"];
    EXPECT_EQ(c["filesystem"].get<std::string>().rfind("landlock-abi-", 0), 0u) << c.dump();
    EXPECT_EQ(c["writable"], json({inside, "/dev/null"}));
    EXPECT_TRUE(c["no_new_privs"].get<bool>());

    for (const char* attempt :
         {"echo x > \"$OUT/created\"", "echo x >> \"$OUT/existing\"", "rm \"$OUT/existing\"", "mkdir \"$OUT/dir\"",
          ": > \"$OUT/existing\"", "ln -s /etc/passwd \"$OUT/link\"", "echo x > /root/hw-sandbox-test-should-not-exist"}) {
        SCOPED_TRACE(attempt);
        Options o = options;
        o.env.push_back("OUT=" + outside);
        auto out = run_hook(sandbox, {"/bin/sh", "-c", attempt}, o);
        // sh exits 2 on a failed redirection (outcome "blocked"), 1 otherwise: never ok.
        EXPECT_NE(out.record["outcome"], "ok");
        EXPECT_NE(out.err.find("ermission denied"), std::string::npos) << out.err;
    }
    EXPECT_EQ(std::distance(stdfs::directory_iterator(outside), stdfs::directory_iterator()), 1);
    std::ifstream kept(outside + "/existing");
    std::string line;
    std::getline(kept, line);
    EXPECT_EQ(line, "keep") << "neither appended to nor truncated";
    EXPECT_FALSE(stdfs::exists("/root/hw-sandbox-test-should-not-exist"));

    // Reads stay allowed everywhere.
    auto read = run_hook(sandbox, {"/bin/cat", outside + "/existing"}, options);
    EXPECT_EQ(read.out, "keep\n");
}

TEST_F(Sandbox, UnsetWritableVariableDropsTheEntryAndSaysSo) {
    if (!landlock_here()) GTEST_SKIP() << "Landlock unavailable on this kernel";
    json sandbox = {{"filesystem", {{"read_only", true}, {"writable", {"$HW_SURELY_UNSET_VAR", "/tmp"}}}}};
    auto r = run_hook(sandbox, {"/bin/true"});
    EXPECT_EQ(r.record["outcome"], "ok");
    EXPECT_EQ(r.record["confinement"]["writable"], json({"/tmp", "/dev/null"}));
    EXPECT_NE(r.record["confinement"]["notes"].dump().find("HW_SURELY_UNSET_VAR is unset"), std::string::npos)
        << r.record["confinement"].dump();
}

TEST_F(Sandbox, ScrubbedVariablesAreInvisibleAndAllowedOnesVisible) {
    Options options;
    options.env = {"HW_GITHUB_TOKEN=ghp_secret", "HW_API_KEY=k", "AWS_SECRET_ACCESS_KEY=a", "HW_VISIBLE=yes"};
    std::vector<std::string> show = {"/bin/sh", "-c",
                                     "echo \"token=${HW_GITHUB_TOKEN-unset} key=${HW_API_KEY-unset} "
                                     "aws=${AWS_SECRET_ACCESS_KEY-unset} visible=${HW_VISIBLE-unset} "
                                     "home=${HOME-unset}\""};

    auto plain = run_hook(json::object(), show, options);
    EXPECT_EQ(plain.out, "token=ghp_secret key=k aws=a visible=yes home=" + std::string(std::getenv("HOME")) + "\n")
        << "without env rules the hook gets the agent's environment";
    EXPECT_EQ(plain.record["confinement"]["env_scrubbed"], 0);

    auto scrubbed = run_hook({{"env", {{"scrub", {"*_TOKEN", "*_KEY", "*SECRET*", "AWS_*"}}}}}, show, options);
    EXPECT_EQ(scrubbed.record["outcome"], "ok") << scrubbed.err;
    EXPECT_EQ(scrubbed.out,
              "token=unset key=unset aws=unset visible=yes home=" + std::string(std::getenv("HOME")) + "\n");
    EXPECT_GE(scrubbed.record["confinement"]["env_scrubbed"].get<int>(), 3);

    auto allowed = run_hook({{"env", {{"allow", {"PATH", "HW_VIS*", "HW_GITHUB_TOKEN"}}, {"scrub", {"*_TOKEN"}}}}},
                            show, options);
    EXPECT_EQ(allowed.out, "token=unset key=unset aws=unset visible=yes home=unset\n") << "scrub wins over allow";
}

TEST_F(Sandbox, NoNewPrivsIsOnByDefaultAndCanBeTurnedOff) {
    std::vector<std::string> show = {"/bin/sh", "-c", "grep NoNewPrivs /proc/self/status"};
    auto on = run_hook(json::object(), show);
    EXPECT_EQ(on.out, "NoNewPrivs:\t1\n");
    EXPECT_TRUE(on.record["confinement"]["no_new_privs"].get<bool>());
    auto off = run_hook({{"no_new_privs", false}}, show);
    EXPECT_EQ(off.out, "NoNewPrivs:\t0\n");
    EXPECT_FALSE(off.record["confinement"]["no_new_privs"].get<bool>());
}

TEST_F(Sandbox, EverythingOnTheExampleHooksStillWork) {
    const std::string src = hwtest::source_dir();
    json all = {{"network", "none"},
                {"filesystem", {{"read_only", true}, {"writable", {"$CLAUDE_PROJECT_DIR", "$TMPDIR", "/tmp"}}}},
                {"env", {{"allow", {"PATH", "HOME", "LANG", "LC_*", "CLAUDE_*", "TMPDIR"}},
                         {"scrub", {"*_TOKEN", "*_KEY", "*SECRET*", "AWS_*"}}}},
                {"no_new_privs", true}};
    auto read = [&](const std::string& name) {
        std::ifstream in(src + "/hooks-examples/events/" + name);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    for (const char* backend : {"auto", "none"}) {
        SCOPED_TRACE(backend);
        Options o;
        o.env = {"CLAUDE_PROJECT_DIR=" + dir_, "GITHUB_TOKEN=x"};

        o.stdin_data = read("PreToolUse-bash-destructive.json");
        auto deny = run_hook(all, {python(), src + "/hooks-examples/guard_bash.py"}, o, backend);
        EXPECT_EQ(deny.record["outcome"], "ok") << deny.err;
        EXPECT_NE(deny.out.find("\"deny\""), std::string::npos) << deny.out;
        EXPECT_EQ(deny.record["confinement"]["network"], "none");
        EXPECT_TRUE(deny.record["confinement"]["unavailable"].empty());
        EXPECT_GE(deny.record["confinement"]["env_scrubbed"].get<int>(), 1);

        o.stdin_data = read("PreToolUse-bash.json");
        auto allow = run_hook(all, {python(), src + "/hooks-examples/guard_bash.py"}, o, backend);
        EXPECT_EQ(allow.record["outcome"], "ok") << allow.err;
        EXPECT_EQ(allow.out, "");

        o.stdin_data = read("PreToolUse-write-secret.json");
        auto secret = run_hook(all, {python(), src + "/hooks-examples/secret_scan.py"}, o, backend);
        EXPECT_EQ(secret.record["outcome"], "ok") << secret.err;
        EXPECT_NE(secret.out.find("\"deny\""), std::string::npos) << secret.out;

        o.stdin_data = read("PreToolUse-write.json");
        auto clean = run_hook(all, {python(), src + "/hooks-examples/secret_scan.py"}, o, backend);
        EXPECT_EQ(clean.out, "");

        stdfs::create_directories(dir_ + "/.hookwarden");
        std::ofstream(dir_ + "/.hookwarden/todo-open") << "- finish the sandbox\n";
        json stop = json::parse(read("Stop.json"));
        stop["cwd"] = dir_;
        o.stdin_data = stop.dump();
        auto blocked = run_hook(all, {python(), src + "/hooks-examples/stop_check.py"}, o, backend, "Stop");
        EXPECT_EQ(blocked.record["outcome"], "ok") << blocked.err;
        EXPECT_NE(blocked.out.find("\"block\""), std::string::npos) << blocked.out;
        stdfs::remove(dir_ + "/.hookwarden/todo-open");
    }
}

TEST_F(Sandbox, InvalidSandboxKeysFailPolicyCheck) {
    std::string path = dir_ + "/bad.json";
    std::ofstream(path) << R"({"version": 1, "defaults": {"sandbox": {"network": "nnoe"}}})";
    Options no_record;
    no_record.with_record = false;
    auto r = hwtest::run({"policy", "check", path}, no_record);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("$.defaults.sandbox.network: unknown value \"nnoe\"; did you mean \"none\"?"),
              std::string::npos)
        << r.err;
}

TEST_F(Sandbox, UnprivilegedNetworkNoneUsesAUserNamespace) {
    if (!hwtest::is_root()) GTEST_SKIP() << "needs root to switch to an unprivileged user with setpriv";
    if (!stdfs::exists("/usr/bin/setpriv")) GTEST_SKIP() << "setpriv not installed";
    Listener server;
    ASSERT_GT(server.port, 0);
    ::chmod(dir_.c_str(), 0777);
    std::string state = dir_ + "/nobody-state";
    stdfs::create_directories(state);
    ::chmod(state.c_str(), 0777);
    Options o;
    o.prefix = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    o.state_dir = state;
    std::vector<std::string> command = connect_hook(server.port);
    command.back() = "import os\nprint(os.getuid())\n" + command.back();
    auto r = run_hook({{"network", "none"}}, command, o);
    EXPECT_EQ(r.record["outcome"], "error") << r.err;
    EXPECT_EQ(r.out, "65534\n") << "the hook keeps its uid inside the user namespace";
    EXPECT_NE(r.err.find("Connection refused"), std::string::npos) << r.err;
    EXPECT_EQ(r.record["confinement"]["network"], "none");
}
