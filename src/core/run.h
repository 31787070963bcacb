// The path of one hook run (`hookwarden run`), and the pieces `dispatch` shares with it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hookwarden/policy_types.h"
#include "hookwarden/run_record.h"
#include "policy/policy.h"
#include "agents/adapter.h"
#include "hookwarden/agent.h"
#include "store/store.h"

namespace hookwarden::process {
class ReadyRun;
}

namespace hookwarden::core {

struct RunOptions {
    std::vector<std::string> command;
    std::string name;         // "" = derived from the command
    std::string policy_path;  // "" = discovered
    std::string event;        // "" = hook_event_name of the input
    std::optional<Agent> agent;  // --agent; nullopt = detected from the input (docs/agents.md)
    LimitOverrides limits;    // from the command line
    std::optional<FailureAction> on_failure;
    std::string backend = "auto";
    std::string record_path;  // also write the record here, as one JSON object
    // The agent's fail-closed switch is on for this hook (`install` writes the flag with
    // it): answer with exit 0 or 2 only, see only_0_or_2.
    bool exit_0_or_2 = false;
    std::chrono::steady_clock::time_point process_start;
    std::string served_by = "process";  // RunRecord::served_by: "serve" in a daemon's worker
    // A sandbox and guardian made ahead (a ready worker of `serve`), used when the run fits
    // it (process/ready.h); nullptr: the run makes its own.
    std::shared_ptr<process::ReadyRun> ready;
    std::vector<std::string> notes;      // for the record's errors (a worker's hand-over notes)
    // Called exactly once, when set, right after the final answer was written to fds 1 and
    // 2, with its exit code (a daemon's worker sends its client the verdict here). When the
    // record goes to the guardian, what the answer does not need (making the record, its
    // JSON, the hand-over) then happens after this call, with fds 0, 1 and 2 on /dev/null
    // so that the agent's pipes are not held; the pending marker comes before it.
    std::function<void(int exit_code)> answered;
};

// What every hook of one invocation shares: the agent's input and the policy.
struct Invocation {
    std::string input;
    agents::EventInfo info;  // with the agent that sent it
    std::optional<policy::Policy> policy;  // nullopt: built-in defaults
    std::vector<std::string> errors;       // about the input or the policy, copied into records
    std::optional<int> signal;             // the agent's signal that ended the wait for stdin
    std::chrono::steady_clock::time_point process_start;
    std::string served_by = "process";     // RunRecord::served_by
};

// How long to wait for the agent to close stdin, given the policy (nullptr: built-in).
using StdinBound = std::function<std::chrono::milliseconds(const policy::Policy*)>;

// Loads the policy, reads stdin (bounded by `stdin_bound`, interruptible by the agent's
// signals) and parses the event. A broken policy is reported on stderr and leaves the
// built-in defaults in force: never weaker enforcement.
// `agent` is `--agent` (nullopt: detected from the event and the environment).
Invocation begin_invocation(const std::string& policy_path, const std::string& event_override,
                            std::optional<Agent> agent, std::chrono::steady_clock::time_point process_start,
                            const StdinBound& stdin_bound);

struct HookResult {
    RunRecord record;
    agents::Answer answer;
    bool answered = false;  // `answer_first` gave the answer already (execute)
};

// Gives the agent the answer (`answer` may still be changed, see only_0_or_2) of a run that
// ended as `outcome`, before the record is made.
using AnswerFirst = std::function<void(agents::Answer& answer, Outcome outcome)>;

// One hook, start to finish: breaker, sandbox, supervision, classification, the
// degradation answer, and the record with the breaker update. With
// `record_after_answer` the record is committed by the run's guardian once we have
// exited (the returned record then lacks breaker_after); without, before returning.
// `ready` (optional): a ready run the hook's sandbox and guardian are taken from when it fits.
// `answer_first` (optional): when the record goes to the guardian, called with the answer as
// soon as it is decided, with this hook's pending marker already made (so the next run of
// the hook waits for this record), and the record is made and handed over after it
// (HookResult::answered). Not called otherwise: the caller answers after the return.
HookResult execute(const Invocation& invocation, const std::string& hook, const std::vector<std::string>& command,
                   const policy::Resolved& resolved, const std::string& backend, bool record_after_answer,
                   process::ReadyRun* ready = nullptr, const AnswerFirst& answer_first = {});

// Called once the event is read and its limits resolved, before the hook starts (a
// daemon's worker tells its client here what to answer should the worker die).
using ResolvedHook = std::function<void(const Invocation&, const std::string& hook, const policy::Resolved&)>;

// Where a daemon's worker takes a breaker admission rather than opening the store itself
// (serve/breakers.h). nullopt from it: the store is opened here, as without a daemon.
using AdmissionService = std::function<std::optional<store::Admission>(
    const std::string& state_dir, const std::string& hook, const BreakerConfig& config, std::int64_t now_ms,
    std::int64_t probe_ttl_ms)>;
// For this process and the supervisors it forks (dispatch's).
void set_admission_service(AdmissionService service);

// `hookwarden run`. Returns the exit code for the agent; writes the agent's stdout/stderr.
int run(const RunOptions& options, const ResolvedHook& on_resolved = {});

// The exit code of a usage error of `run` or `dispatch` (bad options, a missing command),
// which the agent reads as the hook's answer: 2, which blocks, so that a misconfigured
// guard fails closed; 0 when the event on stdin (read within the built-in timeout) has
// `stop_hook_active`, where blocking again would keep the agent from ever stopping.
int usage_error_exit_code();

}  // namespace hookwarden::core
