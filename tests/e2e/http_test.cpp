// `hookwarden serve --http`: Claude Code's http hooks answered by the real daemon
// (docs/serve.md, "HTTP hooks"), driven by a plain HTTP client over real loopback TCP;
// the hooks are real processes run by the real binary's workers, the records real.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "support/harness.h"

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& text, mode_t mode = 0644) {
    std::ofstream(path, std::ios::binary) << text;
    ::chmod(path.c_str(), mode);
}

std::string event(const std::string& name, const std::string& command) {
    return json{{"session_id", "s1"}, {"hook_event_name", name}, {"tool_name", "Bash"},
                {"tool_input", {{"command", command}}}, {"cwd", "/"}}.dump();
}

// A guard: blocks (exit 2, reason on stderr) when the event mentions "forbidden";
// sleeps when it mentions "slow"; otherwise allows with nothing on stdout.
const char* kGuard = R"(#!/bin/sh
input=$(cat)
case "$input" in *slow*) sleep 0.4;; esac
case "$input" in *forbidden*) echo "forbidden by the guard" >&2; exit 2;; esac
exit 0
)";

struct Response {
    int status = 0;
    std::string body;
    json json_body;
};

int connect_to(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

Response read_response(int fd) {
    std::string text;
    char buffer[65536];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) text.append(buffer, static_cast<std::size_t>(n));
    ::close(fd);
    Response r;
    if (text.rfind("HTTP/1.1 ", 0) == 0) r.status = std::stoi(text.substr(9, 3));
    const auto end = text.find("\r\n\r\n");
    if (end != std::string::npos) r.body = text.substr(end + 4);
    r.json_body = json::parse(r.body, nullptr, false);
    return r;
}

Response send_raw(int port, const std::string& request) {
    int fd = connect_to(port);
    if (fd < 0) return {};
    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    return read_response(fd);
}

