// hookwarden's benchmark suite: one program, one run, everything side by side.
//
//   hwbench [--rounds N] [--json FILE] [--hookwarden PATH] [--source DIR] [--quick] [--daemon] [--rss-runs N]
//
// Every comparison is interleaved (bare, timeout, cgexec, hookwarden per backend, ...
// round after round), so drift of a shared machine hits all of them alike; results are
// p50/p95/p99 and the ratio of p50 to the bare command's p50 measured in the same run.
// Prints a Markdown table and writes the same figures as JSON.
#include <csignal>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hookwarden/percentile.h"
#include "hookwarden/run_record.h"
#include "store/handoff.h"
#include "store/store.h"

// The nearest-rank percentile the reports quote, so bench and report figures compare.
using hookwarden::percentile;

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Options {
    int rounds = 200;
    std::string json_path = "hwbench.json";
    std::string hookwarden;
    std::string source = ".";
    bool quick = false;
    bool daemon_only = false;  // --daemon: only section 5 (the resident supervisor)
    int many_runs = 0;         // --rss-runs N: runs before the daemon's VmHWM is read (0: 10000, 500 quick)
};

struct Exec {
    double ms = 0;
    long maxrss_kb = 0;
    int status = 0;
};

// fork + execvp + wait4, stdin from a file (or /dev/null), stdout/stderr to /dev/null.
Exec exec_once(const std::vector<std::string>& argv, const std::string& stdin_file, const std::vector<std::string>& env = {}) {
    std::vector<char*> cargv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    auto start = Clock::now();
    pid_t pid = ::fork();
    if (pid == 0) {
        int in = ::open(stdin_file.empty() ? "/dev/null" : stdin_file.c_str(), O_RDONLY);
        int null_fd = ::open("/dev/null", O_WRONLY);
        ::dup2(in, 0);
        ::dup2(null_fd, 1);
        ::dup2(null_fd, 2);
        for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
        ::execvp(cargv[0], cargv.data());
        ::_exit(127);
    }
    Exec result;
    struct rusage usage {};
    ::wait4(pid, &result.status, 0, &usage);
    result.ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    result.maxrss_kb = usage.ru_maxrss;
    return result;
}

struct Series {
    Series(std::string n, std::vector<std::string> a, std::string in)
        : name(std::move(n)), argv(std::move(a)), stdin_file(std::move(in)) {}
    std::string name;
    std::vector<std::string> argv;
    std::string stdin_file;
    std::vector<std::string> env;  // KEY=VALUE added for this series only
    std::vector<double> ms;
    bool ok = true;
};

json summarize(const Series& s, double bare_p50) {
    double p50 = percentile(s.ms, 50);
    return {{"name", s.name},
            {"p50_ms", p50},
            {"p95_ms", percentile(s.ms, 95)},
            {"p99_ms", percentile(s.ms, 99)},
            {"ratio_to_bare_p50", bare_p50 > 0 ? p50 / bare_p50 : 0},
            {"overhead_p50_ms", p50 - bare_p50},
            {"samples", s.ms.size()},
            {"all_exited_as_expected", s.ok}};
}

std::string fmt(double v, int digits = 2) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", digits, v);
    return buffer;
}

bool have(const std::string& program) {
    return std::system(("command -v " + program + " >/dev/null 2>&1").c_str()) == 0;
}

// Interleaved latency comparison of several commands against the first (bare). With
// `gap_ms`, every command starts that long after the previous one ended, as hooks do
// when an agent calls them: caches cool down, and work a run defers has finished.
json compare(const std::string& title, std::vector<Series> series, int rounds, std::ostream& md, int gap_ms = 0) {
    for (int warm = 0; warm < 5; ++warm)
        for (auto& s : series) exec_once(s.argv, s.stdin_file, s.env);
    for (int r = 0; r < rounds; ++r)
        for (auto& s : series) {
            if (gap_ms > 0) ::usleep(static_cast<useconds_t>(gap_ms) * 1000);
            Exec e = exec_once(s.argv, s.stdin_file, s.env);
            s.ms.push_back(e.ms);
            if (!WIFEXITED(e.status)) s.ok = false;
        }
    double bare = percentile(series.front().ms, 50);
    json rows = json::array();
    md << "\n### " << title << "\n\n| command | p50 ms | p95 ms | p99 ms | p50 / bare | p50 over bare ms |\n|---|---|---|---|---|---|\n";
    for (const auto& s : series) {
        json row = summarize(s, bare);
        rows.push_back(row);
        md << "| " << s.name << " | " << fmt(row["p50_ms"]) << " | " << fmt(row["p95_ms"]) << " | " << fmt(row["p99_ms"])
           << " | " << fmt(row["ratio_to_bare_p50"]) << "x | " << fmt(row["overhead_p50_ms"]) << " |\n";
    }
    return rows;
}

