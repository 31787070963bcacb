// The path of one hook run, top to bottom (docs/run.md):
//   read the event -> load the policy and resolve limits -> admit (the breaker) -> attempt
//   (start the hook in a fresh sandbox, supervise it, classify) -> decide the answer (its
//   own, or the degradation policy's) -> make the record -> answer, and commit the record
//   with the breaker update (served, and in dispatch's supervisors: answer, then make the
//   record; RunOptions::answered). Each phase returns what it produced.
#include "core/run.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "agents/claude/protocol.h"
#include "core/system_message.h"
#include "agents/event_facts.h"
#include "process/guardian.h"
#include "process/ready.h"
#include "process/supervisor.h"
#include "sandbox/confine.h"
#include "sandbox/sandbox.h"
#include "store/handed_over.h"
#include "store/handoff.h"
#include "store/store.h"
#include "util/fd.h"
#include "util/fs.h"
#include "util/hook_name.h"
#include "util/process_title.h"

namespace hookwarden::core {

namespace {

using Clock = std::chrono::steady_clock;

// The event JSON from the agent, to end of file. Bounded in time: an agent that never
// closes our stdin must not hold the session past the hook's own timeout (a known
// failure of agents' own runners). Interruptible: the agent's SIGTERM, SIGINT, SIGHUP or
// SIGQUIT (blocked for the signalfd by prepare_process) stops the wait; the signal is
// returned and the run is then answered by its policy without starting the hook.
std::optional<int> read_stdin(std::chrono::milliseconds limit, std::string& data, std::vector<std::string>& errors) {
    if (::isatty(0)) return std::nullopt;
    sigset_t signals = process::handled_signals();
    sigdelset(&signals, SIGCHLD);
    UniqueFd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
    const auto deadline = Clock::now() + limit;
    char buffer[65536];
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            errors.push_back("stdin not closed after " + std::to_string(limit.count()) + " ms; using the " +
                             std::to_string(data.size()) + " bytes read");
            return std::nullopt;
        }
        pollfd fds[2] = {{0, POLLIN, 0}, {signal_fd.get(), POLLIN, 0}};
        if (::poll(fds, signal_fd ? 2 : 1, static_cast<int>(left)) <= 0) continue;
        signalfd_siginfo info{};
        if (fds[1].revents && ::read(signal_fd.get(), &info, sizeof info) == sizeof info)
            return static_cast<int>(info.ssi_signo);
        ssize_t n = ::read(0, buffer, sizeof buffer);
        if (n > 0) {
            data.append(buffer, static_cast<size_t>(n));
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
            return std::nullopt;
        }
    }
}

// The policy named or discovered, or nullopt for the built-in defaults. An invalid one is
// never half-applied and never silently weaker (docs/policy.md): the built-in limits
// stay in force, and stderr and the record say so.
std::optional<policy::Policy> load_policy(const std::string& policy_path, std::vector<std::string>& errors) {
    auto path = policy::discover(policy_path);
    if (!path) return std::nullopt;
    auto loaded = policy::load_file(*path);
    if (loaded.policy) return std::move(loaded.policy);
    std::string first = loaded.errors.empty() ? *path + ": unreadable" : loaded.errors.front().to_string();
    std::cerr << "hookwarden: policy " << *path << " is invalid; running under built-in defaults\n";
    for (const auto& e : loaded.errors) std::cerr << "hookwarden: " << e.to_string() << "\n";
    errors.push_back("policy invalid, built-in defaults in force: " + first);
    return std::nullopt;
}

store::OpenOptions no_wait() {
    store::OpenOptions options;
    options.wait_for_pending = false;  // the run path waits for its own hook only
    return options;
}

// A store fault never stops the run; the agent's stderr and the record say what it was.
void report_store_fault(const std::string& error, std::vector<std::string>& errors) {
    std::cerr << "hookwarden: run store: " << error << "\n";
    errors.push_back("store: " + error);
}

// Phase 1: may the hook start? Its breaker, in the store every hookwarden process
// shares. A hook the breaker gate does not list is admitted without opening the
// database (store/handoff.h).
struct Admitted {
    store::Admission admission;
    std::vector<std::string> errors;
};

AdmissionService& admission_service() {
    static AdmissionService service;
    return service;
}

