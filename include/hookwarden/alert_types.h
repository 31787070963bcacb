// The alert rules a policy resolves to for one hook (docs/observability.md). The policy
// module fills them in; local evaluation (src/alerts/), the store's firing state and the
// Prometheus rules export only read them. The names are what the policy, `hookwarden
// alerts`, the systemMessage and the exported rules carry; they never change.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hookwarden {

enum class AlertKind {
    slow_p95,     // HookSlowP95: nearest-rank p95 of the wall time over the window > threshold ms
    memory_high,  // HookMemoryHigh: a run's peak memory > threshold × its memory limit in the window
    error_rate,   // HookErrorRate: FailureRate over the window > threshold
    timeout       // HookTimeout: more than `threshold` timeouts in the window (default: any)
};
inline constexpr std::size_t kAlertKinds = 4;

// "HookSlowP95", "HookMemoryHigh", "HookErrorRate", "HookTimeout".
const char* alert_name(AlertKind kind);
std::optional<AlertKind> alert_from_name(const std::string& name);
const std::array<AlertKind, kAlertKinds>& all_alert_kinds();

// Where a firing alert is also told, beyond `hookwarden alerts` and the systemMessage:
// run by `hookwarden alerts --notify`, never on a hook's answer path.
struct AlertNotify {
    std::vector<std::string> command;  // program and arguments; empty = none
    std::string webhook;               // http://host:port/path; "" = none
};

struct AlertRule {
    AlertKind kind = AlertKind::timeout;
    bool enabled = true;
    // slow_p95: milliseconds; memory_high: fraction of the limit (0.8); error_rate: a
    // rate (0.05); timeout: a count of timeouts the window may hold without firing (0).
    double threshold = 0;
    std::int64_t window_ms = 0;  // the condition looks at the runs of the last window
    std::int64_t for_ms = 0;     // it must hold this long before the alert fires
    AlertNotify notify;
};

// The built-in rules (docs/observability.md): p95 > 2 s over 5 min for 5 min; peak memory
// > 80 % of the limit over 2 min for 2 min; failure rate > 5 % over 5 min for 1 min; any
// timeout in the last 5 min, at once.
AlertRule builtin_alert(AlertKind kind);

// One per kind, indexed by static_cast<size_t>(kind).
using AlertRules = std::array<AlertRule, kAlertKinds>;
AlertRules builtin_alerts();

// One layer's partial settings for one rule; unset fields fall through.
struct AlertOverride {
    std::optional<bool> enabled;
    std::optional<double> threshold;
    std::optional<std::int64_t> window_ms, for_ms;
    std::optional<AlertNotify> notify;
    void apply_to(AlertRule& rule) const;
};
using AlertOverrides = std::array<AlertOverride, kAlertKinds>;

}  // namespace hookwarden