std::string temp_dir() {
    std::string templ = "/tmp/hwbench-XXXXXX";
    return ::mkdtemp(templ.data());
}

// Until no pending marker is left (store/handoff.h): every guardian has committed. Not
// store::wait_pending, which takes a marker for forged unless the waiter runs the
// guardian's program (hookwarden, not hwbench) and removes it.
void wait_no_markers(const std::string& state_dir) {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    const std::string dir = state_dir + "/" + hookwarden::store::kPendingDir;
    for (;;) {
        bool any = false;
        if (DIR* d = ::opendir(dir.c_str())) {
            while (const dirent* e = ::readdir(d)) any = any || e->d_name[0] != '.';
            ::closedir(d);
        }
        if (!any || Clock::now() >= deadline) return;
        ::usleep(1000);
    }
}

// The records `hookwarden report` finds in `state_dir` (it waits for pending commits).
std::size_t records_stored(const std::string& hw, const std::string& state_dir) {
    const std::string command = "HOOKWARDEN_STATE_DIR='" + state_dir + "' '" + hw + "' report --format jsonl";
    std::size_t lines = 0;
    if (FILE* p = ::popen(command.c_str(), "r")) {
        for (int c; (c = std::fgetc(p)) != EOF;) lines += c == '\n';
        ::pclose(p);
    }
    return lines;
}

// The p50 of the overhead_ms the runs recorded in `state_dir`: what hookwarden says it
// cost, to set beside what the bench measured from outside (the "over bare" column).
double recorded_overhead_p50(const std::string& hw, const std::string& state_dir) {
    wait_no_markers(state_dir);
    const std::string command = "HOOKWARDEN_STATE_DIR='" + state_dir + "' '" + hw + "' report --format jsonl";
    std::vector<double> values;
    if (FILE* p = ::popen(command.c_str(), "r")) {
        std::string line;
        for (int c; (c = std::fgetc(p)) != EOF;) {
            if (c != '\n') {
                line += static_cast<char>(c);
                continue;
            }
            auto record = json::parse(line, nullptr, false);
            if (record.is_object() && record.contains("overhead_ms")) values.push_back(record["overhead_ms"].get<double>());
            line.clear();
        }
        ::pclose(p);
    }
    return values.empty() ? -1 : percentile(values, 50);
}

// Throughput: C clients each running `per_client` commands back to back. With a
// `state_dir`, the clock stops only once every record is committed (the guardians
// commit after the supervisors exit).
double throughput(const std::vector<std::string>& argv, const std::string& stdin_file, int clients, int per_client,
                  const std::vector<std::string>& env, const std::string& state_dir = "") {
    auto start = Clock::now();
    std::vector<pid_t> children;
    for (int c = 0; c < clients; ++c) {
        pid_t pid = ::fork();
        if (pid == 0) {
            for (int i = 0; i < per_client; ++i) exec_once(argv, stdin_file, env);
            ::_exit(0);
        }
        children.push_back(pid);
    }
    for (pid_t pid : children) ::waitpid(pid, nullptr, 0);
    if (!state_dir.empty()) wait_no_markers(state_dir);
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return clients * per_client / seconds;
}

// The daemon's peak RSS (VmHWM) in KB, 0 when unreadable.
long peak_rss_kb(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
    return 0;
}