// The admission from the store, opened here or held open by the daemon's breaker keeper.
std::optional<store::Admission> admission_of(const std::string& state_dir, const std::string& hook,
                                             const policy::Resolved& resolved, Admitted& admitted) {
    const std::int64_t probe_ttl = resolved.limits.timeout_ms + resolved.limits.kill_grace_ms + 5000;
    if (admission_service())
        if (auto kept = admission_service()(state_dir, hook, resolved.breaker, fs::now_unix_ms(), probe_ttl)) return kept;
    std::string store_error;
    auto store = store::Store::open(state_dir, store_error, no_wait());
    if (!store_error.empty()) report_store_fault(store_error, admitted.errors);
    if (!store) return std::nullopt;
    return store->admit(hook, resolved.breaker, fs::now_unix_ms(), probe_ttl);
}  // the store closes here: an SQLite connection must not cross the guardian's fork

Admitted admit(const std::string& state_dir, const std::string& hook, const policy::Resolved& resolved) {
    Admitted admitted;
    if (!store::wait_pending(state_dir, hook, std::chrono::seconds(2)))
        admitted.errors.push_back("breaker: the previous run's record was still being committed after 2 s");
    if (store::gate_admits(state_dir, hook)) return admitted;
    auto admission = admission_of(state_dir, hook, resolved, admitted);
    if (!admission) return admitted;
    admitted.admission = std::move(*admission);
    if (!admitted.admission.error.empty()) {
        std::cerr << "hookwarden: breaker: " << admitted.admission.error << "\n";
        admitted.errors.push_back("breaker: " + admitted.admission.error);
    }
    return admitted;
}

// Phases 2 and 3: the hook started in a fresh sandbox, guarded against our own death,
// and supervised until its tree is gone; or why it did not start.
struct Attempt {
    Outcome outcome = Outcome::internal_error;
    process::Supervised supervised;
    std::string backend;
    Confinement confinement;
    std::vector<std::string> errors;
};

Attempt not_started(Outcome outcome, std::string why) {
    Attempt attempt;
    attempt.outcome = outcome;
    attempt.errors.push_back(std::move(why));
    return attempt;
}

// The sandbox backend for one run, or why there is none. A cgroup backend that cannot
// enforce everything says so in every record (the weaker `none` is named by `backend`).
std::unique_ptr<sandbox::Sandbox> make_sandbox(const std::string& backend, const Limits& limits, Attempt& attempt) {
    std::string error;
    std::vector<std::string> notes;
    // A nested run cannot make cgroups (the outer run's are read-only to it) and needs
    // none: the outer run's limits hold its whole tree.
    const bool nested_auto = backend == "auto" && sandbox::inside_hookwarden_run();
    if (nested_auto) attempt.errors.push_back("nested in another hookwarden run: backend none, held by the outer run's limits");
    auto box = sandbox::create(nested_auto ? "none" : backend, limits, error, notes);
    for (const auto& note : notes) {
        spdlog::warn("{}", note);
        attempt.errors.push_back(note);
    }
    if (!box) {
        attempt.errors.push_back("backend '" + backend + "': " + error);
        spdlog::error("backend '{}' unavailable: {}", backend, error);
        attempt.supervised.no_backend = true;
        return nullptr;
    }
    attempt.backend = sandbox::to_string(box->kind());
    if (box->kind() != sandbox::Kind::none && !box->guarantees().empty()) attempt.errors.push_back(box->guarantees());
    return box;
}

// The run's sandbox, with its guardian started: the ready ones when the caller holds a
// ready run that fits (serve's pool: nothing is created on this path), else made now.
// Nested in another run, whose guardian and cgroups hold this whole tree: a guardian of
// ours would be killed with the outer hook's leftovers before it committed the record,
// so there is none, and the record and cgroups are ours to finish.
std::unique_ptr<sandbox::Sandbox> sandbox_for(const std::string& backend, const Limits& limits,
                                              process::ReadyRun* ready, process::Guardian& guardian,
                                              std::optional<store::HandedOverCommit> commit, bool pid_namespace,
                                              Attempt& attempt) {
    std::string why;
    if (auto box = ready ? ready->take(backend, limits, guardian, commit, pid_namespace, why) : nullptr) {
        attempt.backend = sandbox::to_string(box->kind());
        if (!box->guarantees().empty()) attempt.errors.push_back(box->guarantees());
        return box;
    }
    if (ready) spdlog::info("serve: the ready sandbox does not fit this run ({}); making one", why);
    auto box = make_sandbox(backend, limits, attempt);
    if (box && !sandbox::inside_hookwarden_run() &&
        !guardian.start({box->cgroup_dirs(), box->stale_parents(), std::move(commit)}))
        attempt.errors.push_back("could not start the guardian: a killed supervisor may leave the tree running");
    return box;
}

