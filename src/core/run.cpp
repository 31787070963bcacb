// The path of one hook run, top to bottom (SPEC §3):
//   read the event -> resolve limits -> consult the breaker -> start the hook in a fresh
//   sandbox -> supervise it -> classify -> record + update the breaker -> answer the agent.
#include "core/run.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/supervisor.h"
#include "hookwarden/run_record.h"
#include "sandbox/guardian.h"
#include "sandbox/sandbox.h"
#include "util/fs.h"

namespace hookwarden::core {

namespace {

using Clock = std::chrono::steady_clock;

// The event JSON from the agent. Bounded in time: an agent that never closes our stdin
// must not freeze the session (a known failure of agents' own runners).
std::string read_stdin(std::chrono::milliseconds limit, std::vector<std::string>& errors) {
    std::string data;
    if (::isatty(0)) return data;
    auto deadline = Clock::now() + limit;
    char buffer[65536];
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            errors.push_back("stdin not closed after " + std::to_string(limit.count()) + " ms; using the " +
                             std::to_string(data.size()) + " bytes read");
            break;
        }
        pollfd pfd{0, POLLIN, 0};
        int ready = ::poll(&pfd, 1, static_cast<int>(left));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) continue;
        ssize_t n = ::read(0, buffer, sizeof buffer);
        if (n > 0) {
            data.append(buffer, static_cast<size_t>(n));
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
            break;
        }
    }
    return data;
}

void write_all(int fd, const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // the agent went away; nothing more to do
        done += static_cast<size_t>(n);
    }
}

Outcome classify(const Supervised& s) {
    if (!s.started) return Outcome::spawn_error;
    if (s.supervisor_signal) return Outcome::internal_error;
    if (s.timed_out) return Outcome::timeout;
    // A hook that answered on its own (0 or 2) keeps its answer even if one of its
    // children hit the memory limit; the record still says oom_killed.
    bool own_verdict = s.exit_code && (*s.exit_code == 0 || *s.exit_code == 2);
    if (s.usage.oom_killed && !own_verdict) return Outcome::oom;
    if (s.signal) return Outcome::crash;
    if (!s.exit_code) return Outcome::internal_error;
    if (*s.exit_code == 0) return Outcome::ok;
    if (*s.exit_code == 2) return Outcome::blocked;
    return Outcome::error;
}

std::string describe(const RunRecord& r, const Supervised& s) {
    switch (r.outcome) {
        case Outcome::timeout:
            return "was killed after its " + std::to_string(r.limits.timeout_ms) + " ms timeout";
        case Outcome::oom:
            return "was killed by the OOM killer at its " + std::to_string(r.limits.memory_mb) + " MB memory limit";
        case Outcome::crash:
            return "crashed (signal " + std::to_string(r.signal.value_or(0)) + ", " +
                   strsignal(r.signal.value_or(0)) + ")";
        case Outcome::spawn_error:
            return "could not be started (" + s.spawn_stage + ": " + std::strerror(s.spawn_error) + ")";
        case Outcome::breaker_open:
            return "was skipped: its circuit breaker is open";
        default:
            return "failed inside hookwarden" + (r.errors.empty() ? std::string() : ": " + r.errors.back());
    }
}

// The answer when the hook did not finish on its own.
// TODO(protocol): replaced by protocol::degrade once it lands.
void degrade(const RunRecord& r, const Supervised& s, FailureAction action, int& exit_code, std::string& out,
             std::string& err) {
    std::string reason = "hookwarden: hook '" + r.hook + "' " + describe(r, s);
    if (action == FailureAction::allow) {
        exit_code = 0;
        out = nlohmann::json{{"systemMessage", reason + "; allowed (fail-open)"}}.dump() + "\n";
    } else {
        exit_code = 2;
        err = reason + "; blocked (fail-closed)\n";
    }
}

}  // namespace

