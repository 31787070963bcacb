#!/bin/sh
# The exported alerting rules in Prometheus' own tool: `promtool check rules` on what
# `hookwarden export prometheus-rules` writes for the built-in alerts and for a policy
# that changes them per hook, and `promtool test rules` (unit tests of the rules:
# input series over time, the alerts expected at each moment) that each of the four
# fires and resolves. The shipped example configs are checked too.
# usage: rules_test.sh BUILD_DIR   (exit 77: promtool missing)
set -eu
build=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
hw="$build/hookwarden"
command -v promtool >/dev/null 2>&1 || { echo "skipped: promtool not found (apt-get install prometheus)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOOKWARDEN_STATE_DIR="$work/state"
echo '{"version": 1}' >"$work/builtin.json"
"$hw" export prometheus-rules --policy "$work/builtin.json" -o "$work/rules.yml"
promtool check rules "$work/rules.yml"

cat >"$work/per-hook.json" <<'JSON'
{"version": 1,
 "defaults": {"alerts": {"HookErrorRate": {"threshold": 0.1, "for": "2m"}}},
 "events": {"Stop": {"alerts": {"HookSlowP95": {"threshold": "500ms"}}}},
 "hooks": {"lint": {"event": "Stop", "command": ["true"],
                    "alerts": {"HookTimeout": false, "HookMemoryHigh": {"threshold": 0.9}}}}}
JSON
"$hw" export prometheus-rules --policy "$work/per-hook.json" -o "$work/per-hook.yml"
promtool check rules "$work/per-hook.yml"
# lint's own rules, and the defaults' rule for every other hook.
grep -q 'hookwarden_run_duration_seconds_bucket{hook=~`lint`}\[5m\]))) > 0.5' "$work/per-hook.yml"
grep -q 'hookwarden_run_peak_memory_ratio_bucket{hook=~`lint`,le="0.9"}' "$work/per-hook.yml"
grep -q 'hookwarden_last_timeout_timestamp_seconds{hook!~`lint`} < 300' "$work/per-hook.yml"
[ "$(grep -c 'alert: HookTimeout' "$work/per-hook.yml")" -eq 1 ]
# ... and the metrics carry the thresholds as bucket bounds.
"$hw" export prometheus --policy "$work/per-hook.json" >/dev/null

sed "s|RULES_FILE|$work/rules.yml|" "$root/tests/prometheus/rules_unit.yml" >"$work/rules_unit.yml"
promtool test rules "$work/rules_unit.yml"

# The shipped examples: Prometheus' config (with its rule file) and Alertmanager's.
mkdir -p "$work/etc"
cp "$root/packaging/prometheus/prometheus.yml" "$work/etc/prometheus.yml"
cp "$work/rules.yml" "$work/etc/hookwarden-rules.yml"
promtool check config "$work/etc/prometheus.yml"
if command -v amtool >/dev/null 2>&1; then
    amtool check-config "$root/packaging/prometheus/alertmanager.yml"
else
    echo "note: amtool not found (apt-get install prometheus-alertmanager); alertmanager.yml not checked"
fi
echo "rules: check and unit tests passed"