// `guardian` is started here (or taken from `ready`); once the tree is reaped it is left
// the empty cgroups to remove and, when `commit` is set, the record to commit (see
// hand_over_record).
Attempt attempt_run(const std::vector<std::string>& command, const std::string& input, const policy::Resolved& resolved,
                    const std::string& backend, process::Guardian& guardian,
                    std::optional<store::HandedOverCommit> commit, process::ReadyRun* ready = nullptr) {
    // A hookwarden the hook starts knows it is nested (sandbox/confine.h); asked before we
    // name ourselves, so that it is our own supervisor that is looked for.
    sandbox::inside_hookwarden_run();
    ::setenv(sandbox::kSupervisorPidEnv, std::to_string(::getpid()).c_str(), 1);
    // Network, filesystem, environment, no_new_privs: prepared here, applied by the child.
    // Decided first: a refused run creates no cgroup at all.
    auto confine = sandbox::prepare(resolved.sandbox, ::environ);
    if (!confine->refusal.empty()) {
        // "unavailable": "refuse": not started; a spawn_error that on_failure answers.
        Attempt refused = not_started(Outcome::spawn_error,
                                      "sandbox: " + confine->refusal + " (policy: \"unavailable\": \"refuse\")");
        refused.confinement = confine->report;
        refused.supervised.spawn_error = EOPNOTSUPP;
        refused.supervised.spawn_stage = "sandbox (" + confine->refusal + ")";
        return refused;
    }
    Attempt attempt;
    auto box = sandbox_for(backend, resolved.limits, ready, guardian, std::move(commit), confine->child.new_pid_ns,
                           attempt);
    if (!box) {
        attempt.confinement = confine->report;
        attempt.outcome = process::classify(attempt.supervised);
        return attempt;
    }
    for (const auto& what : confine->report.unavailable)
        spdlog::warn("sandbox: {}; running without it (policy: \"unavailable\": \"run\")", what);
    process::become_subreaper();
    attempt.supervised = process::supervise(command, input, resolved.limits, *box, [&](int pid, int mount_ns) { guardian.watch(pid, mount_ns); },
                                            &confine->child, guardian.watch_fd());
    if (attempt.supervised.guardian_lost) {
        guardian.lost();
        attempt.errors.push_back("the guardian died during the run (killed?); the hook's tree was killed");
    }
    // Removing the cgroups is the guardian's once we answered, unless it is not there.
    if (guardian.active() && attempt.supervised.tree_reaped)
        box->disown();
    else
        box->destroy();
    confine->finish();
    attempt.confinement = confine->report;
    if (attempt.supervised.supervisor_signal)
        attempt.errors.push_back("hookwarden received signal " + std::to_string(*attempt.supervised.supervisor_signal));
    if (!attempt.supervised.tree_reaped) attempt.errors.push_back("processes of the hook survived SIGKILL for 250 ms (uninterruptible sleep?); the guardian kills them");
    attempt.outcome = process::classify(attempt.supervised);
    return attempt;
}

// The specifics a person needs to act on a degraded answer.
std::string failure_detail(const Attempt& attempt, const Limits& limits, const std::vector<std::string>& command,
                           const std::string& last_error) {
    const auto& s = attempt.supervised;
    switch (attempt.outcome) {
        case Outcome::timeout:
            return std::to_string(limits.timeout_ms) + " ms";
        case Outcome::oom:
            return "limit " + std::to_string(limits.memory_mb) + " MB";
        case Outcome::crash:
            return "signal " + std::to_string(s.signal.value_or(0)) + ", " + ::strsignal(s.signal.value_or(0));
        case Outcome::output_overflow:
            return std::to_string(std::max(s.out.bytes, s.err.bytes)) + " bytes, limit " +
                   std::to_string(limits.output_kb) + " KB";
        case Outcome::spawn_error:
            return command.empty() ? std::string("no command")
                                   : command.front() + ": " + s.spawn_stage + ": " + std::strerror(s.spawn_error);
        default:
            return last_error;
    }
}