// Who listens on the Unix socket `path` (SO_PEERCRED), or 0.
pid_t listener_pid(const std::string& path) {
    int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    ucred peer{};
    socklen_t size = sizeof peer;
    const bool ok = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                    ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &size) == 0;
    if (fd >= 0) ::close(fd);
    return ok ? peer.pid : 0;
}

bool favordynmods() {
    std::ifstream in("/proc/self/mounts");
    for (std::string line; std::getline(in, line);)
        if (line.find(" cgroup") != std::string::npos && line.find("favordynmods") != std::string::npos) return true;
    return false;
}

// What the figures were measured on: they mean nothing without it.
json machine_facts() {
    char host[256] = {0};
    ::gethostname(host, sizeof host - 1);
    utsname u{};
    ::uname(&u);
    std::string model;
    std::ifstream cpu("/proc/cpuinfo");
    for (std::string line; model.empty() && std::getline(cpu, line);)
        if (line.rfind("model name", 0) == 0) model = line.substr(line.find(':') + 2);
    std::string load;
    std::getline(std::ifstream("/proc/loadavg") >> std::ws, load);
    char date[64];
    const std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
    return {{"host", host}, {"cores", ::sysconf(_SC_NPROCESSORS_ONLN)}, {"cpu", model},
            {"kernel", std::string(u.release)}, {"date", date}, {"loadavg", load},
            {"favordynmods", favordynmods()}};
}

// A hung hook under timeout T (100 ms, grace 100 ms): how long after T the agent has its
// answer, in-process and served, interleaved. Measured at the agent (exec to exit), so it
// includes start-up and, served, the hand-off: what the agent waits past the deadline.
void bench_daemon_kill(const std::string& hw, const std::string& backend, const std::string& event,
                       const std::vector<std::string>& served, int rounds, std::ostream& md, json& out) {
    constexpr double kTimeoutMs = 100;
    exec_once({hw, "breaker", "disable", "kill-bench"}, "");  // both paths share the state directory
    std::vector<std::string> argv{hw, "run", "--name", "kill-bench", "--backend", backend, "--timeout", "100",
                                  "--kill-grace", "100", "--", "sh", "-c", "trap '' TERM; sleep 30 & wait"};
    std::map<std::string, std::vector<double>> late;
    for (int r = 0; r < rounds; ++r) {
        ::usleep(20000);
        late["in-process"].push_back(exec_once(argv, event).ms - kTimeoutMs);
        ::usleep(20000);
        late["served"].push_back(exec_once(argv, event, served).ms - kTimeoutMs);
    }
    md << "\n### Kill latency, a hung hook that ignores SIGTERM (answer time - timeout; grace 100 ms, target p99 <= 120 ms)\n\n"
       << "| path | p50 ms | p99 ms | samples |\n|---|---|---|---|\n";
    for (const auto& [path, values] : late) {
        md << "| " << path << " | " << fmt(percentile(values, 50)) << " | " << fmt(percentile(values, 99)) << " | "
           << values.size() << " |\n";
        out["daemon"]["kill_latency"][path] = {{"p50_ms", percentile(values, 50)}, {"p99_ms", percentile(values, 99)},
                                               {"timeout_ms", kTimeoutMs}, {"grace_ms", 100}, {"samples", values.size()}};
    }
}

