#include "cmd/run_serve.h"

#include <algorithm>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "process/ready.h"
#include "sandbox/confine.h"
#include "serve/breakers.h"
#include "serve/client.h"
#include "serve/worker.h"
#include "store/store.h"
#include "util/fs.h"
#include "util/hook_name.h"

namespace hookwarden::cmd {

namespace {

// The hand-off offer_before_parsing made, if it made one: the commands then act on it
// instead of offering the run a second time.
std::optional<serve::HandOff> g_offered;

// How long the client waits for the verdict before it answers by policy itself: the
// run's own bound (a fallback command may take a second one), plus slack for the commit.
std::int64_t verdict_bound_ms(const policy::Resolved& resolved) {
    const std::int64_t one = resolved.limits.timeout_ms + resolved.limits.kill_grace_ms;
    const bool fallback = resolved.on_failure.action == FailureAction::fallback;
    return one * (fallback ? 2 : 1) + 2000;
}

// The record of a served run that ended without its hook's answer, as the client (or
// the http front) commits it: hookwarden failed, the agent was answered by the policy.
// No wall time: nothing of the hook's was measured (docs/reports.md, measured runs).
RunRecord lost_record(const std::string& hook, const agents::EventInfo& info, const std::vector<std::string>& command,
                      const policy::Resolved& resolved, const agents::Answer& answer, const std::string& why) {
    RunRecord record;
    record.hook = hook;
    record.event = info.event;
    record.matcher_target = info.matcher_target;
    record.session_id = info.session_id;
    record.command = command;
    record.outcome = Outcome::internal_error;
    record.answer = degraded_answer(answer.substituted.value_or(resolved.on_failure.action));
    record.limits = resolved.limits;
    record.errors.push_back("serve: " + why + "; answered by the hook's policy");
    if (!answer.substitution_note.empty()) record.errors.push_back(answer.substitution_note);
    record.agent = info.agent;
    record.served_by = "serve";
    return record;
}

// Commits a record no worker will make, from the client: its time is the client's
// start, its overhead all the client took. Internal errors never move a breaker, so no
// breaker settings are needed; the hook's alerts are stepped by its next record.
void commit_lost_record(RunRecord record, std::chrono::steady_clock::time_point process_start) {
    const auto took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - process_start);
    record.time_unix_ms = fs::now_unix_ms() - static_cast<std::int64_t>(took.count());
    record.overhead_ms = took.count();
    const std::string state_dir = store::default_state_dir();
    std::string error = store::refuse_state_dir(state_dir);
    if (error.empty())
        if (auto store = store::Store::open(state_dir, error)) error = store->complete(record, BreakerConfig{}, store::Admission{}, fs::now_unix_ms());
    if (!error.empty()) spdlog::error("serve: the record of the lost run of '{}': {}", record.hook, error);
}

// The armed answer was given (the worker is gone): its record, if it armed one.
void commit_armed_record(const std::optional<RunRecord>& record, std::chrono::steady_clock::time_point process_start) {
    if (record) commit_lost_record(*record, process_start);
}

// In a worker: before the hook starts, the client learns the answer to give should we
// die, and the record to commit then.
void arm_client(const core::Invocation& inv, const std::string& hook, const policy::Resolved& resolved,
                std::vector<std::string> command) {
    const std::string why = "the hookwarden daemon's worker ended before the hook's answer";
    auto answer = agents::degrade(inv.info.agent, resolved.on_failure,
                                  {inv.info.event, hook, Outcome::internal_error, why, inv.info.stop_hook_active});
    if (command.empty() && resolved.hook) command = resolved.hook->command;  // `run --name X`
    serve::arm(serve::wire::Armed{answer.exit_code, answer.stdout_data, answer.stderr_data, verdict_bound_ms(resolved),
                                  lost_record(hook, inv.info, command, resolved, answer,
                                              "the daemon's worker ended before the hook's answer")});
}

// The worker took stdin and died before the hook started: the client answers by the
// policy it finds itself (the event is gone with the worker, so --event is all it knows),
// and records the run.
int answer_lost_run(const core::RunOptions& options, const std::string& why,
                    std::chrono::steady_clock::time_point process_start) {
    const std::string hook = options.name.empty() ? naming::derive_name(options.command) : options.name;
    std::optional<policy::Policy> loaded;
    if (auto path = policy::discover(options.policy_path)) loaded = std::move(policy::load_file(*path).policy);
    policy::Resolved resolved = policy::resolve(loaded ? &*loaded : nullptr, hook, options.event, options.limits);
    if (options.on_failure) resolved.on_failure.action = *options.on_failure;
    // The event went with the worker: the agent is --agent, else what the environment
    // says (GEMINI_SESSION_ID, ...), else Claude Code, as for an unreadable event.
    agents::EventInfo info;
    info.event = options.event;
    agents::resolve_agent(info, options.agent, [](const char* name) -> const char* { return std::getenv(name); });
    auto answer = agents::degrade(info.agent, resolved.on_failure, {options.event, hook, Outcome::internal_error, why});
    fs::write_all(1, answer.stdout_data);
    fs::write_all(2, answer.stderr_data);
    std::vector<std::string> command = options.command;
    if (command.empty() && resolved.hook) command = resolved.hook->command;
    commit_lost_record(lost_record(hook, info, command, resolved, answer, why), process_start);
    return answer.exit_code;
}

// The longest a dispatch may take once its hooks are known: they run `jobs` at a time,
// so at most ceil(n / jobs) rounds of the longest hook's own bound.
std::int64_t dispatch_bound_ms(const core::Invocation& inv, const std::vector<const policy::HookEntry*>& hooks,
                               int jobs) {
    const policy::Policy* policy = inv.policy ? &*inv.policy : nullptr;
    std::int64_t longest = 0;
    for (const auto* hook : hooks)
        longest = std::max(longest, verdict_bound_ms(policy::resolve(policy, hook->name, inv.info.event, {})) - 2000);
    const auto n = static_cast<std::int64_t>(hooks.size());
    const std::int64_t rounds = (n + std::max(1, jobs) - 1) / std::max(1, jobs);
    return longest * rounds + 2000;
}

// In a dispatch worker: should it die, the client answers as dispatch answers when no
// hook answered on its own: every matched hook's degradation policy, merged (a
// fail-closed hook among them blocks).
void arm_dispatch_client(const core::Invocation& inv, const std::vector<const policy::HookEntry*>& hooks, int jobs) {
    auto answer = core::all_failed_answer(inv, hooks, "the hookwarden daemon's worker ended before the hooks' answer");
    serve::arm(serve::wire::Armed{answer.exit_code, answer.stdout_data, answer.stderr_data,
                                  dispatch_bound_ms(inv, hooks, jobs)});
}

// The dispatch worker took stdin and died before it matched the hooks: the event is
// gone, so the hooks that could have matched are every hook of --event (whatever their
// matcher), or without --event every hook of the policy; their failures merged.
int answer_lost_dispatch(const core::DispatchOptions& options, const std::string& why) {
    core::Invocation inv;
    if (auto path = policy::discover(options.policy_path)) inv.policy = std::move(policy::load_file(*path).policy);
    inv.info.event = options.event;
    agents::resolve_agent(inv.info, options.agent, [](const char* name) -> const char* { return std::getenv(name); });
    std::vector<const policy::HookEntry*> hooks;
    if (inv.policy && !options.event.empty()) hooks = policy::hooks_for_event(*inv.policy, options.event);
    if (inv.policy && options.event.empty())
        for (const auto& hook : inv.policy->hooks) hooks.push_back(&hook);
    auto answer = core::all_failed_answer(inv, hooks, why);
    fs::write_all(1, answer.stdout_data);
    fs::write_all(2, answer.stderr_data);
    return answer.exit_code;
}

// The client's side: the daemon's exit code once it answered; the answer `lost` gives
// when the worker took stdin and died before the hook started; nullopt to run in-process.
// A daemon that was there but did not take the run leaves `notes` a line for the record.
template <typename LostAnswer>
std::optional<int> hand_off_to_daemon(const Invocation& invocation, const LostAnswer& lost,
                                      std::vector<std::string>& notes) {
    serve::HandOff handed = g_offered ? *g_offered : serve::hand_off(invocation.argv, invocation.process_start);
    switch (handed.served) {
        case serve::Served::answered:
            commit_armed_record(handed.unrecorded, invocation.process_start);
            return handed.exit_code;
        case serve::Served::lost_before_start:
            return lost(handed.why);
        case serve::Served::no:
            break;
    }
    spdlog::debug("serve: in-process: {}", handed.why);
    if (handed.daemon_reached) notes.push_back("serve: the daemon did not take the run (" + handed.why + "); ran in-process");
    return std::nullopt;
}

}  // namespace