// Phase 4: what the agent is told. The hook's own answer, relayed unchanged, or the
// degradation policy's: a fixed answer or a fallback command run in the hook's place.
struct Verdict {
    agents::Answer answer;
    Answer answered_by = Answer::own;  // RunRecord::answer
    std::vector<std::string> errors;
    double fallback_wall_ms = 0;      // not hookwarden's overhead: the fallback's own time
};

agents::FailedRun failed_run(const Invocation& inv, const std::string& hook, Outcome outcome, const std::string& detail) {
    return {inv.info.event, hook, outcome, detail, inv.info.stop_hook_active};
}

Verdict run_fallback(const Invocation& inv, const std::string& hook, const policy::Resolved& resolved,
                     const std::string& backend, Outcome failed, const std::string& detail) {
    Verdict verdict;
    verdict.answered_by = Answer::fallback;
    process::Guardian fallback_guardian;
    Attempt fallback = attempt_run(resolved.on_failure.fallback_command, inv.input, resolved, backend,
                                   fallback_guardian, std::nullopt);
    verdict.fallback_wall_ms = fallback.supervised.wall_ms;
    for (const auto& error : fallback.errors) verdict.errors.push_back("fallback command: " + error);
    if (is_own_answer(fallback.outcome)) {
        auto& s = fallback.supervised;
        verdict.answer = {*s.exit_code, std::move(s.out.data), std::move(s.err.data)};
        return verdict;
    }
    const std::string why = failure_detail(fallback, resolved.limits, resolved.on_failure.fallback_command,
                                           fallback.errors.empty() ? std::string() : fallback.errors.back());
    verdict.errors.push_back("fallback command " + std::string(to_string(fallback.outcome)) + (why.empty() ? "" : ": " + why));
    verdict.answer = agents::degrade(inv.info.agent, OnFailure{}, failed_run(inv, hook, failed, detail));
    verdict.answered_by = Answer::allow;
    return verdict;
}

Verdict decide(const Invocation& inv, const std::string& hook, const std::vector<std::string>& command,
               const policy::Resolved& resolved, const std::string& backend, Attempt& attempt,
               const std::string& last_error) {
    if (is_own_answer(attempt.outcome)) {
        auto& s = attempt.supervised;
        Verdict own;
        own.answer = {*s.exit_code, std::move(s.out.data), std::move(s.err.data)};
        return own;
    }
    const std::string detail = failure_detail(attempt, resolved.limits, command, last_error);
    const OnFailure& on_failure = resolved.on_failure;
    if (on_failure.action == FailureAction::fallback && !on_failure.fallback_command.empty())
        return run_fallback(inv, hook, resolved, backend, attempt.outcome, detail);
    Verdict degraded;
    degraded.answer = agents::degrade(inv.info.agent, on_failure, failed_run(inv, hook, attempt.outcome, detail));
    // The agent could not take the policy's action as such (Codex has no ask): the record
    // says what it was answered instead, and why.
    degraded.answered_by = degraded_answer(degraded.answer.substituted.value_or(on_failure.action));
    if (!degraded.answer.substitution_note.empty()) degraded.errors.push_back(degraded.answer.substitution_note);
    return degraded;
}

// The newest error of the lists, the last list first: what a degraded answer names.
template <typename... Lists>
std::string last_of(const Lists&... lists) {
    std::string last;
    ((last = lists.empty() ? last : lists.back()), ...);
    return last;
}

template <typename... Lists>
std::vector<std::string> concat(const Lists&... lists) {
    std::vector<std::string> all;
    (all.insert(all.end(), lists.begin(), lists.end()), ...);
    return all;
}