// Throughput with records, bare exec against in-process and served runs at the same
// concurrency; every record counted once its guardian committed it.
void bench_daemon_throughput(const std::string& hw, const std::string& backend, const std::string& event,
                             const std::string& sock, const Options& o, std::ostream& md, json& out) {
    md << "\n### Throughput with records (runs/s)\n\n| clients | bare /bin/true | in-process | served | served / bare "
          "| records expected | in-process stored | served stored |\n|---|---|---|---|---|---|---|---|\n";
    const std::vector<std::string> argv{hw, "run", "--name", "tp", "--backend", backend, "--", "/bin/true"};
    auto stored_in = [&hw](const std::string& dir) { return records_stored(hw, dir); };
    for (int clients : {1, 2, 8, 32}) {
        const int per_client = o.quick ? 10 : std::max(20, 400 / clients);
        const std::string local_state = temp_dir(), served_state = temp_dir();
        const double bare = throughput({"/bin/true"}, event, clients, per_client, {});
        const double local = throughput(argv, event, clients, per_client,
                                        {"HOOKWARDEN_STATE_DIR=" + local_state}, local_state);
        const double served = throughput(argv, event, clients, per_client,
                                         {"HOOKWARDEN_STATE_DIR=" + served_state, "HOOKWARDEN_SOCKET=" + sock},
                                         served_state);
        const std::size_t local_stored = stored_in(local_state), served_stored = stored_in(served_state);
        md << "| " << clients << " | " << fmt(bare, 0) << " | " << fmt(local, 0) << " | " << fmt(served, 0) << " | "
           << fmt(served / bare) << " | " << clients * per_client << " | " << local_stored << " | " << served_stored
           << " |\n";
        out["daemon"]["throughput"].push_back({{"clients", clients}, {"bare_per_s", bare}, {"in_process_per_s", local},
                                               {"served_per_s", served}, {"ratio", served / bare},
                                               {"records_expected", clients * per_client},
                                               {"in_process_records_stored", local_stored},
                                               {"served_records_stored", served_stored}});
    }
}

