// `hookwarden serve` and the hand-off of `run` to it (docs/serve.md): a real daemon,
// real clients through the real binary, real hooks.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <poll.h>
#include <sstream>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "support/harness.h"
#include "support/serve_daemon.h"

using nlohmann::json;

namespace {

const char* kEvent = R"({"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}})";

using hwtest::slurp_file;
using hwtest::wait_for_file;

// A daemon of the real binary on a socket of its own, with its log in a file.
struct Daemon {
    std::string dir = hwtest::temp_dir();
    std::string socket = dir + "/run/serve.sock";
    std::string log = dir + "/serve.log";
    std::string state = dir + "/state";
    pid_t pid = -1;

    explicit Daemon(std::vector<std::string> extra = {}) {
        ::mkdir((dir + "/run").c_str(), 0700);
        std::vector<std::string> argv{hwtest::binary(), "--log-level", "info", "--log-file", log, "serve",
                                      "--socket", socket};
        argv.insert(argv.end(), extra.begin(), extra.end());
        pid = ::fork();
        if (pid == 0) {
            std::vector<char*> c;
            for (auto& a : argv) c.push_back(a.data());
            c.push_back(nullptr);
            ::setenv("HOOKWARDEN_STATE_DIR", state.c_str(), 1);
            int null_fd = ::open("/dev/null", O_RDWR);
            for (int fd = 0; fd < 3; ++fd) ::dup2(null_fd, fd);
            ::execv(c[0], c.data());
            ::_exit(127);
        }
        wait_for_file(socket, 5000);
    }
    ~Daemon() { stop(SIGKILL); }
    bool alive() const { return pid > 0 && ::kill(pid, 0) == 0; }
    // The daemon's exit status (or -signal).
    int stop(int sig = SIGTERM) {
        if (pid <= 0) return 0;
        ::kill(pid, sig);
        int status = 0;
        ::waitpid(pid, &status, 0);
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    }
    hwtest::Options client(std::vector<std::string> env = {}) const {
        hwtest::Options o;
        o.stdin_data = kEvent;
        o.state_dir = state;
        o.env = {"HOOKWARDEN_SOCKET=" + socket};
        o.env.insert(o.env.end(), env.begin(), env.end());
        return o;
    }
};

// The runs in a state directory, as `report --format jsonl` gives them.
std::vector<json> records_in(const std::string& state) {
    hwtest::Options o;
    o.state_dir = state;
    o.with_record = false;
    auto r = hwtest::run({"report", "--format", "jsonl"}, o);
    std::vector<json> out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) out.push_back(json::parse(line, nullptr, false));
    return out;
}

// A served run whose worker was lost: exactly one record, committed by its client, that
// says so: internal_error, answered by the policy, no wall time (so not measured).
json expect_one_lost_record(const std::string& state, const std::string& hook, const std::string& answer,
                            const std::string& why) {
    const auto records = records_in(state);
    EXPECT_EQ(records.size(), 1u);
    if (records.size() != 1) return json();
    const json& record = records[0];
    EXPECT_EQ(record["hook"], hook);
    EXPECT_EQ(record["outcome"], "internal_error");
    EXPECT_EQ(record["answer"], answer);
    EXPECT_EQ(record["served_by"], "serve");
    EXPECT_EQ(record["wall_ms"], 0);
    EXPECT_GT(record["overhead_ms"].get<double>(), 0);
    EXPECT_NE(record["errors"].dump().find(why), std::string::npos) << record.dump();
    return record;
}

TEST(Serve, RunsThroughTheDaemonAndRecordsIt) {
    Daemon d;
    ASSERT_TRUE(d.alive());
    auto r = hwtest::run({"run", "--", "sh", "-c", "cat >/dev/null; echo out; echo err >&2; exit 2"}, d.client());
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.out, "out\n");
    EXPECT_EQ(r.err, "err\n");
    ASSERT_TRUE(r.record.is_object()) << r.err;
    EXPECT_EQ(r.record["served_by"], "serve");
    EXPECT_EQ(r.record["outcome"], "blocked");
}

// The hook sees the same environment, working directory, umask, fds and stdin whichever
// path runs it; what it writes reaches the agent byte for byte.
TEST(Serve, HandsOverFdsEnvironmentAndDirectoryByteForByte) {
    Daemon d;
    const std::string out_dir = hwtest::temp_dir();
    const std::string script =
        "cat > \"$OUT.stdin\"; env -0 | sort -z > \"$OUT.env\"; pwd > \"$OUT.cwd\"; umask > \"$OUT.umask\";"
        "ls /proc/self/fd > \"$OUT.fds\"; printf 'a\\001\\377b\\n'; printf 'e\\376\\n' >&2; exit 3";
    auto run_once = [&](const std::string& tag, const std::string& socket) {
        auto o = d.client({"OUT=" + out_dir + "/" + tag, std::string("HW_ODD=x\001\xff\t y")});
        o.env.front() = "HOOKWARDEN_SOCKET=" + socket;
        o.cwd = out_dir;
        return hwtest::run({"run", "--name", "probe", "--", "sh", "-c", script}, o);
    };
    auto served = run_once("served", d.socket);
    auto local = run_once("local", d.dir + "/run/none.sock");  // no daemon there: in-process
    ASSERT_TRUE(served.record.is_object() && local.record.is_object()) << served.err << local.err;
    EXPECT_EQ(served.record["served_by"], "serve");
    EXPECT_EQ(local.record["served_by"], "process");
    EXPECT_EQ(served.exit_code, 3);
    EXPECT_EQ(served.exit_code, local.exit_code);
    EXPECT_EQ(served.out, std::string("a\001\377b\n"));
    EXPECT_EQ(served.out, local.out);
    EXPECT_EQ(served.err, local.err);
    for (const char* what : {".stdin", ".cwd", ".umask", ".fds"})
        EXPECT_EQ(slurp_file(out_dir + "/served" + what), slurp_file(out_dir + "/local" + what)) << what;
    EXPECT_EQ(slurp_file(out_dir + "/served.stdin"), kEvent);
    // The environments differ in OUT and HOOKWARDEN_SOCKET, which the test set apart, and
    // in HOOKWARDEN_SUPERVISOR_PID, the pid of whichever process supervised the hook.
    auto env_of = [&](const std::string& tag) {
        std::string env = slurp_file(out_dir + "/" + tag + ".env");
        std::string kept;
        std::istringstream entries(env);
        for (std::string e; std::getline(entries, e, '\0');)
            if (e.rfind("OUT=", 0) != 0 && e.rfind("HOOKWARDEN_SOCKET=", 0) != 0 &&
                e.rfind("HOOKWARDEN_SUPERVISOR_PID=", 0) != 0)
                kept += e + '\0';
        return kept;
    };
    EXPECT_EQ(env_of("served"), env_of("local"));
    EXPECT_NE(env_of("served").find(std::string("HW_ODD=x\001\xff\t y")), std::string::npos);
}