// The record of the run, made once from what each phase returned.
RunRecord make_record(const Invocation& inv, const std::string& hook, const std::vector<std::string>& command,
                      const policy::Resolved& resolved, const Admitted& admitted, const Attempt& attempt,
                      const Verdict& verdict, std::int64_t started_unix_ms) {
    const auto& s = attempt.supervised;
    const sandbox::Usage& usage = s.usage;
    // In RunRecord's declaration order. breaker_after comes with the commit, overhead_ms
    // once the answer is ready.
    return RunRecord{.time_unix_ms = started_unix_ms, .hook = hook, .event = inv.info.event,
                     .matcher_target = inv.info.matcher_target, .session_id = inv.info.session_id,
                     .command = command, .outcome = attempt.outcome, .answer = verdict.answered_by,
                     .exit_code = s.exit_code, .signal = s.signal, .wall_ms = s.wall_ms,
                     .cpu_user_ms = usage.cpu_user_ms, .cpu_sys_ms = usage.cpu_sys_ms,
                     .peak_memory_bytes = usage.peak_memory_bytes, .peak_memory_source = usage.peak_memory_source,
                     .oom_killed = usage.oom_killed, .leftovers_killed = s.leftovers_killed,
                     .limits = resolved.limits, .stdout_bytes = s.out.bytes, .stderr_bytes = s.err.bytes,
                     .stdout_truncated = s.out.truncated, .stderr_truncated = s.err.truncated,
                     .breaker_before = admitted.admission.state_before, .breaker_after = std::nullopt,
                     .backend = attempt.backend, .confinement = attempt.confinement, .overhead_ms = 0,
                     .errors = concat(inv.errors, admitted.errors, attempt.errors, verdict.errors),
                     .agent = inv.info.agent,
                     .served_by = inv.served_by};
}

// The record goes to the guardian, which commits it after we answered. A pending
// marker makes the next admission of this hook, and every reader, wait for it: made
// before the answer, because the agent may start the next run of this hook as soon as it
// has the answer, and that run's breaker must count this one. "" when there is no
// guardian to take the record, or no marker could be made: the record is then committed
// here.
std::string mark_record_pending(const process::Guardian& guardian, const std::string& state_dir,
                                const std::string& hook) {
    if (!guardian.active() || guardian.pid() <= 0) return "";
    std::string marker = store::pending_marker(state_dir, hook, guardian.pid());
    return store::mark_pending(marker).empty() ? marker : "";
}

// Marked: the guardian learns that the tree is reaped before the record exists (see
// Guardian::reaped), so a death of ours from here on is not a silent loss.
std::string mark_and_tell(process::Guardian& guardian, const std::string& state_dir, const std::string& hook) {
    std::string marker = mark_record_pending(guardian, state_dir, hook);
    if (!marker.empty()) guardian.reaped();
    return marker;
}

bool hand_over_record(process::Guardian& guardian, const std::string& marker, const RunRecord& record) {
    std::string payload = nlohmann::json(record).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (guardian.hand_over(payload)) return true;
    store::unmark_pending(marker);
    return false;
}

// One record per run, in the same transaction as the breaker update: committed by the
// guardian after we answered (`marker` made), or here when there is none to take it (or
// the caller wants the final record, breaker_after included, before answering).
void commit_record(RunRecord& record, const std::string& state_dir, const policy::Resolved& resolved,
                   const store::Admission& admission, process::Guardian& guardian, const std::string& marker) {
    if (!marker.empty() && hand_over_record(guardian, marker, record)) return;
    std::string store_error;
    auto store = store::Store::open(state_dir, store_error, no_wait());
    if (store) store_error += store->complete(record, resolved.breaker, admission, fs::now_unix_ms(), &resolved.alerts);
    if (!store_error.empty()) report_store_fault(store_error, record.errors);
}

// Phases 1 to 3 for one hook: admitted, then started and supervised, or why not.
struct Ran {
    Admitted admitted;
    Attempt attempt;
};