// `hookwarden serve` against the in-process path and bare, spaced 20 ms apart and
// interleaved; throughput with records at 1-32 clients; kill latency; the daemon's RSS
// after many runs.
void bench_daemon(const std::string& hw, const std::string& backend, const std::string& event,
                  const std::vector<std::pair<std::string, std::vector<std::string>>>& commands, const Options& o,
                  std::ostream& md, json& out) {
    const std::string dir = temp_dir();
    ::mkdir((dir + "/s").c_str(), 0700);
    const std::string sock = dir + "/s/serve.sock";
    pid_t daemon = ::fork();
    if (daemon == 0) {
        int null_fd = ::open("/dev/null", O_RDWR);
        for (int fd = 0; fd < 3; ++fd) ::dup2(null_fd, fd);
        ::execl(hw.c_str(), hw.c_str(), "serve", "--socket", sock.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    for (int i = 0; i < 500 && ::access(sock.c_str(), F_OK) != 0; ++i) ::usleep(10000);
    const std::vector<std::string> served{"HOOKWARDEN_SOCKET=" + sock};
    md << "\n### Through the daemon (`hookwarden serve`), backend " << backend << ", favordynmods "
       << (favordynmods() ? "applied" : "not applied") << "\n";
    out["daemon"]["favordynmods"] = favordynmods();
    for (const auto& [title, cmd] : commands) {
        std::vector<Series> series;
        series.emplace_back("bare", cmd, event);
        std::vector<std::string> wrapped{hw, "run", "--name", "bench", "--backend", backend, "--"};
        wrapped.insert(wrapped.end(), cmd.begin(), cmd.end());
        // Each wrapped row in a state directory of its own, so that its records' own
        // overhead_ms can be set beside the cost measured from outside.
        const std::string local_state = temp_dir(), served_state = temp_dir();
        series.emplace_back("hookwarden run, in-process", wrapped, event);
        series.back().env = {"HOOKWARDEN_STATE_DIR=" + local_state};
        series.emplace_back("hookwarden run, served", wrapped, event);
        series.back().env = {"HOOKWARDEN_STATE_DIR=" + served_state, served.front()};
        json rows = compare("Latency: " + title + " through the daemon, one command every 20 ms", series,
                            std::min(o.rounds, 100), md, 20);
        const double local_recorded = recorded_overhead_p50(hw, local_state);
        const double served_recorded = recorded_overhead_p50(hw, served_state);
        md << "\nRecorded `overhead_ms` p50 (what the records say): in-process " << fmt(local_recorded) << " ms, served "
           << fmt(served_recorded) << " ms; measured from outside (p50 over bare, above): in-process "
           << fmt(rows[1]["overhead_p50_ms"]) << " ms, served " << fmt(rows[2]["overhead_p50_ms"]) << " ms.\n";
        rows[1]["recorded_overhead_p50_ms"] = local_recorded;
        rows[2]["recorded_overhead_p50_ms"] = served_recorded;
        out["daemon"]["spaced_20ms"][title] = rows;
    }
    bench_daemon_throughput(hw, backend, event, sock, o, md, out);
    bench_daemon_kill(hw, backend, event, served, o.quick ? 10 : 100, md, out);
    const int many = o.many_runs > 0 ? o.many_runs : (o.quick ? 500 : 10000);
    const std::vector<std::string> rss_run{hw, "run", "--name", "rss", "--backend", backend, "--", "/bin/true"};
    for (int i = 0; i < many; ++i) exec_once(rss_run, event, served);
    const long rss = peak_rss_kb(daemon);
    const pid_t keeper = listener_pid(sock + ".breakers");
    const long keeper_rss = keeper > 0 ? peak_rss_kb(keeper) : 0;
    // The runs must have been the daemon's: a record of the last one says so.
    const std::string last = dir + "/last.json";
    std::vector<std::string> last_run = rss_run;
    last_run.insert(last_run.begin() + 2, {"--record", last});
    exec_once(last_run, event, served);
    std::ifstream last_in(last);
    const json last_record = json::parse(last_in, nullptr, false);
    const std::string by = last_record.is_object() ? last_record.value("served_by", "?") : "no record";
    md << "\nDaemon peak RSS (VmHWM) after " << many << " more runs: " << rss << " KB (target <= 16384 KB; the "
       << "last run's served_by: " << by << "); its breaker keeper (pid " << keeper << "): " << keeper_rss << " KB\n";
    out["daemon"]["keeper_peak_rss_kb"] = keeper_rss;
    out["daemon"]["last_served_by"] = by;
    out["daemon"]["peak_rss_kb"] = rss;
    out["daemon"]["peak_rss_after_runs"] = many;
    ::kill(daemon, SIGTERM);
    ::waitpid(daemon, nullptr, 0);
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
        if (a == "--rounds") o.rounds = std::atoi(next().c_str());
        else if (a == "--json") o.json_path = next();
        else if (a == "--hookwarden") o.hookwarden = next();
        else if (a == "--source") o.source = next();
        else if (a == "--quick") o.quick = true;
        else if (a == "--daemon") o.daemon_only = true;
        else if (a == "--rss-runs") o.many_runs = std::atoi(next().c_str());
        else {
            std::cerr << "usage: hwbench [--rounds N] [--json FILE] [--hookwarden PATH] [--source DIR] [--quick] [--daemon]"
                         " [--rss-runs N]\n";
            return 2;
        }
    }
    if (o.hookwarden.empty()) o.hookwarden = HOOKWARDEN_BINARY;
    if (o.quick) o.rounds = std::min(o.rounds, 30);
    const std::string hw = o.hookwarden;
    const std::string state = temp_dir();
    ::setenv("HOOKWARDEN_STATE_DIR", state.c_str(), 1);
    // The rows below measure the in-process path: no user's daemon may answer them.
    ::setenv("HOOKWARDEN_SOCKET", (state + "/no-daemon.sock").c_str(), 1);
    const std::string event = o.source + "/hooks-examples/events/PreToolUse-bash.json";
    const std::string guard = o.source + "/hooks-examples/guard_bash.py";
    const std::string python = ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    const bool cgroup = exec_once({hw, "run", "--backend", "cgroup-v1", "--", "/bin/true"}, "").status == 0;

    std::ostringstream md;
    json out;
    out["machine"] = machine_facts();
    out["rounds"] = o.rounds;
    const json& m = out["machine"];
    md << "## hookwarden benchmarks\n\n" << o.rounds << " interleaved rounds per comparison.\n\n"
       << "Machine: " << m["host"].get<std::string>() << ", " << m["cores"] << " cores, " << m["cpu"].get<std::string>()
       << "; kernel " << m["kernel"].get<std::string>() << "; " << m["date"].get<std::string>() << "; load average "
       << m["loadavg"].get<std::string>() << "; favordynmods " << (favordynmods() ? "on" : "off") << ".\n";

    // Sections 1-4: the in-process path (--daemon skips them).
    if (!o.daemon_only) {
    // 1. Supervisor overhead on /bin/true and on a realistic hook.
    for (const auto& [title, cmd] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"/bin/true", {"/bin/true"}}, {"guard_bash.py on a PreToolUse event", {python, guard}}}) {
        std::vector<Series> series;
        series.emplace_back("bare", cmd, event);
        std::vector<std::string> timeout_cmd{"timeout", "5"};
        timeout_cmd.insert(timeout_cmd.end(), cmd.begin(), cmd.end());
        series.emplace_back("timeout 5", timeout_cmd, event);
        if (have("cgexec") && cgroup) {
            std::vector<std::string> cgexec{"cgexec", "-g", "memory,pids:/"};
            cgexec.insert(cgexec.end(), cmd.begin(), cmd.end());
            series.emplace_back("cgexec -g memory,pids", cgexec, event);
        }
        for (const char* backend : {"cgroup-v1", "none"}) {
            if (std::string(backend) == "cgroup-v1" && !cgroup) continue;
            std::vector<std::string> wrapped{hw, "run", "--name", "bench", "--backend", backend, "--"};
            wrapped.insert(wrapped.end(), cmd.begin(), cmd.end());
            series.emplace_back(std::string("hookwarden run (") + backend + ")", wrapped, event);
        }
        out["overhead"][title] = compare("Latency: " + title, series, o.rounds, md);
        if (title == "/bin/true") {
            // The same, spaced as an agent spaces hook calls.
            std::vector<Series> spaced;
            for (const auto& s : series) spaced.emplace_back(s.name, s.argv, s.stdin_file);
            out["overhead_spaced_20ms"][title] =
                compare("Latency: " + title + ", one command every 20 ms", spaced, std::min(o.rounds, 60), md, 20);
        }
    }

    // 2. Kill latency: from the deadline to the reaped tree, for a tree that obeys
    //    SIGTERM and for one that ignores it (then SIGKILL comes after the grace).
    {
        md << "\n### Kill latency (deadline to reaped tree)\n\n| backend | tree | p50 ms | p99 ms | grace ms |\n|---|---|---|---|---|\n";
        const int kill_rounds = o.quick ? 10 : 40;
        // Every one of these runs times out on purpose: keep the breaker out of it.
        exec_once({hw, "breaker", "disable", "kill-bench"}, "");
        for (const char* backend : {"cgroup-v1", "none"}) {
            if (std::string(backend) == "cgroup-v1" && !cgroup) continue;
            for (const auto& [label, script] : std::vector<std::pair<std::string, std::string>>{
                     {"obeys SIGTERM", "sleep 30 & sleep 30"},
                     {"ignores SIGTERM", "trap '' TERM; (trap '' TERM; setsid sleep 30) & sleep 30 & wait"}}) {
                std::vector<double> lat;
                for (int r = 0; r < kill_rounds; ++r) {
                    std::string record = state + "/kill.json";
                    exec_once({hw, "run", "--name", "kill-bench", "--backend", backend, "--timeout", "100", "--kill-grace",
                               "100", "--record", record, "--", "sh", "-c", script},
                              event);
                    std::ifstream in(record);
                    json rec = json::parse(in, nullptr, false);
                    if (rec.is_object()) lat.push_back(rec["wall_ms"].get<double>() - 100.0);
                }
                md << "| " << backend << " | " << label << " | " << fmt(percentile(lat, 50)) << " | "
                   << fmt(percentile(lat, 99)) << " | 100 |\n";
                out["kill_latency"][backend][label] = {{"p50_ms", percentile(lat, 50)}, {"p99_ms", percentile(lat, 99)},
                                                       {"grace_ms", 100}, {"samples", lat.size()}};
            }
        }
    }

    // 3. Throughput with records, against bare exec at the same concurrency.
    {
        md << "\n### Throughput (runs/s, records written)\n\n| clients | bare /bin/true | hookwarden run | ratio | records expected | records stored |\n|---|---|---|---|---|---|\n";
        for (int clients : {1, 2, 8, 32}) {
            const int per_client = o.quick ? 10 : std::max(20, 400 / clients);
            std::string tp_state = temp_dir();
            std::vector<std::string> env{"HOOKWARDEN_STATE_DIR=" + tp_state};
            double bare = throughput({"/bin/true"}, event, clients, per_client, {});
            double supervised =
                throughput({hw, "run", "--name", "tp", "--", "/bin/true"}, event, clients, per_client, env, tp_state);
            const std::size_t stored = records_stored(hw, tp_state);
            md << "| " << clients << " | " << fmt(bare, 0) << " | " << fmt(supervised, 0) << " | " << fmt(supervised / bare)
               << " | " << clients * per_client << " | " << stored << " |\n";
            out["throughput"].push_back({{"clients", clients}, {"bare_per_s", bare}, {"hookwarden_per_s", supervised},
                                         {"ratio", supervised / bare}, {"records_expected", clients * per_client},
                                         {"records_stored", stored}});
        }
    }

    // 4. hookwarden's own peak RSS and start-up cost; the store's cost per run.
    {
        std::vector<double> startup;
        long rss = 0;
        for (int r = 0; r < o.rounds; ++r) {
            Exec e = exec_once({hw, "--version"}, "");
            startup.push_back(e.ms);
            Exec run = exec_once({hw, "run", "--name", "rss", "--", "/bin/true"}, event);
            rss = std::max(rss, run.maxrss_kb);
        }
        std::string store_dir = temp_dir();
        std::vector<double> store_us;
        hookwarden::BreakerConfig breaker;
        for (int r = 0; r < std::max(o.rounds, 50); ++r) {
            auto start = Clock::now();
            std::string error;
            auto store = hookwarden::store::Store::open(store_dir, error);
            if (!store) break;
            auto admission = store->admit("store-bench", breaker, 0, 10000);
            hookwarden::RunRecord record;
            record.hook = "store-bench";
            record.outcome = hookwarden::Outcome::ok;
            store->complete(record, breaker, admission, 0);
            store.reset();
            store_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
        }
        // What a run pays for the store before it answers: the pending-marker check and
        // the breaker gate (the database is opened only for a hook whose breaker is not
        // closed, and the record is committed by the guardian after the answer).
        std::vector<double> path_us;
        for (int r = 0; r < std::max(o.rounds, 50); ++r) {
            auto start = Clock::now();
            hookwarden::store::wait_pending(store_dir, "store-bench", std::chrono::seconds(2));
            bool admitted = hookwarden::store::gate_admits(store_dir, "store-bench");
            path_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
            if (!admitted) path_us.back() = -1;
        }
        bool gate_ok = std::none_of(path_us.begin(), path_us.end(), [](double v) { return v < 0; });
        md << "\n### Footprint\n\n| what | value |\n|---|---|\n"
           << "| store on the answer's path (pending check + breaker gate) p50 | "
           << (gate_ok ? fmt(percentile(path_us, 50), 0) + " us" : std::string("gate did not admit")) << " |\n"
           << "| hookwarden peak RSS (run, cgroup or none) | " << rss << " KB |\n"
           << "| start-up (`hookwarden --version`) p50 | " << fmt(percentile(startup, 50)) << " ms |\n"
           << "| store open+admit+complete+close p50 (the guardian's commit) | " << fmt(percentile(store_us, 50), 0) << " us |\n"
           << "| store open+admit+complete+close p99 | " << fmt(percentile(store_us, 99), 0) << " us |\n";
        out["footprint"] = {{"peak_rss_kb", rss},
                            {"startup_p50_ms", percentile(startup, 50)},
                            {"store_answer_path_p50_us", gate_ok ? percentile(path_us, 50) : -1},
                            {"store_per_run_p50_us", percentile(store_us, 50)},
                            {"store_per_run_p99_us", percentile(store_us, 99)}};
    }

    }  // sections 1-4

    // 5. The resident supervisor.
    bench_daemon(hw, cgroup ? "cgroup-v1" : "none", event,
                 {{"/bin/true", {"/bin/true"}}, {"guard_bash.py on a PreToolUse event", {python, guard}}}, o, md, out);

    std::cout << md.str();
    std::ofstream(o.json_path) << out.dump(2) << "\n";
    std::cout << "\nJSON: " << o.json_path << "\n";
    std::system(("rm -rf '" + state + "'").c_str());
    return 0;
}