TEST(Serve, WithoutADaemonRunsInProcess) {
    const std::string dir = hwtest::temp_dir();
    hwtest::Options o;
    o.stdin_data = kEvent;
    o.env = {"HOOKWARDEN_SOCKET=" + dir + "/absent.sock"};
    auto r = hwtest::run({"run", "--", "/bin/true"}, o);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    ASSERT_TRUE(r.record.is_object());
    EXPECT_EQ(r.record["served_by"], "process");
}

// The daemon SIGKILLed while a fail-closed hook runs: the client blocks at once (not
// after the hook's 20 s timeout), the hook's tree is gone, and the next run works.
TEST(Serve, DaemonKilledMidRunBlocksAndLeavesNoSurvivors) {
    Daemon d;
    const std::string token = hwtest::unique_token();
    const std::string started = d.dir + "/started";
    // Killed once the tree runs, not after a fixed time: on a loaded machine the client
    // may not have been served yet, and would then fall back and run the whole tree.
    std::thread killer([&] {
        wait_for_file(started, 5000);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        d.stop(SIGKILL);
    });
    auto o = d.client();
    o.with_record = false;
    // Every process of the tree carries the token in its command line (exec -a).
    const std::string tree = "(exec -a " + token + "-a sleep 30) & setsid bash -c 'exec -a " + token +
                             "-b sleep 31' & touch " + started + "; exec -a " + token + "-c sleep 32";
    auto r = hwtest::run({"run", "--name", "tree", "--on-failure", "block", "--timeout", "20000", "--", "bash", "-c", tree}, o);
    killer.join();
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("daemon"), std::string::npos) << r.err;
    EXPECT_LT(r.elapsed_ms, 5000);
    auto left = hwtest::survivors(token, 2000);
    EXPECT_TRUE(left.empty()) << left.size() << " processes of the hook survived";
    hwtest::kill_all_with(token);
    expect_one_lost_record(d.state, "tree", "block", "ended before the hook's answer");
    auto next = hwtest::run({"run", "--", "/bin/true"}, o);
    EXPECT_EQ(next.exit_code, 0) << next.err;
}

// The daemon SIGKILLed while its worker waits for the event (the agent has not closed
// stdin): the worker dies before the hook starts, and the event with it. The client
// answers by the policy it resolves itself (fail-closed: it blocks), at once, and
// records the run, so that reports see the degradation.
TEST(Serve, DaemonKilledBeforeTheHookStartedBlocksAndRecordsTheRun) {
    Daemon d;
    std::thread killer([&] {
        hwtest::wait_for_text(d.log, "serve: run to ", 5000);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        d.stop(SIGKILL);
    });
    auto o = d.client();
    o.with_record = false;
    o.hold_stdin_ms = 4000;
    const std::string started = d.dir + "/started";
    auto r = hwtest::run({"run", "--name", "guard", "--on-failure", "block", "--", "touch", started}, o);
    killer.join();
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_LT(r.elapsed_ms, 3500) << "answered only when the agent closed stdin";
    EXPECT_NE(::access(started.c_str(), F_OK), 0) << "the hook ran";
    const json record = expect_one_lost_record(d.state, "guard", "block", "ended before the hook started");
    EXPECT_EQ(record["command"], json::array({"touch", started}));
}

// A hook's parent is its worker, never the daemon. Signals are scoped where the kernel
// can (docs/sandbox.md), so the test itself kills the hook's parent, as a hook could on
// a kernel without Landlock scoping: the agent still gets the fail-closed answer, the
// tree dies, and the daemon serves the next run.
TEST(Serve, ItsWorkerKilledCannotStopTheDaemon) {
    Daemon d;
    const std::string token = hwtest::unique_token();
    const std::string parent_file = d.dir + "/parent";
    std::thread killer([&] {
        if (!wait_for_file(parent_file, 5000)) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        ::kill(std::atoi(slurp_file(parent_file).c_str()), SIGKILL);
    });
    auto o = d.client();
    o.with_record = false;
    auto r = hwtest::run({"run", "--name", "parent-killer", "--on-failure", "block", "--", "bash", "-c",
                          "echo $PPID > " + parent_file + "; exec -a " + token + " sleep 20"},
                         o);
    killer.join();
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_LT(r.elapsed_ms, 5000);
    EXPECT_TRUE(hwtest::survivors(token, 2000).empty());
    hwtest::kill_all_with(token);
    expect_one_lost_record(d.state, "parent-killer", "block", "ended before the hook's answer");
    EXPECT_TRUE(d.alive());
    auto next = hwtest::run({"run", "--", "/bin/true"}, d.client());
    EXPECT_EQ(next.exit_code, 0) << next.err;
    ASSERT_TRUE(next.record.is_object());
    EXPECT_EQ(next.record["served_by"], "serve");
}

// --- raw protocol peers: a fake daemon and a hand-made client ---------------------------

std::string u32(std::uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }
std::string str(const std::string& s) { return u32(static_cast<std::uint32_t>(s.size())) + s; }

int connect_to(const std::string& path) {
    int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// One message, or "" on EOF or after `ms` without one.
std::string receive(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return "";
    std::string buffer(300 * 1024, '\0');
    ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    return n > 0 ? buffer.substr(0, static_cast<std::size_t>(n)) : "";
}

// A hello as a client of another version would send it.
std::string send_hello(int fd, const std::string& version) {
    std::string msg = "H" + u32(1) + str(version) + std::string(8, '\0') + u32(022) + str("/") + u32(1) +
                      str("hookwarden") + u32(0);
    ::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL);
    return receive(fd, 2000);
}