Ran admit_and_attempt(const Invocation& inv, const std::string& hook, const std::vector<std::string>& command,
                      const policy::Resolved& resolved, const std::string& backend, bool record_after_answer,
                      const std::string& state_dir, bool store_refused, process::Guardian& guardian,
                      process::ReadyRun* ready) {
    Ran ran;
    Admitted& admitted = ran.admitted;
    if (!store_refused) admitted = admit(state_dir, hook, resolved);
    if (inv.signal) {
        ran.attempt = not_started(Outcome::internal_error, "hookwarden received signal " + std::to_string(*inv.signal) +
                                                               " while reading the event; the hook was not started");
    } else if (!admitted.admission.run) {
        ran.attempt = not_started(Outcome::breaker_open, "breaker open; retry after " +
                                                             std::to_string(admitted.admission.retry_after_ms) + " ms");
    } else if (command.empty()) {
        ran.attempt = not_started(Outcome::spawn_error, "no command for hook '" + hook + "'");
    } else {
        std::optional<store::HandedOverCommit> commit;
        if (record_after_answer && !store_refused) {
            const policy::Policy* policy = inv.policy ? &*inv.policy : nullptr;
            commit = store::HandedOverCommit{state_dir, hook, resolved.breaker, admitted.admission,
                                             store::retention_of(policy ? policy->history : HistoryConfig{}),
                                             policy ? policy->otlp : std::nullopt, resolved.alerts};
        }
        ran.attempt = attempt_run(command, inv.input, resolved, backend, guardian, std::move(commit), ready);
    }
    return ran;
}

}  // namespace

Invocation begin_invocation(const std::string& policy_path, const std::string& event_override,
                            std::optional<Agent> agent, std::chrono::steady_clock::time_point process_start,
                            const StdinBound& stdin_bound) {
    Invocation inv;
    inv.process_start = process_start;
    inv.policy = load_policy(policy_path, inv.errors);
    const auto limit = stdin_bound(inv.policy ? &*inv.policy : nullptr);
    inv.signal = read_stdin(limit, inv.input, inv.errors);
    inv.info = agents::claude::parse_event(inv.input, event_override);
    if (!inv.info.is_json && !inv.input.empty()) {
        // The hook still gets the bytes unchanged; only hookwarden's view is limited.
        spdlog::info("input is not a JSON event ({}); the hook gets it unchanged", inv.info.parse_error);
        inv.errors.push_back("input is not a JSON event: " + inv.info.parse_error);
    }
    agents::resolve_agent(inv.info, agent, [](const char* name) -> const char* { return std::getenv(name); });
    if (inv.info.agent_source.rfind("default", 0) == 0 && !inv.input.empty())
        inv.errors.push_back("agent: " + inv.info.agent_source + "; answered as Claude Code");
    if (!inv.info.input_note.empty()) inv.errors.push_back(inv.info.input_note);
    return inv;
}

HookResult execute(const Invocation& inv, const std::string& hook, const std::vector<std::string>& command,
                   const policy::Resolved& resolved, const std::string& backend, bool record_after_answer,
                   process::ReadyRun* ready, const AnswerFirst& answer_first) {
    const std::int64_t started_unix_ms = fs::now_unix_ms();
    const std::string state_dir = store::default_state_dir();
    // A state directory someone else controls is not touched at all: no breaker, no
    // marker, no record (stderr and the --record file say why); the hook still runs.
    const std::string refused = store::refuse_state_dir(state_dir);
    process::Guardian guardian;
    Ran ran = admit_and_attempt(inv, hook, command, resolved, backend, record_after_answer, state_dir,
                                !refused.empty(), guardian, ready);
    if (!refused.empty()) report_store_fault(refused, ran.admitted.errors);
    Attempt& attempt = ran.attempt;

    Verdict verdict = decide(inv, hook, command, resolved, backend, attempt,
                             last_of(inv.errors, ran.admitted.errors, attempt.errors));
    HookResult result{{}, std::move(verdict.answer)};
    deliver_alert_notice(state_dir, hook, result.answer);
    const std::string marker = refused.empty() && record_after_answer && attempt.supervised.tree_reaped
                                   ? mark_and_tell(guardian, state_dir, hook)
                                   : std::string();
    // hookwarden's own time: everything since main() that was neither the hook nor the
    // fallback command, up to the answer being ready (docs/run.md "What overhead_ms measures").
    const double total_ms = std::chrono::duration<double, std::milli>(Clock::now() - inv.process_start).count();
    const double overhead_ms = total_ms - attempt.supervised.wall_ms - verdict.fallback_wall_ms;
    // The record goes to the guardian: the agent need not wait for it to be made.
    if (answer_first && !marker.empty()) {
        answer_first(result.answer, attempt.outcome);
        result.answered = true;
    }
    result.record = make_record(inv, hook, command, resolved, ran.admitted, attempt, verdict, started_unix_ms);
    result.record.overhead_ms = overhead_ms;
    if (refused.empty()) commit_record(result.record, state_dir, resolved, ran.admitted.admission, guardian, marker);
    return result;
}