std::string post_text(const std::string& path, const std::string& body, const std::string& token,
                      const std::string& method = "POST") {
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
    if (!token.empty()) req += "Authorization: Bearer " + token + "\r\n";
    return req + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A daemon with --http on a port the kernel picks, a registry of test hooks, its token.
struct HttpDaemon {
    std::string dir = hwtest::temp_dir();
    std::string state = dir + "/state";
    std::string log = dir + "/serve.log";
    std::string guard = dir + "/guard.sh";
    std::string token;
    int port = 0;
    pid_t pid = -1;

    explicit HttpDaemon(std::vector<std::string> env = {}) {
        ::mkdir(state.c_str(), 0700);
        ::mkdir((dir + "/run").c_str(), 0700);
        write_file(guard, kGuard, 0755);
        register_hooks();
        pid = ::fork();
        if (pid == 0) {
            ::setenv("HOOKWARDEN_STATE_DIR", state.c_str(), 1);
            for (auto& e : env) ::putenv(e.data());
            int null_fd = ::open("/dev/null", O_RDWR);
            for (int fd = 0; fd < 3; ++fd) ::dup2(null_fd, fd);
            std::string bin = hwtest::binary(), socket = dir + "/run/serve.sock";
            ::execl(bin.c_str(), bin.c_str(), "--log-level", "info", "--log-file", log.c_str(), "serve", "--socket",
                    socket.c_str(), "--http", "127.0.0.1:0", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        for (int waited = 0; waited < 5000 && port == 0; waited += 10) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            const std::string text = slurp(log);
            const auto at = text.find("http: listening on 127.0.0.1:");
            if (at != std::string::npos) port = std::atoi(text.c_str() + at + 29);
        }
        token = slurp(state + "/http-token");
        if (!token.empty() && token.back() == '\n') token.pop_back();
    }
    ~HttpDaemon() {
        if (pid > 0) ::kill(pid, SIGKILL), ::waitpid(pid, nullptr, 0);
    }

    void register_hooks() {
        const std::string bin = hwtest::binary();
        json hooks = {
            {"guard", {{"argv", {bin, "run", "--agent", "claude", "--name", "guard", "--", guard}}, {"timeout_ms", 10000}}},
            {"hung", {{"argv", {bin, "run", "--agent", "claude", "--name", "hung", "--timeout", "20000",
                                "--on-failure", "block", "--", "sleep", "31.7"}},
                      {"timeout_ms", 2000}}},
            {"held", {{"argv", {bin, "run", "--agent", "claude", "--name", "held", "--timeout", "20000",
                                "--on-failure", "block", "--", "sleep", "33.3"}},
                      {"timeout_ms", 10000}}}};
        write_file(state + "/http-hooks.json", json{{"hooks", hooks}}.dump(), 0600);
    }

    Response post(const std::string& path, const std::string& body, const std::string& with_token = "\x01") const {
        return send_raw(port, post_text(path, body, with_token == "\x01" ? token : with_token));
    }
};

std::vector<pid_t> children_of(pid_t pid) {
    std::vector<pid_t> out;
    std::istringstream list(slurp("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children"));
    for (pid_t child; list >> child;) out.push_back(child);
    return out;
}

std::vector<json> records_in(const std::string& state, std::size_t at_least, int wait_ms = 5000) {
    std::vector<json> out;
    for (int waited = 0; waited <= wait_ms; waited += 100) {
        hwtest::Options o;
        o.state_dir = state;
        o.with_record = false;
        auto r = hwtest::run({"report", "--format", "jsonl"}, o);
        out.clear();
        std::istringstream lines(r.out);
        for (std::string line; std::getline(lines, line);)
            if (!line.empty()) out.push_back(json::parse(line, nullptr, false));
        if (out.size() >= at_least) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return out;
}

}  // namespace

TEST(Http, ExitTwoIsTheEventsJsonBlockAndIsRecorded) {
    HttpDaemon d;
    ASSERT_GT(d.port, 0) << slurp(d.log);
    auto r = d.post("/hook/guard", event("PreToolUse", "rm -rf forbidden"));
    ASSERT_EQ(r.status, 200) << r.body;
    const json& out = r.json_body["hookSpecificOutput"];
    EXPECT_EQ(out["hookEventName"], "PreToolUse");
    EXPECT_EQ(out["permissionDecision"], "deny");
    EXPECT_EQ(out["permissionDecisionReason"], "forbidden by the guard");
    auto stop = d.post("/hook/guard", event("Stop", "forbidden"));
    EXPECT_EQ(stop.json_body, (json{{"decision", "block"}, {"reason", "forbidden by the guard"}})) << stop.body;
    auto allowed = d.post("/hook/guard", event("PreToolUse", "ls"));
    EXPECT_EQ(allowed.status, 200);
    EXPECT_EQ(allowed.json_body, json::object()) << "an empty exit-0 answer is {}: " << allowed.body;
    auto records = records_in(d.state, 3);
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[0]["outcome"], "blocked");
    EXPECT_EQ(records[0]["served_by"], "serve");
    EXPECT_EQ(records[0]["event"], "PreToolUse");
    EXPECT_EQ(records[2]["outcome"], "ok");
}

TEST(Http, MissingOrWrongTokenIs401AndLogged) {
    HttpDaemon d;
    ASSERT_GT(d.port, 0) << slurp(d.log);
    EXPECT_EQ(d.token.size(), 64u);
    struct stat st{};
    ASSERT_EQ(::stat((d.state + "/http-token").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto none = d.post("/hook/guard", event("PreToolUse", "forbidden"), "");
    EXPECT_EQ(none.status, 401) << none.body;
    EXPECT_TRUE(none.json_body.contains("error")) << none.body;
    auto wrong = d.post("/hook/guard", event("PreToolUse", "forbidden"), std::string(64, 'a'));
    EXPECT_EQ(wrong.status, 401);
    EXPECT_NE(slurp(d.log).find("401 missing or wrong token"), std::string::npos) << slurp(d.log);
    EXPECT_TRUE(records_in(d.state, 1, 300).empty()) << "an unauthenticated request names no hook to record";
}

TEST(Http, OversizedBodyIs413AndRecordedForTheHook) {
    HttpDaemon d;
    ASSERT_GT(d.port, 0) << slurp(d.log);
    // Only the headers: the daemon answers from Content-Length without reading 2 MiB.
    std::string req = "POST /hook/guard HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + d.token +
                      "\r\nContent-Length: 2097152\r\n\r\n{";
    auto r = send_raw(d.port, req);
    EXPECT_EQ(r.status, 413) << r.body;
    auto records = records_in(d.state, 1);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0]["hook"], "guard");
    EXPECT_EQ(records[0]["outcome"], "internal_error");
}

TEST(Http, UnknownPathWrongMethodAndMalformedJson) {
    HttpDaemon d;
    ASSERT_GT(d.port, 0) << slurp(d.log);
    EXPECT_EQ(d.post("/hook/nope", event("PreToolUse", "ls")).status, 404);
    EXPECT_EQ(d.post("/", event("PreToolUse", "ls")).status, 404);
    EXPECT_EQ(d.post("/hook/../guard", event("PreToolUse", "ls")).status, 404);
    EXPECT_EQ(send_raw(d.port, post_text("/hook/guard", "", d.token, "GET")).status, 405);
    auto bad = d.post("/hook/guard", "{\"hook_event_name\": \"PreToolUse\", ");
    EXPECT_EQ(bad.status, 400) << bad.body;
    EXPECT_EQ(d.post("/hook/guard", "").status, 400);
    EXPECT_EQ(send_raw(d.port, "garbage\r\n\r\n").status, 400);
    EXPECT_EQ(send_raw(d.port, "POST /hook/guard HTTP/1.1\r\nAuthorization: Bearer " + d.token +
                                   "\r\nTransfer-Encoding: chunked\r\n\r\n").status, 501);
    // Still serving, and the refused requests of a known hook are its records.
    EXPECT_EQ(d.post("/hook/guard", event("PreToolUse", "ls")).status, 200);
    auto records = records_in(d.state, 4);
    std::size_t refused = 0;
    for (const auto& rec : records) refused += rec["outcome"] == "internal_error";
    EXPECT_EQ(refused, 3u) << "the GET, the malformed and the empty body of hook guard";
}

TEST(Http, SlowClientIsDroppedWithoutHoldingOthers) {
    HttpDaemon d({"HOOKWARDEN_HTTP_REQUEST_MS=500"});
    ASSERT_GT(d.port, 0) << slurp(d.log);
    int slow = connect_to(d.port);
    ASSERT_GE(slow, 0);
    const std::string half = "POST /hook/guard HTTP/1.1\r\nContent-Length: 100\r\n";
    ::send(slow, half.data(), half.size(), MSG_NOSIGNAL);
    // Meanwhile another client is answered at once.
    auto start = Clock::now();
    EXPECT_EQ(d.post("/hook/guard", event("PreToolUse", "ls")).status, 200);
    EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(450));
    auto dropped = read_response(slow);
    EXPECT_EQ(dropped.status, 408) << dropped.body;
    EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(400));
}

