// The path of one hook run, top to bottom (SPEC §3):
//   read the event -> load the policy and resolve limits -> consult the breaker -> start
//   the hook in a fresh sandbox -> supervise it -> classify -> answer (its own, or the
//   degradation policy's) -> record the run together with the breaker update.
#include "core/run.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <poll.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/supervisor.h"
#include "sandbox/confine.h"
#include "sandbox/guardian.h"
#include "sandbox/sandbox.h"
#include "store/handoff.h"
#include "store/store.h"
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

Outcome classify(const Supervised& s) {
    if (s.no_backend) return Outcome::internal_error;  // not the hook's failure
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

// The specifics a person needs to act on a degraded answer.
std::string failure_detail(const RunRecord& r, const Supervised& s) {
    switch (r.outcome) {
        case Outcome::timeout:
            return std::to_string(r.limits.timeout_ms) + " ms";
        case Outcome::oom:
            return "limit " + std::to_string(r.limits.memory_mb) + " MB";
        case Outcome::crash:
            return "signal " + std::to_string(r.signal.value_or(0)) + ", " + ::strsignal(r.signal.value_or(0));
        case Outcome::spawn_error:
            return r.command.empty() ? std::string("no command")
                                     : r.command.front() + ": " + s.spawn_stage + ": " + std::strerror(s.spawn_error);
        default:
            return r.errors.empty() ? std::string() : r.errors.back();
    }
}

void fill_measurements(RunRecord& record, const Supervised& s) {
    record.exit_code = s.exit_code;
    record.signal = s.signal;
    record.wall_ms = s.wall_ms;
    record.cpu_user_ms = s.usage.cpu_user_ms;
    record.cpu_sys_ms = s.usage.cpu_sys_ms;
    record.peak_memory_bytes = s.usage.peak_memory_bytes;
    record.peak_memory_source = s.usage.peak_memory_source;
    record.oom_killed = s.usage.oom_killed;
    record.leftovers_killed = s.leftovers_killed;
    record.stdout_bytes = s.out.bytes;
    record.stderr_bytes = s.err.bytes;
    record.stdout_truncated = s.out.truncated;
    record.stderr_truncated = s.err.truncated;
}

// Starts `command` in a fresh sandbox guarded against our own death, and watches it.
// `guardian` is started here; once the tree is reaped it is left the empty cgroups to
// remove (and, through `finish`, possibly more: see hand_over_record).
Supervised start_and_watch(const std::vector<std::string>& command, const std::string& input, const Limits& limits,
                           const SandboxConfig& sandbox_config, const std::string& backend, RunRecord& record,
                           sandbox::Guardian& guardian, const sandbox::Guardian::Finisher& finish = {}) {
    // Network, filesystem, environment, no_new_privs: prepared here, applied by the child.
    // Decided first: a refused run creates no cgroup at all.
    auto confine = sandbox::prepare(sandbox_config, ::environ);
    record.confinement = confine->report;
    if (!confine->refusal.empty()) {
        // "unavailable": "refuse": not started; a spawn_error that on_failure answers.
        record.errors.push_back("sandbox: " + confine->refusal + " (policy: \"unavailable\": \"refuse\")");
        Supervised refused;
        refused.spawn_error = EOPNOTSUPP;
        refused.spawn_stage = "sandbox (" + confine->refusal + ")";
        return refused;
    }
    std::string error;
    std::vector<std::string> notes;
    auto box = sandbox::create(backend, limits, error, notes);
    for (const auto& note : notes) {
        spdlog::warn("{}", note);
        record.errors.push_back(note);
    }
    if (!box) {
        record.errors.push_back("backend '" + backend + "': " + error);
        spdlog::error("backend '{}' unavailable: {}", backend, error);
        Supervised failed;
        failed.no_backend = true;
        return failed;
    }
    record.backend = sandbox::to_string(box->kind());
    // A cgroup backend that cannot enforce everything says so in every record (the
    // weaker `none` backend is named by `backend` itself).
    if (box->kind() != sandbox::Kind::none && !box->guarantees().empty()) record.errors.push_back(box->guarantees());
    for (const auto& what : confine->report.unavailable)
        spdlog::warn("sandbox: {}; running without it (policy: \"unavailable\": \"run\")", what);
    if (!guardian.start(box->cgroup_dirs(), box->stale_parents(), finish))
        record.errors.push_back("could not start the guardian: a killed supervisor may leave the tree running");
    become_subreaper();
    Supervised supervised =
        supervise(command, input, limits, *box, [&](int pid) { guardian.watch(pid); }, &confine->child);
    // Removing the cgroups is the guardian's once we answered, unless it is not there.
    if (guardian.active() && supervised.tree_reaped)
        box->disown();
    else
        box->destroy();
    confine->finish();
    record.confinement = confine->report;
    if (supervised.supervisor_signal)
        record.errors.push_back("hookwarden received signal " + std::to_string(*supervised.supervisor_signal));
    if (!supervised.tree_reaped) record.errors.push_back("processes of the hook survived SIGKILL for 2 s");
    return supervised;
}

store::OpenOptions no_wait() {
    store::OpenOptions options;
    options.wait_for_pending = false;  // the run path waits for its own hook only
    return options;
}

// Runs in the guardian, after the supervisor answered and exited: commits the record.
// Nobody is left to read a complaint on stderr, so failures go to <state>/guardian.log.
void commit_handed_over(const std::string& state_dir, const std::string& hook, const BreakerConfig& breaker,
                        const store::Admission& admission, const std::string& payload) {
    std::string error;
    try {
        RunRecord record = nlohmann::json::parse(payload).get<RunRecord>();
        auto store = store::Store::open(state_dir, error, no_wait());
        if (store) error += store->complete(record, breaker, admission, fs::now_unix_ms());
    } catch (const std::exception& e) {
        error += std::string("unreadable handed-over record: ") + e.what();
    }
    ::unlink(store::pending_marker(state_dir, hook, ::getpid()).c_str());
    if (error.empty()) return;
    std::string line = std::to_string(fs::now_unix_ms()) + " hook '" + hook + "': " + error + "\n";
    int fd = ::open((state_dir + "/" + store::kGuardianLog).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
        fs::write_all(fd, line);
        ::close(fd);
    }
}

// The record goes to the guardian, which commits it after we answered. A pending
// marker makes the next admission of this hook, and every reader, wait for it.
bool hand_over_record(sandbox::Guardian& guardian, const std::string& state_dir, const RunRecord& record) {
    if (!guardian.active() || guardian.pid() <= 0) return false;
    std::string marker = store::pending_marker(state_dir, record.hook, guardian.pid());
    if (!store::mark_pending(marker).empty()) return false;
    std::string payload = nlohmann::json(record).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (guardian.hand_over(payload)) return true;
    ::unlink(marker.c_str());
    return false;
}

}  // namespace

