// The data a policy resolves to for one hook run. The policy module fills these in;
// the runner, the store/breakers and the reports only read them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace hookwarden {

// Enforced limits of one run. Every field is positive once resolved: a zero or
// negative limit is a configuration error, never "unlimited".
struct Limits {
    std::int64_t timeout_ms = 2000;
    std::int64_t kill_grace_ms = 200;
    std::int64_t memory_mb = 50;
    std::int64_t pids = 64;
    std::int64_t cpu_percent = 100;  // 100 = one full core; 200 = two cores
    std::int64_t output_kb = 1024;   // per stream (stdout and stderr each)
};

// One layer of the precedence chain (command line > hook > event > defaults > built-in).
struct LimitOverrides {
    std::optional<std::int64_t> timeout_ms, kill_grace_ms, memory_mb, pids, cpu_percent, output_kb;
    void apply_to(Limits& limits) const;
};

// Soft SLA budgets that `check` compares reports against.
struct Budgets {
    std::optional<double> p95_ms;  // unset: half the hook's timeout
    double error_rate = 0.05;
    std::int64_t timeouts = 0;
    std::int64_t oom = 0;
};

struct BreakerConfig {
    std::int64_t consecutive_failures = 5;
    double failure_rate = 0.5;
    std::int64_t window = 20;
    std::int64_t min_calls = 5;
    std::int64_t slow_call_ms = 1500;
    double slow_call_rate = 0.8;
    std::int64_t open_ms = 30000;
    std::int64_t max_open_ms = 600000;
    std::int64_t half_open_probes = 1;
};

// What answers the agent when the hook did not finish on its own.
enum class FailureAction { allow, block, ask, fallback };
const char* to_string(FailureAction action);
std::optional<FailureAction> failure_action_from_string(const std::string& text);

// Per-hook confinement beyond the cgroup limits (docs/sandbox.md). Resolved per run like
// the limits; every field has a built-in default, so a policy without "sandbox" gets it.
enum class NetworkMode { host, none };
struct SandboxConfig {
    NetworkMode network = NetworkMode::host;  // none: fresh network namespace, loopback only
    bool read_only = false;                   // Landlock: writes only under `writable`
    // Paths with $VAR / ${VAR} expanded at run time; an unset variable drops the entry.
    std::vector<std::string> writable{"$CLAUDE_PROJECT_DIR", "$TMPDIR", "/tmp"};
    std::vector<std::string> env_allow;  // glob patterns of names; empty = every variable
    std::vector<std::string> env_scrub;  // glob patterns removed after the allow-list
    bool no_new_privs = true;
    bool refuse_unavailable = true;  // "unavailable": "refuse" (default) or "run"
    // A root hook keeps CAP_SYS_ADMIN (it can then remount the cgroup filesystem
    // writable and lift its limits: docs/security.md). Off by default.
    bool keep_cap_sys_admin = false;
    // The hook runs as pid 1 of its own PID namespace with /proc remounted: it sees only
    // its own tree and cannot name any process outside it (docs/sandbox.md). Off by default.
    bool pid_namespace = false;
};
const char* to_string(NetworkMode mode);

// One layer's partial sandbox settings; lists replace, they do not append.
struct SandboxOverrides {
    std::optional<NetworkMode> network;
    std::optional<bool> read_only, no_new_privs, refuse_unavailable, keep_cap_sys_admin, pid_namespace;
    std::optional<std::vector<std::string>> writable, env_allow, env_scrub;
    void apply_to(SandboxConfig& config) const;
};

struct OnFailure {
    FailureAction action = FailureAction::allow;
    // For `fallback`: either a fixed JSON answer printed on stdout with exit 0,
    // or a command run (unsupervised by breakers, but under the same limits).
    std::optional<std::string> fallback_output;  // serialized JSON
    std::vector<std::string> fallback_command;
};

// The policy's top-level `history` (docs/policy.md): how long runs are kept in detail and
// as hourly and daily aggregates (docs/records.md "History").
struct HistoryConfig {
    std::int64_t detailed_days = 30;
    std::int64_t max_records = 100000;
    std::int64_t hourly_days = 90;
    std::int64_t daily_days = 365;
};

// The policy's top-level `otlp` (docs/observability.md "OpenTelemetry"): continuous export
// of the records to an OTLP/HTTP collector, off the hook's answer path.
struct OtlpConfig {
    std::string endpoint;                        // http://HOST:PORT[/PATH]; /v1/traces and /v1/metrics are appended
    std::map<std::string, std::string> headers;  // sent with every request (e.g. Authorization)
    std::int64_t interval_ms = 10000;            // at most one export round per interval
    std::int64_t timeout_ms = 2000;              // per request: connect, send and response
    std::string service_name = "hookwarden";     // the resource's service.name
};

}  // namespace hookwarden