TEST(Http, EightConcurrentRequestsEachRecordedOnce) {
    HttpDaemon d;
    ASSERT_GT(d.port, 0) << slurp(d.log);
    std::vector<Response> answers(8);
    std::vector<std::thread> clients;
    auto start = Clock::now();
    for (int i = 0; i < 8; ++i)
        clients.emplace_back([&, i] {
            answers[static_cast<std::size_t>(i)] =
                d.post("/hook/guard", event("PreToolUse", "slow " + std::string(i % 2 ? "forbidden" : "ok")));
        });
    for (auto& c : clients) c.join();
    const auto took = Clock::now() - start;
    for (int i = 0; i < 8; ++i) {
        const auto& a = answers[static_cast<std::size_t>(i)];
        ASSERT_EQ(a.status, 200) << a.body;
        EXPECT_EQ(a.json_body.contains("hookSpecificOutput"), i % 2 == 1) << a.body;
    }
    EXPECT_LT(took, std::chrono::milliseconds(8 * 400)) << "the runs did not overlap";
    auto records = records_in(d.state, 8);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    records = records_in(d.state, 8);
    EXPECT_EQ(records.size(), 8u);
}

TEST(Http, ClientGoneMidRunTheRunIsStillRecorded) {
    HttpDaemon d;
    ASSERT_GT(d.port, 0) << slurp(d.log);
    int fd = connect_to(d.port);
    const std::string req = post_text("/hook/guard", event("PreToolUse", "slow ls"), d.token);
    ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ::close(fd);
    auto records = records_in(d.state, 1);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0]["outcome"], "ok");
    EXPECT_NE(slurp(d.log).find("the client left mid-run"), std::string::npos) << slurp(d.log);
    EXPECT_EQ(d.post("/hook/guard", event("PreToolUse", "forbidden")).json_body["hookSpecificOutput"]["permissionDecision"],
              "deny");
}