std::optional<int> offer_before_parsing(int argc, char** argv, std::chrono::steady_clock::time_point process_start) {
    if (serve::in_worker()) return std::nullopt;
    // A hookwarden in a hook stays inside that hook's run, held by its limits (the
    // daemon refuses such a client anyway: serve/peer.h; this saves the round trip).
    if (sandbox::inside_hookwarden_run()) {
        g_offered = serve::HandOff{serve::Served::no, 0, "nested in another hookwarden run"};
        return std::nullopt;
    }
    g_offered = serve::hand_off(std::vector<std::string>(argv, argv + argc), process_start);
    if (g_offered->served != serve::Served::answered) return std::nullopt;
    commit_armed_record(g_offered->unrecorded, process_start);
    return g_offered->exit_code;
}

std::optional<int> dispatch_through_daemon(const Invocation& invocation, core::DispatchOptions& options) {
    if (serve::in_worker()) {
        core::set_admission_service(serve::ask_breaker_keeper);
        options.served_by = "serve";
        options.notes = serve::hand_over_notes();
        const int jobs = options.jobs;
        options.on_matched = [jobs](const core::Invocation& inv, const std::vector<const policy::HookEntry*>& hooks) {
            arm_dispatch_client(inv, hooks, jobs);
        };
        options.in_supervisor = serve::leave_client;
        options.answered = serve::answered;
        return std::nullopt;
    }
    return hand_off_to_daemon(
        invocation, [&](const std::string& why) { return answer_lost_dispatch(options, why); }, options.notes);
}

std::optional<int> run_through_daemon(const Invocation& invocation, core::RunOptions& options,
                                      core::ResolvedHook& on_resolved) {
    if (serve::in_worker()) {
        core::set_admission_service(serve::ask_breaker_keeper);
        options.served_by = "serve";
        options.ready = process::held_ready();  // a ready worker's sandbox and guardian, made ahead
        options.notes = serve::hand_over_notes();
        on_resolved = [command = options.command](const core::Invocation& inv, const std::string& hook,
                                                  const policy::Resolved& resolved) { arm_client(inv, hook, resolved, command); };
        options.answered = serve::answered;
        return std::nullopt;
    }
    return hand_off_to_daemon(
        invocation, [&](const std::string& why) { return answer_lost_run(options, why, invocation.process_start); }, options.notes);
}

}  // namespace hookwarden::cmd
