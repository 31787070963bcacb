#include "hookwarden/policy_types.h"

#include "hookwarden/enum_names.h"

#include <array>
#include <utility>

namespace hookwarden {

void LimitOverrides::apply_to(Limits& limits) const {
    if (timeout_ms) limits.timeout_ms = *timeout_ms;
    if (kill_grace_ms) limits.kill_grace_ms = *kill_grace_ms;
    if (memory_mb) limits.memory_mb = *memory_mb;
    if (pids) limits.pids = *pids;
    if (cpu_percent) limits.cpu_percent = *cpu_percent;
    if (output_kb) limits.output_kb = *output_kb;
}

const char* to_string(NetworkMode mode) { return mode == NetworkMode::none ? "none" : "host"; }

void SandboxOverrides::apply_to(SandboxConfig& config) const {
    if (network) config.network = *network;
    if (read_only) config.read_only = *read_only;
    if (writable) config.writable = *writable;
    if (env_allow) config.env_allow = *env_allow;
    if (env_scrub) config.env_scrub = *env_scrub;
    if (no_new_privs) config.no_new_privs = *no_new_privs;
    if (refuse_unavailable) config.refuse_unavailable = *refuse_unavailable;
    if (keep_cap_sys_admin) config.keep_cap_sys_admin = *keep_cap_sys_admin;
    if (pid_namespace) config.pid_namespace = *pid_namespace;
}

namespace {
constexpr EnumNames<FailureAction, 4> kActionNames{{
    {FailureAction::allow, "allow"}, {FailureAction::block, "block"}, {FailureAction::ask, "ask"},
    {FailureAction::fallback, "fallback"}}};
}

const char* to_string(FailureAction action) { return name_in(kActionNames, action, "allow"); }

std::optional<FailureAction> failure_action_from_string(const std::string& text) {
    return value_in(kActionNames, text);
}

}  // namespace hookwarden