// The front is a client of the daemon's socket, like `run`: its runs go to the ready
// pool, and none is forked by the front while the daemon takes them.
TEST(Http, RunsGoToTheDaemonsReadyPool) {
    HttpDaemon d;
    ASSERT_GT(d.port, 0) << slurp(d.log);
    for (int i = 0; i < 3; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the pool refilled, as between tool calls
        EXPECT_EQ(d.post("/hook/guard", event("PreToolUse", "ls")).status, 200);
    }
    auto records = records_in(d.state, 3);
    ASSERT_EQ(records.size(), 3u);
    const std::string log = slurp(d.log);
    std::size_t handed = 0;
    for (auto at = log.find("run to ready worker"); at != std::string::npos;
         at = log.find("run to ready worker", at + 1))
        ++handed;
    EXPECT_EQ(handed, 3u) << log;
    EXPECT_EQ(log.find("a worker of the front runs it"), std::string::npos) << log;
}

// A daemon that is stopped (its loop and its ready workers) still has the request queued
// when the front gives up on it (50 ms): the front's own worker runs it, and the daemon,
// resumed, finds the claim withdrawn and never runs it a second time.
TEST(Http, AStoppedDaemonLeavesTheRunToTheFrontAndNeverRunsItTwice) {
    HttpDaemon d;
    ASSERT_GT(d.port, 0) << slurp(d.log);
    // The daemon's loop and its ready workers (the children with children of their own:
    // not the front, nor the breaker keeper), which accept clients too.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::vector<pid_t> stopped{d.pid};
    for (pid_t child : children_of(d.pid))
        if (!children_of(child).empty()) stopped.push_back(child);
    ASSERT_GE(stopped.size(), 3u) << "the daemon and its two ready workers";
    for (pid_t p : stopped) ::kill(p, SIGSTOP);
    auto r = d.post("/hook/guard", event("PreToolUse", "rm forbidden"));
    for (pid_t p : stopped) ::kill(p, SIGCONT);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json_body["hookSpecificOutput"]["permissionDecision"], "deny") << r.body;
    EXPECT_NE(slurp(d.log).find("a worker of the front runs it"), std::string::npos) << slurp(d.log);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the resumed daemon's worker, if it ran
    auto records = records_in(d.state, 1);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0]["outcome"], "blocked");
}

TEST(Http, HungHookAnsweredByPolicyBeforeTheAgentsTimeout) {
    HttpDaemon d;
    ASSERT_GT(d.port, 0) << slurp(d.log);
    auto start = Clock::now();
    auto r = d.post("/hook/hung", event("PreToolUse", "ls"));
    const auto took = Clock::now() - start;
    EXPECT_LT(took, std::chrono::milliseconds(2000)) << "the agent's timeout for this hook is 2000 ms";
    EXPECT_GE(took, std::chrono::milliseconds(1500));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json_body["hookSpecificOutput"]["permissionDecision"], "deny") << "fail-closed: " << r.body;
    auto records = records_in(d.state, 1);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0]["hook"], "hung");
    EXPECT_EQ(records[0]["outcome"], "internal_error");
    EXPECT_TRUE(hwtest::survivors("sleep 31.7", 3000).empty()) << "the hung hook was not stopped";
}