TEST(Serve, TheDaemonRefusesAnotherVersionAndMalformedRequests) {
    Daemon d;
    int fd = connect_to(d.socket);
    ASSERT_GE(fd, 0);
    std::string answer = send_hello(fd, "0.0.0-other");
    ::close(fd);
    ASSERT_FALSE(answer.empty());
    EXPECT_EQ(answer[0], 'E');
    EXPECT_NE(answer.find("version mismatch"), std::string::npos) << answer;
    // Garbage, an empty message, an oversized one, and silence: each refused, none fatal.
    for (const std::string& junk : {std::string("Hxx"), std::string("Z"), std::string(250 * 1024, 'H')}) {
        int j = connect_to(d.socket);
        ASSERT_GE(j, 0);
        ::send(j, junk.data(), junk.size(), MSG_NOSIGNAL);
        std::string reply = receive(j, 2000);
        ::close(j);
        EXPECT_TRUE(reply.empty() || reply[0] == 'E') << reply.substr(0, 80);
    }
    int silent = connect_to(d.socket);
    std::string timed_out = receive(silent, 4000);
    ::close(silent);
    EXPECT_FALSE(timed_out.empty());
    EXPECT_EQ(timed_out.substr(0, 1), "E");
    EXPECT_TRUE(d.alive());
    auto next = hwtest::run({"run", "--", "/bin/true"}, d.client());
    ASSERT_TRUE(next.record.is_object()) << next.err;
    EXPECT_EQ(next.record["served_by"], "serve");
    d.stop();
    const std::string log = slurp_file(d.log);
    EXPECT_NE(log.find("refused a request: version mismatch"), std::string::npos) << log;
    EXPECT_NE(log.find("refused a request: malformed hello"), std::string::npos) << log;
    EXPECT_NE(log.find("no request within the time allowed"), std::string::npos) << log;
}

// The fds a message carried (SCM_RIGHTS), closed; -1 on EOF or after `ms` without one.
int receive_fd_count(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return -1;
    std::string buffer(300 * 1024, '\0');
    iovec iov{buffer.data(), buffer.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(8 * sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    if (::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC) <= 0) return -1;
    int count = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        const auto n = static_cast<int>((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < n; ++i) {
            int got = -1;
            std::memcpy(&got, CMSG_DATA(c) + static_cast<std::size_t>(i) * sizeof(int), sizeof got);
            ::close(got);
        }
        count += n;
    }
    return count;
}

// A daemon of another protocol answers the request with what is not "taken" (here the
// "ready" of protocol 2): the client withdraws its claim, runs the hook itself, and sends
// nothing more; the request carried its stdin and the claim only, never stdout.
TEST(Serve, TheClientFallsBackFromADaemonOfAnotherVersion) {
    const std::string dir = hwtest::temp_dir();
    const std::string path = dir + "/fake.sock";
    int listener = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(listener, 4), 0);
    int request_fds = -2, after_answer = -2;
    std::thread fake([&] {
        int c = ::accept(listener, nullptr, nullptr);
        request_fds = receive_fd_count(c, 5000);
        std::string ready = "R" + u32(2) + str("0.0.0-other");
        ::send(c, ready.data(), ready.size(), MSG_NOSIGNAL);
        after_answer = receive_fd_count(c, 5000);  // -1 = EOF: the client hung up
        ::close(c);
    });
    hwtest::Options o;
    o.stdin_data = kEvent;
    o.env = {"HOOKWARDEN_SOCKET=" + path, "HOOKWARDEN_SERVE_HANDSHAKE_MS=3000"};
    auto r = hwtest::run({"run", "--", "/bin/true"}, o);
    fake.join();
    ::close(listener);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    ASSERT_TRUE(r.record.is_object()) << r.err;
    EXPECT_EQ(r.record["served_by"], "process");
    EXPECT_EQ(request_fds, 2) << "stdin and the claim";
    EXPECT_EQ(after_answer, -1);
}

std::vector<pid_t> children_of(pid_t pid) {
    std::vector<pid_t> out;
    std::istringstream list(slurp_file("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children"));
    for (pid_t child; list >> child;) out.push_back(child);
    return out;
}

// The daemon and its ready workers (and its breaker keeper) stopped or resumed.
void signal_daemon_and_children(pid_t daemon, int sig) {
    for (pid_t child : children_of(daemon)) ::kill(child, sig);
    ::kill(daemon, sig);
}

// A wedged daemon (stopped, its ready workers too): the client falls back within its
// handshake bound, and the request it left queued (with its stdin: never its stdout,
// which the harness reads to end of file) is never run once the daemon is resumed: the
// client withdrew the claim.
// How many ready workers said they wait, waiting up to 10 s for `count` of them.
std::size_t wait_for_ready_workers(const Daemon& d, std::size_t count) {
    auto waiting = [&] {
        const std::string log = slurp_file(d.log);
        std::size_t n = 0;
        for (auto at = log.find("waiting"); at != std::string::npos; at = log.find("waiting", at + 1)) ++n;
        return n;
    };
    for (int waited = 0; waited < 10000 && waiting() < count; waited += 10)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return waiting();
}

// (Stopped once it is up. Ready workers are forked only after the breaker keeper's
// first open of the store, whose transaction, stopped, would hold the write lock that
// the in-process run's admission waits for; see docs/serve.md.)
TEST(Serve, AStoppedDaemonMakesClientsFallBackInTime) {
    Daemon d;
    ASSERT_EQ(wait_for_ready_workers(d, 2), 2u) << slurp_file(d.log);
    signal_daemon_and_children(d.pid, SIGSTOP);
    auto r = hwtest::run({"run", "--", "/bin/true"}, d.client());
    signal_daemon_and_children(d.pid, SIGCONT);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    ASSERT_TRUE(r.record.is_object());
    EXPECT_EQ(r.record["served_by"], "process");
    EXPECT_LT(r.elapsed_ms, 1000);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the resumed daemon's worker, if it ran
    EXPECT_EQ(records_in(d.state).size(), 1u);
    auto next = hwtest::run({"run", "--", "/bin/true"}, d.client());
    EXPECT_EQ(next.record["served_by"], "serve") << next.err;
}

// A ready worker accepts its client itself: with the daemon's own loop stopped, the
// ready pool still serves runs (the daemon learns of them when it resumes).
TEST(Serve, TheReadyPoolServesWhileTheDaemonsLoopIsStopped) {
    Daemon d;
    ASSERT_EQ(wait_for_ready_workers(d, 2), 2u) << slurp_file(d.log);
    ::kill(d.pid, SIGSTOP);
    auto r = hwtest::run({"run", "--", "sh", "-c", "cat >/dev/null; echo served"}, d.client());
    ::kill(d.pid, SIGCONT);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "served\n");
    EXPECT_EQ(r.record["served_by"], "serve") << r.err;
    EXPECT_LT(r.elapsed_ms, 1000);
    d.stop();
    EXPECT_NE(slurp_file(d.log).find("(accepted by it)"), std::string::npos) << slurp_file(d.log);
}

