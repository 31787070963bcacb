// `hookwarden export prometheus-rules` (docs/observability.md): the policy's alert rules
// as a Prometheus alerting-rules file over the metrics `export prometheus` writes, so
// that a fleet's Prometheus and Alertmanager decide what `hookwarden alerts` decides.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "policy/policy.h"
#include "report/render.h"

namespace hookwarden::report {

// `hooks`: (hook, event) pairs whose rules may differ from the defaults (the policy's
// hooks and the hooks seen in the records). Hooks with the same rule share one
// Prometheus rule; the defaults' rule matches every other hook.
std::string render_prometheus_rules(const policy::Policy* policy,
                                    const std::vector<std::pair<std::string, std::string>>& hooks,
                                    const std::string& source);

// The bounds the metrics need for these rules' thresholds to be bucket bounds.
PrometheusBounds alert_bounds(const policy::Policy* policy,
                              const std::vector<std::pair<std::string, std::string>>& hooks);

}  // namespace hookwarden::report