namespace {

// An agent whose fail-closed switch is on blocks on every exit but 0 and 2. A hook's own
// exit 1 (or 3, ...) is a non-blocking error to that agent without the switch, which is
// what the hook was written against: it becomes exit 0, and its stdout, which the agent
// reads only on exit 0, is dropped. stderr stays for the agent's log.
void only_0_or_2(agents::claude::Answer& answer) {
    if (answer.exit_code == 0 || answer.exit_code == 2) return;
    answer.exit_code = 0;
    answer.stdout_data.clear();
}

// Once the answer is out, nothing of this process is for the agent any more: fds 0, 1 and
// 2 go to /dev/null, so that the agent (which reads its pipes to end of file) is not held
// by the work that follows, and a late message cannot reach it.
void let_go_of_agent() {
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    UniqueFd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!null_fd) return;
    for (int fd = 0; fd < 3; ++fd) ::dup2(null_fd.get(), fd);
}

// The final answer: written to fds 1 and 2 (if the agent went away there is no one left
// to tell: write errors are ignored), then `answered` told.
void give_answer(agents::Answer& answer, const RunOptions& options) {
    if (options.exit_0_or_2) only_0_or_2(answer);
    fs::write_all(1, answer.stdout_data);
    fs::write_all(2, answer.stderr_data);
    if (!options.answered) return;
    let_go_of_agent();
    options.answered(answer.exit_code);
}

}  // namespace

void set_admission_service(AdmissionService service) { admission_service() = std::move(service); }

int usage_error_exit_code() {
    std::string input;
    std::vector<std::string> errors;
    read_stdin(std::chrono::milliseconds(agents::kDefaultBuiltinTimeoutMs), input, errors);
    if (!agents::claude::parse_event(input).stop_hook_active) return 2;
    std::cerr << "hookwarden: exit 0, not 2: the agent is already continuing because of a Stop hook\n";
    return 0;
}

int run(const RunOptions& options, const ResolvedHook& on_resolved) {
    process::prepare_process();
    set_process_title("hookwarden run");  // argv holds the hook's command: see util/process_title.h
    const std::string hook = options.name.empty() ? naming::derive_name(options.command) : options.name;
    // stdin is awaited no longer than the hook itself may run.
    auto own_timeout = [&](const policy::Policy* policy) {
        return std::chrono::milliseconds(policy::resolve(policy, hook, options.event, options.limits).limits.timeout_ms);
    };
    Invocation inv =
        begin_invocation(options.policy_path, options.event, options.agent, options.process_start, own_timeout);
    inv.served_by = options.served_by;
    inv.errors.insert(inv.errors.end(), options.notes.begin(), options.notes.end());

    std::vector<std::string> command = options.command;
    const policy::Policy* policy = inv.policy ? &*inv.policy : nullptr;
    policy::Resolved resolved = policy::resolve(policy, hook, inv.info.event, options.limits);
    if (command.empty() && resolved.hook) command = resolved.hook->command;  // `run --name X`: the policy's command
    if (options.on_failure) resolved.on_failure.action = *options.on_failure;
    if (on_resolved) on_resolved(inv, hook, resolved);

    const bool record_after_answer = options.record_path.empty();
    auto give = [&options](agents::Answer& answer, Outcome) { give_answer(answer, options); };
    HookResult result = execute(inv, hook, command, resolved, options.backend, record_after_answer,
                                options.ready.get(), options.answered ? AnswerFirst(give) : AnswerFirst());
    if (!result.answered) {
        if (!options.record_path.empty()) {
            std::string text = nlohmann::json(result.record).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
            std::string error = fs::write_file_atomic(options.record_path, text + "\n", 0600);
            if (!error.empty()) spdlog::error("--record: {}", error);
        }
        give(result.answer, result.record.outcome);
    }
    for (const auto& e : result.record.errors) spdlog::debug("{}", e);
    return result.answer.exit_code;
}

}  // namespace hookwarden::core