std::string derive_name(const std::vector<std::string>& command) {
    auto base = [](const std::string& path) {
        auto slash = path.rfind('/');
        return slash == std::string::npos ? path : path.substr(slash + 1);
    };
    static const char* interpreters[] = {"python", "python3", "node", "bash", "sh",   "zsh", "dash", "uv",
                                         "uvx",    "npx",     "bun",  "deno", "ruby", "perl", "env", "run"};
    std::string name;
    for (size_t i = 0; i < command.size(); ++i) {
        std::string b = base(command[i]);
        if (b == "-c" && i + 1 < command.size()) {
            // A shell script string: name it after its first word.
            std::string script = command[i + 1];
            name = base(script.substr(0, script.find_first_of(" \t;|&")));
            break;
        }
        bool interpreter = b.rfind("python3.", 0) == 0;
        for (const char* known : interpreters) interpreter = interpreter || b == known;
        if (interpreter || b.empty() || b[0] == '-') continue;
        name = b;
        break;
    }
    if (name.empty() && !command.empty()) name = base(command[0]);
    if (auto dot = name.rfind('.'); dot != std::string::npos && dot > 0) name = name.substr(0, dot);
    for (auto& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
    return name.empty() ? "hook" : name;
}

Invocation begin_invocation(const std::string& policy_path, const std::string& event_override,
                            std::chrono::steady_clock::time_point process_start) {
    Invocation inv;
    inv.process_start = process_start;
    inv.input = read_stdin(std::chrono::milliseconds(10000), inv.errors);
    inv.info = protocol::parse_event(inv.input, event_override);
    if (!inv.info.is_json && !inv.input.empty()) {
        // The hook still gets the bytes unchanged; only hookwarden's view is limited.
        spdlog::info("input is not a JSON event ({}); the hook gets it unchanged", inv.info.parse_error);
        inv.errors.push_back("input is not a JSON event: " + inv.info.parse_error);
    }
    if (auto path = policy::discover(policy_path)) {
        auto loaded = policy::load_file(*path);
        if (loaded.policy) {
            inv.policy = std::move(loaded.policy);
        } else {
            // SPEC §5: never silently weaker. Built-in limits stay in force, and we say so.
            std::string first = loaded.errors.empty() ? *path + ": unreadable" : loaded.errors.front().to_string();
            std::cerr << "hookwarden: policy " << *path << " is invalid; running under built-in defaults\n";
            for (const auto& e : loaded.errors) std::cerr << "hookwarden: " << e.to_string() << "\n";
            inv.errors.push_back("policy invalid, built-in defaults in force: " + first);
        }
    }
    return inv;
}

HookResult execute(const Invocation& inv, const std::string& hook, const std::vector<std::string>& command,
                   const policy::Resolved& resolved, const std::string& backend, bool record_after_answer) {
    HookResult result;
    RunRecord& record = result.record;
    record.time_unix_ms = fs::now_unix_ms();
    record.hook = hook;
    record.command = command;
    record.event = inv.info.event;
    record.matcher_target = inv.info.matcher_target;
    record.session_id = inv.info.session_id;
    record.limits = resolved.limits;
    record.errors = inv.errors;

    // The breaker, in the store every hookwarden process shares. A hook the breaker gate
    // does not list is admitted without opening the database (store/handoff.h).
    const std::string state_dir = store::default_state_dir();
    // A store fault never stops the run; the agent's stderr and the record say what it was.
    auto store_fault = [&record](const std::string& error) {
        std::cerr << "hookwarden: run store: " << error << "\n";
        record.errors.push_back("store: " + error);
    };
    if (!store::wait_pending(state_dir, hook, std::chrono::seconds(2)))
        record.errors.push_back("breaker: the previous run's record was still being committed after 2 s");
    store::Admission admission;
    if (!store::gate_admits(state_dir, hook)) {
        std::string store_error;
        auto store = store::Store::open(state_dir, store_error, no_wait());
        if (!store_error.empty()) store_fault(store_error);
        if (store) {
            const std::int64_t probe_ttl = resolved.limits.timeout_ms + resolved.limits.kill_grace_ms + 5000;
            admission = store->admit(hook, resolved.breaker, fs::now_unix_ms(), probe_ttl);
            if (!admission.error.empty()) {
                std::cerr << "hookwarden: breaker: " << admission.error << "\n";
                record.errors.push_back("breaker: " + admission.error);
            }
        }
        // Closed here: an SQLite connection must not cross the guardian's fork.
    }
    record.breaker_before = admission.state_before;

    Supervised supervised;
    sandbox::Guardian guardian;
    if (!admission.run) {
        record.outcome = Outcome::breaker_open;
        record.errors.push_back("breaker open; retry after " + std::to_string(admission.retry_after_ms) + " ms");
    } else if (command.empty()) {
        record.outcome = Outcome::spawn_error;
        record.errors.push_back("no command for hook '" + hook + "'");
    } else {
        sandbox::Guardian::Finisher finish;
        if (record_after_answer) {
            finish = [state_dir, hook, breaker = resolved.breaker, admission](const std::string& payload) {
                commit_handed_over(state_dir, hook, breaker, admission, payload);
            };
        }
        supervised = start_and_watch(command, inv.input, record.limits, resolved.sandbox, backend, record, guardian,
                                     finish);
        record.outcome = classify(supervised);
        fill_measurements(record, supervised);
    }

    // The agent's answer: the hook's own, or what the degradation policy says.
    if (is_own_answer(record.outcome)) {
        record.answer = Answer::own;
        result.answer.exit_code = *supervised.exit_code;
        result.answer.stdout_data = std::move(supervised.out.data);
        result.answer.stderr_data = std::move(supervised.err.data);
    } else {
        record.answer = degraded_answer(resolved.on_failure.action);
        std::string detail = failure_detail(record, supervised);
        if (resolved.on_failure.action == FailureAction::fallback && !resolved.on_failure.fallback_command.empty()) {
            // A fallback command answers in the hook's place, under the same limits.
            RunRecord fallback_record = record;
            sandbox::Guardian fallback_guardian;
            Supervised fallback = start_and_watch(resolved.on_failure.fallback_command, inv.input, record.limits,
                                                  resolved.sandbox, backend, fallback_record, fallback_guardian);
            Outcome fallback_outcome = classify(fallback);
            if (is_own_answer(fallback_outcome)) {
                result.answer = {*fallback.exit_code, std::move(fallback.out.data), std::move(fallback.err.data)};
            } else {
                record.errors.push_back("fallback command " + std::string(to_string(fallback_outcome)));
                OnFailure allow;
                result.answer = protocol::degrade(allow, record.event, hook, record.outcome, detail,
                                                  inv.info.stop_hook_active);
                record.answer = Answer::allow;
            }
        } else {
            result.answer = protocol::degrade(resolved.on_failure, record.event, hook, record.outcome, detail,
                                              inv.info.stop_hook_active);
        }
    }
    record.overhead_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - inv.process_start).count() - record.wall_ms;

    // One record per run, in the same transaction as the breaker update: committed by
    // the guardian after we answered, or here when there is none to take it (or the
    // caller wants the final record, breaker_after included, before answering).
    if (record_after_answer && supervised.tree_reaped && hand_over_record(guardian, state_dir, record)) return result;
    std::string store_error;
    auto store = store::Store::open(state_dir, store_error, no_wait());
    if (store) store_error += store->complete(record, resolved.breaker, admission, fs::now_unix_ms());
    if (!store_error.empty()) store_fault(store_error);
    return result;
}

int run(const RunOptions& options) {
    prepare_process();
    Invocation inv = begin_invocation(options.policy_path, options.event, options.process_start);

    std::string hook = options.name.empty() ? derive_name(options.command) : options.name;
    std::vector<std::string> command = options.command;
    const policy::Policy* policy = inv.policy ? &*inv.policy : nullptr;
    policy::Resolved resolved = policy::resolve(policy, hook, inv.info.event, options.limits);
    if (command.empty() && resolved.hook) command = resolved.hook->command;  // `run --name X`: the policy's command
    if (options.on_failure) resolved.on_failure.action = *options.on_failure;

    HookResult result = execute(inv, hook, command, resolved, options.backend, options.record_path.empty());

    if (!options.record_path.empty()) {
        std::string text = nlohmann::json(result.record).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
        std::string error = fs::write_file_atomic(options.record_path, text + "\n");
        if (!error.empty()) spdlog::error("--record: {}", error);
    }
    // If the agent went away there is no one left to tell: write errors are ignored.
    fs::write_all(1, result.answer.stdout_data);
    fs::write_all(2, result.answer.stderr_data);
    for (const auto& e : result.record.errors) spdlog::debug("{}", e);
    return result.answer.exit_code;
}

}  // namespace hookwarden::core