// A client of another uid reaches the socket (the test opens the directory for it): the
// daemon refuses it by SO_PEERCRED and it runs in-process.
TEST(Serve, AClientOfAnotherUidIsRefused) {
    if (!hwtest::is_root() || ::access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "needs root and setpriv";
    Daemon d;
    ::chmod((d.dir + "/run").c_str(), 0711);
    ::chmod(d.socket.c_str(), 0777);
    ::chmod(d.dir.c_str(), 0755);
    hwtest::Options o;
    o.stdin_data = kEvent;
    o.env = {"HOOKWARDEN_SOCKET=" + d.socket};
    o.prefix = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    auto r = hwtest::run({"run", "--backend", "none", "--", "/bin/true"}, o);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    ASSERT_TRUE(r.record.is_object()) << r.err;
    EXPECT_EQ(r.record["served_by"], "process");
    d.stop();
    EXPECT_NE(slurp_file(d.log).find("refused a request: uid 65534"), std::string::npos) << slurp_file(d.log);
}

// A hook runs as the daemon's uid and can reach its socket. A run it hands the daemon
// would start outside the hook's cgroups and timeout, so the daemon and its ready
// workers refuse any client inside a hookwarden run, even one that hides that it is
// nested (HOOKWARDEN_SUPERVISOR_PID removed, as a hostile hook would): the inner run
// then stays in-process, inside the outer run. (Its record is the hook's to lose: not
// knowing it is nested, the inner run's guardian dies with the outer hook's tree.)
void expect_hook_cannot_hand_runs_to_the_daemon(const std::vector<std::string>& daemon_flags) {
    Daemon d(daemon_flags);
    ASSERT_TRUE(d.alive());
    const std::string inner = "env -u HOOKWARDEN_SUPERVISOR_PID " + hwtest::binary() +
                              " run --name inner -- sh -c 'echo inner ran'";
    auto o = d.client({"HOOKWARDEN_NO_SERVE=1"});
    auto r = hwtest::run({"run", "--name", "outer", "--", "sh", "-c", "HOOKWARDEN_NO_SERVE= " + inner}, o);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_TRUE(r.record.is_object()) << r.err;
    if (r.record["backend"] == "none") GTEST_SKIP() << "no cgroup backend here: " << r.err;
    EXPECT_EQ(r.record["served_by"], "process");
    EXPECT_EQ(r.out, "inner ran\n");
    d.stop();
    for (const auto& rec : records_in(d.state)) EXPECT_EQ(rec.value("served_by", ""), "process") << rec.dump();
    EXPECT_NE(slurp_file(d.log).find("runs inside a hookwarden run (cgroup "), std::string::npos) << slurp_file(d.log);
    EXPECT_EQ(slurp_file(d.log).find("run to "), std::string::npos) << slurp_file(d.log);
}

TEST(Serve, AHookCannotHandARunToTheReadyPool) { expect_hook_cannot_hand_runs_to_the_daemon({}); }
TEST(Serve, AHookCannotHandARunToTheDaemon) { expect_hook_cannot_hand_runs_to_the_daemon({"--pool", "0"}); }

// The breaker keeper answers the daemon's workers only: a hook asking it (it may reach
// the socket, as its uid's) gets its connection closed unanswered, where the hook
// of a run without cgroups (backend none: nothing to recognise it by) gets the keeper's
// "decide it yourself" to a question it cannot read.
TEST(Serve, AHookCannotAskTheBreakerKeeper) {
    Daemon d;
    ASSERT_TRUE(d.alive());
    // Closed unanswered, the socket may also refuse the send or answer ECONNRESET.
    const std::string ask = "python3 -c \"import socket; s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)\n"
                            "s.settimeout(3); s.connect('" + d.socket + ".breakers')\n"
                            "try: s.send(b'not a question'); print(repr(s.recv(64)[:1]))\n"
                            "except (BrokenPipeError, ConnectionResetError): print(repr(b''))\"";
    auto control = hwtest::run({"run", "--backend", "none", "--", "sh", "-c", ask}, d.client({"HOOKWARDEN_NO_SERVE=1"}));
    ASSERT_EQ(control.exit_code, 0) << control.err;
    EXPECT_EQ(control.out, "b'n'\n") << "backend none: no run cgroup, so not recognised as a hook";
    auto r = hwtest::run({"run", "--", "sh", "-c", ask}, d.client({"HOOKWARDEN_NO_SERVE=1"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_TRUE(r.record.is_object()) << r.err;
    if (r.record["backend"] == "none") GTEST_SKIP() << "no cgroup backend here: " << r.err;
    EXPECT_EQ(r.out, "b''\n") << r.err;
    d.stop();
    EXPECT_NE(slurp_file(d.log).find("breaker keeper: refused a question"), std::string::npos) << slurp_file(d.log);
}

// 32 clients at once: each run answered, exactly one record each, all by the daemon.
TEST(Serve, ThirtyTwoConcurrentClientsGetOneRecordEach) {
    Daemon d;
    std::vector<std::thread> clients;
    std::vector<int> codes(32, -1);
    std::vector<std::string> errs(32);
    for (int i = 0; i < 32; ++i) {
        clients.emplace_back([&, i] {
            auto o = d.client({"HOOKWARDEN_SERVE_HANDSHAKE_MS=5000"});
            o.with_record = false;
            auto r = hwtest::run({"run", "--name", "c" + std::to_string(i), "--", "sh", "-c", "exit 0"}, o);
            codes[static_cast<std::size_t>(i)] = r.exit_code;
            errs[static_cast<std::size_t>(i)] = r.err;
        });
    }
    for (auto& t : clients) t.join();
    for (int i = 0; i < 32; ++i)
        EXPECT_EQ(codes[static_cast<std::size_t>(i)], 0) << i << ": " << errs[static_cast<std::size_t>(i)];
    for (int i = 0; i < 32; ++i) EXPECT_EQ(errs[static_cast<std::size_t>(i)], "") << i;
    d.stop();
    std::map<std::string, int> per_hook;
    int served = 0;
    std::string not_served;
    for (const auto& rec : records_in(d.state)) {
        ++per_hook[rec.value("hook", "")];
        served += rec.value("served_by", "") == "serve";
        if (rec.value("served_by", "") != "serve") not_served += rec.dump() + "\n";
    }
    EXPECT_EQ(per_hook.size(), 32u);
    for (const auto& [hook, count] : per_hook) EXPECT_EQ(count, 1) << hook;
    EXPECT_EQ(served, 32) << not_served << slurp_file(d.log);
}

TEST(Serve, IdleExitAndOneDaemonPerSocket) {
    Daemon d({"--idle-exit", "600ms"});
    ASSERT_TRUE(d.alive());
    hwtest::Options o;
    o.with_record = false;
    o.state_dir = d.state;
    auto second = hwtest::run({"serve", "--socket", d.socket}, o);
    EXPECT_EQ(second.exit_code, 2);
    EXPECT_NE(second.err.find("another hookwarden serve"), std::string::npos) << second.err;
    for (int i = 0; i < 300 && d.alive(); ++i) {
        int status = 0;
        if (::waitpid(d.pid, &status, WNOHANG) == d.pid) {
            EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
            d.pid = -1;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(d.pid, -1) << "still running after 3 s with --idle-exit 600ms";
    EXPECT_NE(::access(d.socket.c_str(), F_OK), 0) << "the socket is removed on exit";
}

TEST(Serve, RefusesASocketDirectoryOthersCanEnter) {
    const std::string dir = hwtest::temp_dir();
    ::mkdir((dir + "/open").c_str(), 0755);
    ::chmod((dir + "/open").c_str(), 0755);
    hwtest::Options o;
    o.with_record = false;
    auto r = hwtest::run({"serve", "--socket", dir + "/open/serve.sock"}, o);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("expected 0700"), std::string::npos) << r.err;
}

// The agent's SIGTERM to the client reaches the worker: the run ends as an in-process
// run told to stop (tree killed, answered by policy, recorded by the worker).
TEST(Serve, TheAgentsSignalToTheClientEndsTheServedRun) {
    Daemon d;
    const std::string token = hwtest::unique_token();
    auto o = d.client();
    o.kill_after_ms = 600;
    o.kill_signal = SIGTERM;
    auto r = hwtest::run({"run", "--on-failure", "block", "--timeout", "20000", "--", "bash", "-c",
                          "exec -a " + token + " sleep 20"},
                         o);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_LT(r.elapsed_ms, 5000);
    ASSERT_TRUE(r.record.is_object()) << r.err;
    EXPECT_EQ(r.record["served_by"], "serve");
    EXPECT_EQ(r.record["outcome"], "internal_error");
    EXPECT_TRUE(hwtest::survivors(token, 2000).empty());
    hwtest::kill_all_with(token);
}

// The client SIGKILLed (the agent gave up on it): the daemon sees the connection close
// and stops the worker, whose tree dies; the daemon serves on.
TEST(Serve, AKilledClientsRunIsStopped) {
    Daemon d;
    const std::string token = hwtest::unique_token();
    auto o = d.client();
    o.with_record = false;
    o.kill_after_ms = 600;
    auto r = hwtest::run({"run", "--timeout", "20000", "--", "bash", "-c", "exec -a " + token + " sleep 20"}, o);
    EXPECT_EQ(r.signal, SIGKILL);
    EXPECT_TRUE(hwtest::survivors(token, 3000).empty());
    hwtest::kill_all_with(token);
    EXPECT_TRUE(d.alive());
}

// `doctor` says whether the daemon runs, on which socket, and how to enable it.
TEST(Serve, DoctorSaysWhetherTheDaemonRuns) {
    Daemon d;
    hwtest::Options o = d.client();
    o.with_record = false;
    auto running = hwtest::run({"doctor"}, o);
    EXPECT_NE(running.out.find("running on " + d.socket + ", pid " + std::to_string(d.pid)), std::string::npos)
        << running.out;
    EXPECT_NE(running.out.find("its cgroup: "), std::string::npos) << running.out;
    d.stop();
    auto stopped = hwtest::run({"doctor"}, o);
    EXPECT_NE(stopped.out.find("not running on " + d.socket), std::string::npos) << stopped.out;
    EXPECT_NE(stopped.out.find("systemctl --user enable --now hookwarden.socket"), std::string::npos) << stopped.out;
}

}  // namespace

// --- the ready pool (docs/serve.md "The ready pool") -------------------------------------

namespace {

// A ready worker's placed child: its child in the worker's ready memory leaf
// (.../hookwarden/hw-<worker>/hook), or -1. Not just any child: the guardian's first fork
// is the worker's child for a moment too.
pid_t placed_child(pid_t worker) {
    const std::string leaf = "/hookwarden/hw-" + std::to_string(worker) + "/hook";
    for (pid_t child : children_of(worker)) {
        std::istringstream cgroups(slurp_file("/proc/" + std::to_string(child) + "/cgroup"));
        for (std::string line; std::getline(cgroups, line);)
            if (line.find(":memory:") != std::string::npos && line.ends_with(leaf)) return child;
    }
    return -1;
}

// The daemon's ready workers, once `count` of them are ready: on cgroup v1 a worker is
// ready when its placed child is there.
std::vector<pid_t> ready_workers(pid_t daemon, std::size_t count) {
    for (int waited = 0; waited < 5000; waited += 10) {
        std::vector<pid_t> ready;
        for (pid_t worker : children_of(daemon))
            if (placed_child(worker) > 0) ready.push_back(worker);
        if (ready.size() >= count) return ready;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return {};
}

// Where this process's v1 `controller` cgroup keeps run cgroups (as escape_test.cpp).
std::string run_parent(const std::string& controller) {
    std::ifstream self("/proc/self/cgroup");
    std::string line, path = "/";
    const std::string key = ":" + controller + ":";
    while (std::getline(self, line))
        if (line.find(key) != std::string::npos) path = line.substr(line.find(key) + key.size());
    return "/sys/fs/cgroup/" + controller + (path == "/" ? std::string() : path) + "/hookwarden";
}

std::vector<std::string> ready_cgroups(const std::vector<pid_t>& workers) {
    std::vector<std::string> dirs;
    for (pid_t worker : workers)
        for (const char* controller : {"memory", "pids"})
            dirs.push_back(run_parent(controller) + "/hw-" + std::to_string(worker));
    return dirs;
}

// Alive and not a zombie (a worker whose daemon is gone may wait to be reaped by init).
bool running(pid_t pid) {
    const std::string stat = slurp_file("/proc/" + std::to_string(pid) + "/stat");
    const auto close = stat.rfind(')');
    return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

bool needs_v1_root() { return !hwtest::is_root() || !hwtest::cgroup_v1_available(); }

}  // namespace

// With the pool (on by default), the hook's process was there before the client came:
// the ready worker's placed child, already in its cgroups, became the hook (no fork, no
// migration on the run's path); its parent is that ready worker. Each run finds the pool
// refilled. With --pool 0 the hook is a process forked for the run.
TEST(ServePool, AServedRunIsTheReadyWorkersPlacedChild) {
    if (needs_v1_root()) GTEST_SKIP() << "needs root and cgroup-v1 (a placed child exists on v1 only)";
    Daemon d;
    for (int run = 0; run < 3; ++run) {
        const auto workers = ready_workers(d.pid, 2);
        ASSERT_EQ(workers.size(), 2u) << "run " << run;
        std::vector<pid_t> placed;
        for (pid_t w : workers) placed.push_back(placed_child(w));
        auto r = hwtest::run({"run", "--", "sh", "-c", "echo $$ $PPID; grep :memory: /proc/self/cgroup"}, d.client());
        ASSERT_EQ(r.exit_code, 0) << r.err;
        std::istringstream ids(r.out);
        pid_t self = 0, parent = 0;
        std::string memory_cgroup;
        ids >> self >> parent >> memory_cgroup;
        // Its cgroup namespace was made after it joined the leaf: the leaf is its root, and
        // the limits one level up are out of its sight (docs/security.md).
        EXPECT_EQ(memory_cgroup.substr(memory_cgroup.rfind(':')), ":/") << r.out;
        EXPECT_EQ(r.record["confinement"]["cgroupfs"], "read-only");
        EXPECT_EQ(r.record["confinement"]["dev_shm"], "private");
        EXPECT_EQ(r.record["confinement"]["cap_sys_admin"], "dropped");
        EXPECT_NE(std::find(placed.begin(), placed.end(), self), placed.end()) << "hook pid " << self;
        EXPECT_NE(std::find(workers.begin(), workers.end(), parent), workers.end()) << "hook parent " << parent;
        EXPECT_EQ(r.record["served_by"], "serve");
        EXPECT_EQ(r.record["backend"], "cgroup-v1");
        EXPECT_NE(slurp_file(d.log).find("run to ready worker " + std::to_string(parent)), std::string::npos);
    }
    Daemon no_pool({"--pool", "0"});
    // Its only child is the breaker keeper (serve/breakers.h), which has none: no ready worker.
    for (pid_t child : children_of(no_pool.pid)) EXPECT_TRUE(children_of(child).empty()) << "child " << child;
    auto r = hwtest::run({"run", "--", "sh", "-c", "echo $PPID"}, no_pool.client());
    EXPECT_EQ(r.record["served_by"], "serve");
    EXPECT_EQ(slurp_file(no_pool.log).find("run to ready worker"), std::string::npos);
}

// The ready cgroups were made with placeholder limits; the run's own are written before
// the hook starts: a memory hog is OOM-killed at its limit, forks stop at its pids limit,
// and the peak is the hook's own.
TEST(ServePool, TheRunsOwnLimitsHoldInTheReadyCgroups) {
    if (needs_v1_root()) GTEST_SKIP() << "needs root and cgroup-v1";
    Daemon d;
    const std::string token = hwtest::unique_token();
    ASSERT_EQ(ready_workers(d.pid, 2).size(), 2u);
    auto hog = hwtest::run({"run", "--memory", "40", "--timeout", "20000", "--", hwtest::helper("hw_alloc"), "150"},
                           d.client());
    ASSERT_TRUE(hog.record.is_object()) << hog.err;
    EXPECT_EQ(hog.record["served_by"], "serve");
    EXPECT_EQ(hog.record["outcome"], "oom") << hog.record.dump();
    EXPECT_LE(hog.record["peak_memory_bytes"].get<std::int64_t>(), 42LL * 1024 * 1024);
    ASSERT_EQ(ready_workers(d.pid, 2).size(), 2u);
    auto forks = hwtest::run({"run", "--pids", "16", "--", hwtest::helper("hw_forkbomb"), token, "100"}, d.client());
    EXPECT_EQ(forks.record["outcome"], "ok") << forks.err;
    EXPECT_LT(std::atol(forks.out.c_str()), 16) << forks.out;
    EXPECT_TRUE(hwtest::survivors(token).empty());
    hwtest::kill_all_with(token);
    ASSERT_EQ(ready_workers(d.pid, 2).size(), 2u);
    auto fits = hwtest::run({"run", "--memory", "200", "--", hwtest::helper("hw_alloc"), "30"}, d.client());
    EXPECT_EQ(fits.record["outcome"], "ok") << fits.err;
    const auto peak = fits.record["peak_memory_bytes"].get<std::int64_t>();
    EXPECT_GE(peak, 30LL * 1024 * 1024);
    EXPECT_LE(peak, 60LL * 1024 * 1024);
    const std::string log = slurp_file(d.log);
    std::size_t handed = 0;
    for (auto at = log.find("run to ready worker"); at != std::string::npos; at = log.find("run to ready worker", at + 1))
        ++handed;
    EXPECT_EQ(handed, 3u) << log;
}

namespace {

// Where this process's cgroup is in the v1 hierarchy mounted at /sys/fs/cgroup/`mount`,
// whose controllers (the /proc/self/cgroup field) include `controller`.
std::string v1_run_parent(const std::string& mount, const std::string& controller) {
    std::ifstream self("/proc/self/cgroup");
    for (std::string line; std::getline(self, line);) {
        const auto first = line.find(':'), second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) continue;
        std::istringstream controllers(line.substr(first + 1, second - first - 1));
        for (std::string name; std::getline(controllers, name, ',');)
            if (name == controller) {
                const std::string path = line.substr(second + 1);
                return "/sys/fs/cgroup/" + mount + (path == "/" ? std::string() : path) + "/hookwarden";
            }
    }
    return "";
}

}  // namespace

// The ready sandbox was made with the built-in limits, and a run writes only the values
// that differ: whatever the run asks (all of them other, one other, lower, the built-in
// ones), the limit files of its run cgroups hold exactly its limits while it runs. The
// hook reads them itself, through the host's (read-only) cgroupfs, one level above its leaf.
TEST(ServePool, TheLimitFilesHoldTheRunsOwnValuesWhateverTheReadyOnesWere) {
    if (needs_v1_root()) GTEST_SKIP() << "needs root and cgroup-v1";
    const std::string memory = v1_run_parent("memory", "memory"), pids = v1_run_parent("pids", "pids");
    const std::string cpu = ::access("/sys/fs/cgroup/cpu", F_OK) == 0 ? v1_run_parent("cpu", "cpu") : "";
    const bool swap = ::access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0;
    struct Case {
        std::vector<std::string> flags;
        std::int64_t memory_mb, pids, cpu_percent;
    };
    const std::vector<Case> cases{{{"--memory", "77", "--pids", "23", "--cpu", "50"}, 77, 23, 50},
                                  {{}, 50, 64, 100},
                                  {{"--pids", "9"}, 50, 9, 100},
                                  {{"--memory", "30"}, 30, 64, 100},
                                  {{"--memory", "300", "--cpu", "250"}, 300, 64, 250}};
    Daemon d;
    std::string script = "d=hw-$PPID; cat " + memory + "/$d/memory.limit_in_bytes " + pids + "/$d/pids.max";
    if (swap) script += " " + memory + "/$d/memory.memsw.limit_in_bytes";
    if (!cpu.empty()) script += " " + cpu + "/$d/cpu.cfs_quota_us";
    for (const auto& c : cases) {
        ASSERT_EQ(ready_workers(d.pid, 2).size(), 2u);
        std::vector<std::string> argv{"run"};
        argv.insert(argv.end(), c.flags.begin(), c.flags.end());
        argv.insert(argv.end(), {"--", "sh", "-c", script});
        auto r = hwtest::run(argv, d.client());
        ASSERT_EQ(r.exit_code, 0) << r.err;
        EXPECT_EQ(r.record["served_by"], "serve");
        std::istringstream values(r.out);
        std::int64_t limit = 0, pids_max = 0, memsw = 0, quota = 0;
        values >> limit >> pids_max;
        EXPECT_EQ(limit, c.memory_mb * 1024 * 1024) << r.out;
        EXPECT_EQ(pids_max, c.pids) << r.out;
        if (swap) {
            EXPECT_TRUE(values >> memsw && memsw == c.memory_mb * 1024 * 1024) << r.out;
        }
        if (!cpu.empty()) {
            EXPECT_TRUE(values >> quota && quota == c.cpu_percent * 1000) << r.out;
        }
    }
    const std::string log = slurp_file(d.log);
    std::size_t handed = 0;
    for (auto at = log.find("run to ready worker"); at != std::string::npos; at = log.find("run to ready worker", at + 1))
        ++handed;
    EXPECT_EQ(handed, cases.size()) << log;
    EXPECT_EQ(log.find("does not fit"), std::string::npos) << log;
}

// The root hook's mount namespace was made by the placed child before the run came. Its
// working directory, handed over as an fd of the worker's namespace, is entered again in
// the hook's own: from a directory of the host's cgroupfs, a relative mkdir meets the
// read-only mount (on the host's mount it would make a cgroup). The hook's namespace is
// its own, not the worker's (which is this test's).
TEST(ServePool, AMountNamespaceMadeAheadHoldsTheWorkingDirectoryToo) {
    if (needs_v1_root()) GTEST_SKIP() << "needs root and cgroup-v1";
    Daemon d;
    const std::string name = "hw-ahead-" + std::to_string(::getpid());
    const std::string parent = v1_run_parent("pids", "pids");
    ASSERT_EQ(ready_workers(d.pid, 2).size(), 2u);
    hwtest::Options o = d.client();
    o.cwd = parent;
    auto r = hwtest::run({"run", "--", "sh", "-c",
                          "pwd; mkdir " + name + " 2>&1; echo made=$?; readlink /proc/self/ns/mnt"},
                         o);
    ::rmdir((parent + "/" + name).c_str());
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_EQ(r.record["served_by"], "serve");
    EXPECT_EQ(r.record["confinement"]["cgroupfs"], "read-only");
    std::istringstream lines(r.out);
    std::string cwd, error, made, own_ns;
    std::getline(lines, cwd);
    std::getline(lines, error);
    std::getline(lines, made);
    std::getline(lines, own_ns);
    char host_ns[64] = {};
    ASSERT_GT(::readlink("/proc/self/ns/mnt", host_ns, sizeof host_ns - 1), 0);  // the daemon's, and its workers'

    EXPECT_EQ(cwd, parent);
    EXPECT_NE(error.find("Read-only file system"), std::string::npos) << r.out;
    EXPECT_EQ(made, "made=1") << r.out;
    EXPECT_NE(own_ns, host_ns) << r.out;
    EXPECT_NE(own_ns.find("mnt:["), std::string::npos) << r.out;
}

// Mounts made on the host after the placed child made its namespace: the run's mount
// table is another read, so the hook does not get the namespace made ahead but one made
// for it at the run, as without the pool. It sees a filesystem mounted meanwhile (this
// host's / need not propagate mounts into a namespace made earlier), and a cgroup
// filesystem mounted meanwhile is read-only in there too.
TEST(ServePool, MountsMadeAfterThePlacementAreTheHooksToo) {
    if (needs_v1_root()) GTEST_SKIP() << "needs root and cgroup-v1";
    Daemon d;
    ASSERT_EQ(ready_workers(d.pid, 2).size(), 2u);
    char late[] = "/tmp/hw-late-tmpfs-XXXXXX";
    ASSERT_NE(::mkdtemp(late), nullptr);
    ASSERT_EQ(::mount("none", late, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k"), 0) << std::strerror(errno);
    auto seen = hwtest::run({"run", "--", "sh", "-c", std::string("stat -f -c %T ") + late}, d.client());
    ::umount(late);
    ::rmdir(late);
    EXPECT_EQ(seen.out, "tmpfs\n") << seen.err;
    EXPECT_EQ(seen.record["served_by"], "serve");

    ASSERT_EQ(ready_workers(d.pid, 2).size(), 2u);
    char dir[] = "/tmp/hw-late-cgroup-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    ASSERT_EQ(::mount("none", dir, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr), 0) << std::strerror(errno);
    const std::string probe = std::string(dir) + "/hw-late-" + std::to_string(::getpid());
    auto r = hwtest::run({"run", "--", "sh", "-c", "mkdir " + probe + " 2>&1; echo made=$?"}, d.client());
    ::rmdir(probe.c_str());
    ::umount(dir);
    ::rmdir(dir);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.record["served_by"], "serve");
    EXPECT_EQ(r.record["confinement"]["cgroupfs"], "read-only");
    EXPECT_NE(r.out.find("Read-only file system"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("made=1"), std::string::npos) << r.out;
    const std::string log = slurp_file(d.log);
    EXPECT_NE(log.find("run to ready worker"), std::string::npos);
    EXPECT_EQ(log.find("does not fit"), std::string::npos) << log;
}

// Idle ready workers hold cgroups; a daemon that goes, however it goes, leaves none.
TEST(ServePool, ADaemonGoneLeavesNoReadyCgroups) {
    if (needs_v1_root()) GTEST_SKIP() << "needs root and cgroup-v1";
    for (int sig : {SIGKILL, SIGTERM, 0}) {
        Daemon d(sig == 0 ? std::vector<std::string>{"--pool", "3", "--idle-exit", "1500ms"}
                          : std::vector<std::string>{"--pool", "3"});
        const auto workers = ready_workers(d.pid, 3);
        ASSERT_EQ(workers.size(), 3u) << "signal " << sig;
        const auto dirs = ready_cgroups(workers);
        for (const auto& dir : dirs) EXPECT_EQ(::access(dir.c_str(), F_OK), 0) << dir;
        if (sig != 0) {
            d.stop(sig);
        } else {
            int status = 0;
            for (int i = 0; i < 500 && ::waitpid(d.pid, &status, WNOHANG) != d.pid; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            d.pid = -1;
        }
        std::vector<std::string> left = dirs;
        for (int waited = 0; waited < 3000 && !left.empty(); waited += 20) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            left.erase(std::remove_if(left.begin(), left.end(), [](const std::string& dir) {
                           return ::access(dir.c_str(), F_OK) != 0;
                       }), left.end());
        }
        EXPECT_TRUE(left.empty()) << left.size() << " ready cgroups left after signal " << sig << ", e.g. "
                                  << (left.empty() ? "" : left.front());
        for (pid_t w : workers) EXPECT_FALSE(running(w)) << "ready worker " << w << " survived";
    }
}

// A run the ready sandbox does not fit makes its own, as without a pool: backend none
// (the ready worker's placed child must be gone, or the none backend, which waits for
// its children, would wait for it), and an explicit backend equal to the ready one fits.
TEST(ServePool, ARunThatDoesNotFitTheReadySandboxMakesItsOwn) {
    if (needs_v1_root()) GTEST_SKIP() << "needs root and cgroup-v1";
    Daemon d;
    ASSERT_EQ(ready_workers(d.pid, 2).size(), 2u);
    auto none = hwtest::run({"run", "--backend", "none", "--", "sh", "-c", "cat >/dev/null; echo ok"}, d.client());
    EXPECT_EQ(none.exit_code, 0) << none.err;
    EXPECT_EQ(none.out, "ok\n");
    EXPECT_EQ(none.record["served_by"], "serve");
    EXPECT_EQ(none.record["backend"], "none");
    EXPECT_LT(none.elapsed_ms, 3000);
    const auto workers = ready_workers(d.pid, 2);
    ASSERT_EQ(workers.size(), 2u);
    auto v1 = hwtest::run({"run", "--backend", "cgroup-v1", "--", "sh", "-c", "echo $PPID"}, d.client());
    EXPECT_EQ(v1.record["backend"], "cgroup-v1") << v1.err;
    EXPECT_NE(std::find(workers.begin(), workers.end(), std::atoi(v1.out.c_str())), workers.end()) << v1.out;
}

// A PID namespace is made only by cloning the hook: a served run that asks for one does
// not take the placed child (which exists already) but clones its own, as pid 1.
TEST(ServePool, APidNamespaceRunClonesItsOwnHook) {
    if (needs_v1_root()) GTEST_SKIP() << "needs root and cgroup-v1";
    Daemon d;
    ASSERT_EQ(ready_workers(d.pid, 2).size(), 2u);
    const std::string policy = d.dir + "/pidns.json";
    std::ofstream(policy) << R"({"version":1,"defaults":{"sandbox":{"pid_namespace":true}}})";
    auto r = hwtest::run({"run", "--policy", policy, "--", "sh", "-c", "cat >/dev/null; echo $$; ls /proc | grep -c '^[0-9]'"},
                         d.client());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.record["served_by"], "serve");
    EXPECT_EQ(r.record["confinement"]["pid_namespace"], "private") << r.record["confinement"].dump();
    std::istringstream lines(r.out);
    std::string pid, count;
    std::getline(lines, pid);
    std::getline(lines, count);
    EXPECT_EQ(pid, "1") << r.out;
    EXPECT_LE(std::atoi(count.c_str()), 3) << r.out;  // sh, ls, grep: nothing of the host
}

// The ready worker's guardian was started before the run was known; it commits the
// record (handed over with its commit: breaker, retention, alerts) after the answer.
TEST(ServePool, TheReadyGuardianCommitsTheRecord) {
    if (needs_v1_root()) GTEST_SKIP() << "needs root and cgroup-v1";
    Daemon d;
    const auto workers = ready_workers(d.pid, 2);
    ASSERT_EQ(workers.size(), 2u);
    auto o = d.client();
    o.with_record = false;  // committed by the guardian, not by the worker before answering
    auto r = hwtest::run({"run", "--name", "pooled", "--", "sh", "-c", "cat >/dev/null; echo $PPID"}, o);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(std::find(workers.begin(), workers.end(), std::atoi(r.out.c_str())), workers.end()) << r.out;
    const auto records = records_in(d.state);
    ASSERT_EQ(records.size(), 1u) << slurp_file(d.state + "/guardian.log");
    EXPECT_EQ(records[0].value("hook", ""), "pooled");
    EXPECT_EQ(records[0].value("served_by", ""), "serve");
    EXPECT_EQ(records[0].value("backend", ""), "cgroup-v1");
    EXPECT_EQ(records[0].value("outcome", ""), "ok");
}

// A signal that reached an idle ready worker or its placed child (a terminal's signal to
// the daemon's process group) waited, blocked; it must not reach the run they later serve.
TEST(ServePool, ASignalWhileIdleDoesNotReachTheNextRun) {
    if (needs_v1_root()) GTEST_SKIP() << "needs root and cgroup-v1";
    Daemon d;
    const auto workers = ready_workers(d.pid, 2);
    ASSERT_EQ(workers.size(), 2u);
    for (pid_t worker : workers) {
        const pid_t placed = placed_child(worker);
        ASSERT_GT(placed, 0);  // never kill(-1, ...)
        for (int sig : {SIGTERM, SIGHUP}) {  // SIGINT may be ignored where the daemon was started
            ::kill(worker, sig);
            ::kill(placed, sig);
        }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto r = hwtest::run({"run", "--", "sh", "-c", "cat >/dev/null; echo $PPID"}, d.client());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.record["outcome"], "ok") << r.record.dump();
    EXPECT_NE(std::find(workers.begin(), workers.end(), std::atoi(r.out.c_str())), workers.end()) << r.out;
}
