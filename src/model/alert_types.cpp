#include "hookwarden/alert_types.h"

#include "hookwarden/enum_names.h"

namespace hookwarden {

namespace {
constexpr EnumNames<AlertKind, kAlertKinds> kAlertNames{{{AlertKind::slow_p95, "HookSlowP95"},
                                                         {AlertKind::memory_high, "HookMemoryHigh"},
                                                         {AlertKind::error_rate, "HookErrorRate"},
                                                         {AlertKind::timeout, "HookTimeout"}}};
constexpr std::int64_t kMinute = 60'000;
}  // namespace

const char* alert_name(AlertKind kind) { return name_in(kAlertNames, kind, "HookTimeout"); }

std::optional<AlertKind> alert_from_name(const std::string& name) { return value_in(kAlertNames, name); }

const std::array<AlertKind, kAlertKinds>& all_alert_kinds() {
    static const std::array<AlertKind, kAlertKinds> kinds{AlertKind::slow_p95, AlertKind::memory_high,
                                                          AlertKind::error_rate, AlertKind::timeout};
    return kinds;
}

AlertRule builtin_alert(AlertKind kind) {
    switch (kind) {
        case AlertKind::slow_p95: return {kind, true, 2000, 5 * kMinute, 5 * kMinute, {}};
        case AlertKind::memory_high: return {kind, true, 0.8, 2 * kMinute, 2 * kMinute, {}};
        case AlertKind::error_rate: return {kind, true, 0.05, 5 * kMinute, 1 * kMinute, {}};
        case AlertKind::timeout: return {kind, true, 0, 5 * kMinute, 0, {}};
    }
    return {};
}

AlertRules builtin_alerts() {
    AlertRules rules;
    for (AlertKind kind : all_alert_kinds()) rules[static_cast<std::size_t>(kind)] = builtin_alert(kind);
    return rules;
}

void AlertOverride::apply_to(AlertRule& rule) const {
    if (enabled) rule.enabled = *enabled;
    if (threshold) rule.threshold = *threshold;
    if (window_ms) rule.window_ms = *window_ms;
    if (for_ms) rule.for_ms = *for_ms;
    if (notify) rule.notify = *notify;
}

}  // namespace hookwarden
