// What fires now (docs/observability.md), for `alerts` and `status`: the policy's rules
// evaluated over the store's records at the present time, and their rendering.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "alerts/alerts.h"
#include "policy/policy.h"

namespace hookwarden::cmd {

struct AlertView {
    bool ok = true;  // false: the policy or the store was unusable (said on `err`)
    std::vector<alerts::HookAlert> active;  // pending and firing
    std::size_t firing = 0;
    std::int64_t now_ms = 0;
};
// The rules of `policy_path` ("" = discovered; none = built-in) over the records of the
// store in `state_dir` that the widest rule can need.
AlertView current_alerts(const std::string& policy_path, const std::string& state_dir, std::int64_t now_ms,
                         std::ostream& err);
// The widest look-back any rule of `policy` (nullptr: built-in) needs.
std::int64_t alerts_lookback_ms(const policy::Policy* policy);

std::string render_alerts_table(const AlertView& view);
std::string render_alerts_json(const AlertView& view);

}  // namespace hookwarden::cmd