std::string derive_name(const std::vector<std::string>& command) {
    auto base = [](const std::string& path) {
        auto slash = path.rfind('/');
        return slash == std::string::npos ? path : path.substr(slash + 1);
    };
    static const char* interpreters[] = {"python",  "python3", "node", "bash", "sh",   "zsh", "dash", "uv",
                                         "uvx",     "npx",     "bun",  "deno", "ruby", "perl", "env", "run"};
    std::string name;
    for (const auto& arg : command) {
        std::string b = base(arg);
        bool interpreter = false;
        for (const char* i : interpreters)
            if (b == i || (b.rfind("python3.", 0) == 0)) interpreter = true;
        if (interpreter || arg.empty() || arg[0] == '-') continue;
        name = b;
        break;
    }
    if (name.empty() && !command.empty()) name = base(command[0]);
    if (auto dot = name.rfind('.'); dot != std::string::npos && dot > 0) name = name.substr(0, dot);
    for (auto& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
    return name.empty() ? "hook" : name;
}

int run(const RunOptions& options) {
    prepare_process();
    RunRecord record;
    record.time_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
    record.command = options.command;
    record.hook = options.name.empty() ? derive_name(options.command) : options.name;

    // 1. The event.
    const std::string input = read_stdin(std::chrono::milliseconds(10000), record.errors);
    record.event = options.event;
    if (record.event.empty()) {
        auto parsed = nlohmann::json::parse(input, nullptr, false);
        if (parsed.is_object()) {
            record.event = parsed.value("hook_event_name", "");
            record.session_id = parsed.value("session_id", "");
            if (parsed.contains("tool_name") && parsed["tool_name"].is_string()) record.matcher_target = parsed["tool_name"];
        }
    }

    // 2. Limits: command line > built-in.
    record.limits = builtin_limits(record.event);
    options.limits.apply_to(record.limits);
    FailureAction on_failure = options.on_failure.value_or(FailureAction::allow);

    // 4. A fresh sandbox, guarded against our own death.
    std::string sandbox_error;
    std::vector<std::string> notes;
    auto box = sandbox::create(options.backend, record.limits, sandbox_error, notes);
    for (const auto& note : notes) {
        spdlog::warn("{}", note);
        record.errors.push_back(note);
    }
    Supervised supervised;
    sandbox::Guardian guardian;
    if (!box) {
        record.errors.push_back("backend '" + options.backend + "': " + sandbox_error);
        spdlog::error("backend '{}' unavailable: {}", options.backend, sandbox_error);
        record.outcome = Outcome::internal_error;
    } else {
        record.backend = sandbox::to_string(box->kind());
        if (!guardian.start(box->cgroup_dirs(), box->stale_parents()))
            record.errors.push_back("could not start the guardian: a killed supervisor may leave the tree running");
        become_subreaper();
        // 5-8. Run and watch it.
        supervised = supervise(options.command, input, record.limits, *box, [&](int pid) { guardian.watch(pid); });
        box->destroy();
        record.outcome = classify(supervised);
        if (supervised.supervisor_signal)
            record.errors.push_back("hookwarden received signal " + std::to_string(*supervised.supervisor_signal));
        if (!supervised.tree_reaped) record.errors.push_back("processes of the hook survived SIGKILL for 2 s");
    }

    // 9. Classify and answer.
    record.exit_code = supervised.exit_code;
    record.signal = supervised.signal;
    record.wall_ms = supervised.wall_ms;
    record.cpu_user_ms = supervised.usage.cpu_user_ms;
    record.cpu_sys_ms = supervised.usage.cpu_sys_ms;
    record.peak_memory_bytes = supervised.usage.peak_memory_bytes;
    record.peak_memory_source = supervised.usage.peak_memory_source;
    record.oom_killed = supervised.usage.oom_killed;
    record.leftovers_killed = supervised.leftovers_killed;
    record.stdout_bytes = supervised.out.bytes;
    record.stderr_bytes = supervised.err.bytes;
    record.stdout_truncated = supervised.out.truncated;
    record.stderr_truncated = supervised.err.truncated;

    int exit_code = 0;
    std::string out, err;
    if (is_own_answer(record.outcome)) {
        record.answer = "own";
        exit_code = *supervised.exit_code;
        out = std::move(supervised.out.data);
        err = std::move(supervised.err.data);
    } else {
        record.answer = to_string(on_failure);
        degrade(record, supervised, on_failure, exit_code, out, err);
    }
    record.overhead_ms = std::chrono::duration<double, std::milli>(Clock::now() - options.process_start).count() -
                         record.wall_ms;

    if (!options.record_path.empty()) {
        std::string error = fs::write_file_atomic(options.record_path, nlohmann::json(record).dump(2) + "\n");
        if (!error.empty()) spdlog::error("--record: {}", error);
    }
    write_all(1, out);
    write_all(2, err);
    if (supervised.supervisor_signal) return 128 + *supervised.supervisor_signal;
    return exit_code;
}

}  // namespace hookwarden::core