// The worker killed mid-run (as a hook that kills its parent could, where signals are
// not scoped): the front answers by the hook's policy at once (fail-closed: deny), the
// tree dies, and the run is recorded once, by the front, as lost with its worker.
TEST(Http, AWorkerKilledMidRunIsAnsweredByPolicyAndRecorded) {
    HttpDaemon d;
    ASSERT_GT(d.port, 0) << slurp(d.log);
    std::thread killer([] {
        for (int waited = 0; waited < 5000; waited += 10) {
            const auto hooks = hwtest::processes_with("sleep 33.3");
            if (!hooks.empty()) {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                std::istringstream stat(slurp("/proc/" + std::to_string(hooks[0]) + "/stat"));
                std::string field;
                for (int i = 0; i < 4 && stat >> field; ++i) {}
                const pid_t parent = std::atoi(field.c_str());
                if (parent > 1) ::kill(parent, SIGKILL);
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    });
    auto start = Clock::now();
    auto r = d.post("/hook/held", event("PreToolUse", "ls"));
    const auto took = Clock::now() - start;
    killer.join();
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json_body["hookSpecificOutput"]["permissionDecision"], "deny") << "fail-closed: " << r.body;
    EXPECT_LT(took, std::chrono::milliseconds(3000)) << "answered only at the agent's timeout";
    EXPECT_TRUE(hwtest::survivors("sleep 33.3", 3000).empty()) << "the hook's tree outlived its worker";
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a second record, were one made
    auto records = records_in(d.state, 1);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0]["hook"], "held");
    EXPECT_EQ(records[0]["outcome"], "internal_error");
    EXPECT_EQ(records[0]["answer"], "block");
    EXPECT_EQ(records[0]["served_by"], "serve");
    EXPECT_NE(records[0]["errors"].dump().find("http: the worker ended before the hook's answer"), std::string::npos)
        << records[0].dump();
    hwtest::kill_all_with("sleep 33.3");
}

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

// The front SIGKILLed (a crash, or any process of the user's): its keeper logs it and
// starts it again on the same port, and a request sent right after is answered, not
// refused (which Claude Code would read as an allow).
TEST(Http, AKilledFrontIsStartedAgainOnTheSamePort) {
    HttpDaemon d;
    ASSERT_GT(d.port, 0) << slurp(d.log);
    const std::string log = slurp(d.log);
    const auto at = log.find("(pid ", log.find("http: listening on"));
    ASSERT_NE(at, std::string::npos) << log;
    const pid_t front = std::atoi(log.c_str() + at + 5);
    ASSERT_GT(front, 1);
    ASSERT_EQ(::kill(front, SIGKILL), 0);
    auto r = d.post("/hook/guard", event("PreToolUse", "rm forbidden"));
    ASSERT_EQ(r.status, 200) << r.body << slurp(d.log);
    EXPECT_EQ(r.json_body["hookSpecificOutput"]["permissionDecision"], "deny") << r.body;
    const std::string after = slurp(d.log);
    EXPECT_NE(after.find("the front (pid " + std::to_string(front) + ") ended (signal 9); starting it again"),
              std::string::npos)
        << after;
    EXPECT_EQ(count_of(after, "http: listening on 127.0.0.1:" + std::to_string(d.port)), 2u) << after;
}

// A daemon told to stop takes its front with it, and the front is not started again.
TEST(Http, AStoppedDaemonsFrontIsNotStartedAgain) {
    HttpDaemon d;
    ASSERT_GT(d.port, 0) << slurp(d.log);
    ::kill(d.pid, SIGTERM);
    ::waitpid(d.pid, nullptr, 0);
    d.pid = -1;
    int fd = -1;
    for (int waited = 0; waited < 3000; waited += 20) {
        fd = connect_to(d.port);
        if (fd < 0) break;
        ::close(fd);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_LT(fd, 0) << "the port still accepts after the daemon stopped";
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    const std::string log = slurp(d.log);
    EXPECT_EQ(log.find("starting it again"), std::string::npos) << log;
    EXPECT_EQ(count_of(log, "http: listening on"), 1u) << log;
}

TEST(Http, NonLoopbackAddressIsRefused) {
    hwtest::Options o;
    o.with_record = false;
    auto r = hwtest::run({"serve", "--socket", hwtest::temp_dir() + "/s.sock", "--http", "0.0.0.0:0"}, o);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("not a loopback address"), std::string::npos) << r.err;
    auto idle = hwtest::run({"serve", "--socket", hwtest::temp_dir() + "/s.sock", "--http", "127.0.0.1:0",
                             "--idle-exit", "1s"}, o);
    EXPECT_EQ(idle.exit_code, 2);
    EXPECT_NE(idle.err.find("--idle-exit"), std::string::npos) << idle.err;
}

