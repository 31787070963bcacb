#!/bin/sh
# The fleet path end to end, all real and on loopback: a hook run that times out under
# `hookwarden run`, `hookwarden export prometheus` into node_exporter's textfile
# collector, Prometheus scraping it and evaluating `hookwarden export prometheus-rules`,
# and Alertmanager receiving HookTimeout. Short scrape and evaluation intervals, so it
# takes seconds.
# usage: e2e.sh BUILD_DIR   (exit 77: prometheus, alertmanager, node_exporter or curl missing)
set -u
build=$1
hw="$build/hookwarden"
for tool in prometheus prometheus-alertmanager prometheus-node-exporter curl python3; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "skipped: $tool not found (packaging/install-deps.sh installs it)"
        exit 77
    }
done
work=$(mktemp -d)
pids=""
cleanup() {
    for pid in $pids; do kill "$pid" 2>/dev/null; done
    for pid in $pids; do wait "$pid" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    for log in "$work"/*.log; do echo "--- $log"; tail -20 "$log"; done
    exit 1
}

# Three free loopback ports.
set -- $(python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')
node_port=$1 am_port=$2 prom_port=$3

export HOOKWARDEN_STATE_DIR="$work/state"
export HOOKWARDEN_POLICY="$work/policy.json"
echo '{"version": 1}' >"$HOOKWARDEN_POLICY"
mkdir -p "$work/textfile"

# A real run that hookwarden kills at its timeout.
echo '{"session_id":"e2e","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}}' |
    "$hw" run --name hung-hook --timeout 200 -- sleep 5 >/dev/null || fail "hookwarden run failed"
"$hw" export prometheus -o "$work/textfile/hookwarden.prom" || fail "export prometheus"
grep -q '^hookwarden_runs_total{hook="hung-hook",outcome="timeout"} 1$' "$work/textfile/hookwarden.prom" ||
    fail "the export has no timeout: $(cat "$work/textfile/hookwarden.prom")"
"$hw" export prometheus-rules -o "$work/rules.yml" || fail "export prometheus-rules"

cat >"$work/alertmanager.yml" <<YAML
route:
  receiver: hook-owners
  group_by: [alertname, hook]
  group_wait: 1s
receivers:
  - name: hook-owners
YAML
cat >"$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ['$work/rules.yml']
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:$am_port']
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:$node_port']
YAML

prometheus-node-exporter --web.listen-address="127.0.0.1:$node_port" --collector.disable-defaults \
    --collector.textfile --collector.textfile.directory="$work/textfile" >"$work/node_exporter.log" 2>&1 &
pids="$pids $!"
prometheus-alertmanager --config.file="$work/alertmanager.yml" --storage.path="$work/am" \
    --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= >"$work/alertmanager.log" 2>&1 &
pids="$pids $!"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
    --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids="$pids $!"

# Polls `url` (at most 45 s) until its body contains every one of the other arguments.
await() {
    url=$1
    shift
    i=0
    while [ $i -lt 90 ]; do
        body=$(curl -fsS --max-time 2 "$url" 2>/dev/null) && {
            ok=1
            for want in "$@"; do case $body in *"$want"*) ;; *) ok=0 ;; esac; done
            [ $ok -eq 1 ] && return 0
        }
        sleep 0.5
        i=$((i + 1))
    done
    echo "last answer of $url: ${body:-none}"
    return 1
}

await "http://127.0.0.1:$node_port/metrics" 'hookwarden_last_timeout_timestamp_seconds{hook="hung-hook"}' ||
    fail "node_exporter does not serve the textfile"
await "http://127.0.0.1:$prom_port/api/v1/alerts" '"alertname":"HookTimeout"' '"hook":"hung-hook"' '"state":"firing"' ||
    fail "HookTimeout does not fire in Prometheus"
echo "Prometheus: HookTimeout firing for hung-hook"
await "http://127.0.0.1:$am_port/api/v2/alerts" '"alertname":"HookTimeout"' '"hook":"hung-hook"' '"state":"active"' ||
    fail "HookTimeout did not arrive in Alertmanager"
echo "Alertmanager: HookTimeout active for hung-hook"
# The other rules are loaded and quiet: one run is no error rate over a minute's for.
curl -fsS "http://127.0.0.1:$prom_port/api/v1/rules" | grep -q '"name":"HookErrorRate"' || fail "rules not loaded"
echo "e2e: passed"
