// The record of one hook run (docs/records.md): what `run --record FILE` writes, what the
// store keeps, and what reports aggregate. Field names in JSON are the documented contract.
// The predicates below are the one vocabulary that stats, status, Prometheus, the HTML
// report and the breaker judge runs by.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "hookwarden/agent.h"
#include "hookwarden/breaker_state.h"
#include "hookwarden/policy_types.h"

namespace hookwarden {

enum class Outcome {
    ok,             // exit 0
    blocked,        // exit 2: the hook's own deliberate verdict
    error,          // any other exit code
    crash,          // killed by a signal hookwarden did not send
    timeout,        // hookwarden killed it at the deadline
    oom,            // the kernel's OOM killer hit the hook's cgroup
    spawn_error,    // not found, not executable, could not be set up
    breaker_open,   // not started: the breaker is open
    internal_error,  // hookwarden itself failed
    output_overflow  // exited 0 or 1 with more stdout or stderr than the output limit: its answer is incomplete
};

const char* to_string(Outcome outcome);
std::optional<Outcome> outcome_from_string(const std::string& text);
// Failures count against breakers and error rates: error, crash, timeout, oom, spawn_error,
// output_overflow.
bool is_failure(Outcome outcome);
// The run says something about the hook's health, so its breaker accounts it (a failure
// or not): all but a run skipped by an open breaker and hookwarden's own failure.
bool counts_for_breaker(Outcome outcome);
// The hook finished on its own: its answer is relayed unchanged.
bool is_own_answer(Outcome outcome);
// The run measured the hook's tree: its process was started (not refused by its breaker,
// not a spawn error) and timed. Only such runs have a latency, memory and CPU time worth
// aggregating. An internal_error without a wall time is hookwarden failing before the
// hook started, or losing the run with its worker (docs/serve.md): counting its 0 ms
// would make a hook look fast.
bool hook_measured(Outcome outcome, double wall_ms);
// The run judged the hook's own health, so it is in the denominator of the failure rate
// (docs/reports.md): every run except breaker_open (the hook was not given the chance)
// and internal_error (hookwarden failed, not the hook).
bool counts_in_failure_rate(Outcome outcome);

// Failures among the runs that judge a hook's health: the one failure rate of `status`
// FAIL%, `report`'s error_rate and ok_rate (1 - rate when any run was judged).
struct FailureRate {
    std::size_t failures = 0;
    std::size_t judged = 0;  // runs with counts_in_failure_rate(outcome)
    void add(Outcome outcome);
    double rate() const;     // 0 when no run was judged
};

// What answered the agent: the hook itself, or the degradation action of its policy.
// The strings ("own", "allow", "block", "ask", "fallback") are what JSON and the store hold.
enum class Answer { own, allow, block, ask, fallback };
const char* to_string(Answer answer);
std::optional<Answer> answer_from_string(const std::string& text);
// The answer a degradation action gives in the hook's place.
Answer degraded_answer(FailureAction action);
// The agent did not get the hook's own answer.
bool is_degraded(Answer answer);

// Which confinements beyond the cgroup limits were in force for the run (docs/sandbox.md).
struct Confinement {
    std::string network = "host";             // "host" or "none" (own network namespace, loopback only)
    std::string filesystem = "unrestricted";  // "unrestricted" or "landlock-abi-N" (writes only under `writable`)
    std::vector<std::string> writable;        // expanded paths writes were allowed under
    std::int64_t env_scrubbed = 0;            // variables withheld from the hook (allow-list + scrub)
    bool no_new_privs = false;
    std::string signals = "unscoped";  // "scoped-landlock-abi-N": the hook can signal only its own tree
    // "read-only": own cgroup, mount and IPC namespaces, every cgroup mount read-only;
    // "host": the cgroup filesystem as the supervisor sees it (docs/security.md)
    std::string cgroupfs = "host";
    std::string dev_shm = "host";        // "private": a tmpfs of the hook's own, gone with the run
    std::string cap_sys_admin = "kept";  // "dropped" from a root hook's bounding set, "kept", "not-root"
    // "private": pid 1 of its own PID namespace, /proc its own; "host"; "outer-run" (nested)
    std::string pid_namespace = "host";
    std::vector<std::string> unavailable;  // requested but not in force here, and why
    std::vector<std::string> notes;        // e.g. a writable entry dropped: its variable is unset
};

struct RunRecord {
    std::int64_t time_unix_ms = 0;  // when the run started (wall clock)
    std::string hook;               // the hook's identity (--name or derived)
    std::string event;              // hook_event_name, or --event
    std::string matcher_target;     // tool_name / source / reason / ... ("" when none)
    std::string session_id;
    std::vector<std::string> command;

    Outcome outcome = Outcome::internal_error;
    Answer answer = Answer::own;
    std::optional<int> exit_code;
    std::optional<int> signal;

    double wall_ms = 0;      // start request to reaped tree, monotonic
    double cpu_user_ms = 0;  // whole tree
    double cpu_sys_ms = 0;
    std::int64_t peak_memory_bytes = 0;
    std::string peak_memory_source;  // "cgroup-v2:memory.peak", "cgroup-v1:memory.max_usage_in_bytes", "rusage:maxrss-largest-process"
    bool oom_killed = false;
    std::int64_t leftovers_killed = 0;  // processes still in the tree when the main process exited

    Limits limits;
    std::int64_t stdout_bytes = 0;  // total produced, including the discarded part
    std::int64_t stderr_bytes = 0;
    bool stdout_truncated = false;
    bool stderr_truncated = false;

    std::optional<BreakerState> breaker_before;  // nullopt (JSON "") when unknown
    std::optional<BreakerState> breaker_after;
    std::string backend;            // cgroup-v2 / cgroup-v1 / none
    Confinement confinement;
    double overhead_ms = 0;         // supervisor total minus the hook's wall time
    std::vector<std::string> errors;  // what went wrong around the run (policy, store, spawn)
    Agent agent = Agent::claude;      // the agent that called (--agent, or detected: docs/agents.md)
    std::string served_by = "process";  // "process": run by the `run` process itself; "serve": by the daemon
};

// Sets record.answer from its JSON/database string. An answer this version does not know
// is kept visible in record.errors rather than silently read as the hook's own.
void read_answer(const std::string& text, RunRecord& record);

void to_json(nlohmann::json& out, const RunRecord& record);
void from_json(const nlohmann::json& in, RunRecord& record);
void to_json(nlohmann::json& out, const Confinement& confinement);
void from_json(const nlohmann::json& in, Confinement& confinement);
void to_json(nlohmann::json& out, const Limits& limits);
void from_json(const nlohmann::json& in, Limits& limits);

}  // namespace hookwarden