TEST(Http, InstallServeWritesHttpHooksAndUninstallRestoresTheBytes) {
    const std::string dir = hwtest::temp_dir(), state = dir + "/state";
    ::mkdir((dir + "/proj").c_str(), 0755);
    ::mkdir((dir + "/proj/.claude").c_str(), 0755);
    ::mkdir(state.c_str(), 0700);
    const std::string settings = dir + "/proj/.claude/settings.json";
    const std::string original = R"({
  "env": {"NO_PROXY": "corp.example"},
  "hooks": {
    "PreToolUse": [{"matcher": "Bash", "hooks": [
      {"type": "command", "command": "\"$CLAUDE_PROJECT_DIR\"/guard.sh", "timeout": 7, "onFailure": "block", "statusMessage": "guarding"}
    ]}],
    "PreCompact": [{"hooks": [{"type": "command", "command": "echo compact"}]}],
    "PostToolUse": [{"hooks": [{"type": "command", "command": "logger.sh", "async": true}]}]
  }
}
)";
    write_file(settings, original);
    hwtest::Options o;
    o.with_record = false;
    o.state_dir = state;
    o.cwd = dir + "/proj";
    auto r = hwtest::run({"install", "--agent", "claude", "--serve", "--http", "127.0.0.1:7999"}, o);
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    json doc = json::parse(slurp(settings));
    const json& handler = doc["hooks"]["PreToolUse"][0]["hooks"][0];
    EXPECT_EQ(handler["type"], "http");
    EXPECT_EQ(handler["url"], "http://127.0.0.1:7999/hook/guard");
    EXPECT_EQ(handler["headers"]["Authorization"], "Bearer $HOOKWARDEN_TOKEN");
    EXPECT_EQ(handler["allowedEnvVars"], json::array({"HOOKWARDEN_TOKEN"}));
    EXPECT_EQ(handler["timeout"], 7);
    EXPECT_EQ(handler["onFailure"], "block");
    EXPECT_EQ(handler["statusMessage"], "guarding");
    EXPECT_FALSE(handler.contains("command"));
    // No JSON block for PreCompact, nobody waits for an async hook: command hooks still.
    EXPECT_EQ(doc["hooks"]["PreCompact"][0]["hooks"][0]["type"], "command");
    EXPECT_EQ(doc["hooks"]["PostToolUse"][0]["hooks"][0]["type"], "command");
    std::string token = slurp(state + "/http-token");
    token.pop_back();
    EXPECT_EQ(doc["env"]["HOOKWARDEN_TOKEN"], token);
    EXPECT_EQ(doc["env"]["NO_PROXY"], "corp.example,127.0.0.1");
    json registry = json::parse(slurp(state + "/http-hooks.json"));
    const json& entry = registry["hooks"]["guard"];
    EXPECT_EQ(entry["timeout_ms"], 7000);
    EXPECT_EQ(entry["project_dir"], dir + "/proj");
    ASSERT_GE(entry["argv"].size(), 4u);
    EXPECT_EQ(entry["argv"][1], "run");
    EXPECT_EQ(entry["argv"].back(), "\"$CLAUDE_PROJECT_DIR\"/guard.sh");
    auto again = hwtest::run({"install", "--agent", "claude", "--serve"}, o);
    EXPECT_EQ(again.exit_code, 0);
    EXPECT_EQ(json::parse(slurp(settings)), doc) << "a second install changed the file";
    auto un = hwtest::run({"uninstall", "--agent", "claude"}, o);
    ASSERT_EQ(un.exit_code, 0) << un.err;
    EXPECT_EQ(slurp(settings), original);
    EXPECT_EQ(json::parse(slurp(state + "/http-hooks.json"))["hooks"], json::object());
    auto codex = hwtest::run({"install", "--agent", "codex", "--serve", "--settings", settings}, o);
    EXPECT_EQ(codex.exit_code, 2);
    EXPECT_NE(codex.err.find("only Claude Code has http hooks"), std::string::npos) << codex.err;
}
