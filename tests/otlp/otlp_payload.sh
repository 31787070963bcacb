#!/usr/bin/env bash
# hookwarden's OTLP export against the official OpenTelemetry protobuf definitions, through
# the real binary and a real HTTP server on loopback (tests/otlp/receiver.cjs):
#  1. `export otlp` of real runs: every request decodes as ExportTraceServiceRequest /
#     ExportMetricsServiceRequest, one span per run with session.id, the three metrics.
#  2. continuous export from the policy: records of real runs arrive after the runs, with
#     the headers configured.
#  3. a collector that accepts but never answers: the run's answer is not delayed, the
#     failure is a line in otlp.log and in `status`, and nothing is lost: the next round
#     against a working collector sends the same records.
# The definitions come from the npm package @opentelemetry/otlp-transformer (pinned in
# packaging/install-deps.sh), found under $HOOKWARDEN_OTLP_TOOLS, BUILD_DIR/otlp-tools or
# npm's global root. Usage: otlp_payload.sh BUILD_DIR. Exit 0 pass, 1 fail, 2 usage, 77 skip.
set -euo pipefail
[[ $# -eq 1 && -d $1 ]] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
hw=$build/hookwarden
command -v node >/dev/null || { echo "SKIP: node missing" >&2; exit 77; }
rootjs=""
for base in "${HOOKWARDEN_OTLP_TOOLS:-}" "$build/otlp-tools/node_modules" "$(npm root -g 2>/dev/null || true)"; do
    candidate=$base/@opentelemetry/otlp-transformer/build/src/generated/root.js
    if [[ -n $base && -f $candidate ]]; then rootjs=$candidate; break; fi
done
if [[ -z $rootjs ]]; then
    echo "SKIP: @opentelemetry/otlp-transformer not installed (packaging/install-deps.sh, or" \
         "npm install --prefix $build/otlp-tools @opentelemetry/otlp-transformer@0.208.0)" >&2
    exit 77
fi

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [[ -f $work/results ]] && head -c 3000 "$work/results" >&2; exit 1; }

start_receiver() {  # $1 results file, $2 mode; sets port
    : > "$1"
    node "$here/receiver.cjs" "$rootjs" "$1" ${2:-} > "$work/port.$$" &
    pids+=($!)
    for _ in $(seq 100); do
        port=$(sed -n 's/^PORT //p' "$work/port.$$")
        [[ -n $port ]] && return 0
        sleep 0.05
    done
    fail "the receiver did not start"
}

event() { printf '{"session_id":"%s","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}}' "$1"; }
run_hook() {  # $1 session, rest: the hook's command
    local session=$1; shift
    event "$session" | "$hw" run --name guard --backend none --policy "$policy" -- "$@" >/dev/null 2>&1 || true
}

export HOOKWARDEN_STATE_DIR=$work/state
policy=$work/plain.json
echo '{"version": 1, "defaults": {"limits": {"timeout_ms": 300}}}' > "$policy"

# 1. One-shot export.
run_hook sess-one sh -c 'exit 0'
run_hook sess-one sh -c 'echo no >&2; exit 2'
run_hook sess-two sleep 5
start_receiver "$work/results"
"$hw" export otlp --endpoint "http://127.0.0.1:$port" --header "Authorization=Bearer t0ken" ||
    fail "export otlp exited $?"
python3 - "$work/results" <<'PY' || fail "one-shot payload"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["path"] for r in rows] == ["/v1/traces", "/v1/metrics"], [r["path"] for r in rows]
for r in rows:
    assert r["ok"], r["errors"]
    assert r["authorization"] == "Bearer t0ken", r["authorization"]
traces, metrics = rows
assert traces["spans"] == 3, traces["spans"]
assert sorted(traces["sessions"]) == ["sess-one", "sess-one", "sess-two"], traces["sessions"]
for key in ["hookwarden.hook.name", "hookwarden.hook.event", "hookwarden.outcome", "process.exit.code",
            "hookwarden.latency_ms", "hookwarden.cpu.user_ms", "hookwarden.memory.peak_bytes",
            "hookwarden.limit.timeout_ms", "hookwarden.limit.memory_mb", "session.id"]:
    assert key in traces["attributes"], key
assert metrics["metrics"] == ["hookwarden.hook.runs", "hookwarden.hook.duration", "hookwarden.hook.peak_memory"], metrics["metrics"]
PY
echo "ok: export otlp: 3 spans and 3 metrics decode against the official protos"

# 2. Continuous export configured in the policy.
rm -rf "$work/state"
start_receiver "$work/continuous"
policy=$work/otlp.json
cat > "$policy" <<JSON
{"version": 1, "otlp": {"endpoint": "http://127.0.0.1:$port", "interval_ms": 1, "headers": {"Authorization": "Bearer c0nt"}}}
JSON
"$hw" policy check "$policy" >/dev/null || fail "policy check of the otlp policy"
run_hook sess-c sh -c 'exit 0'
sleep 0.05
run_hook sess-c sh -c 'exit 0'
for _ in $(seq 100); do
    [[ $(python3 -c 'import json,sys; print(sum(json.loads(l)["spans"] for l in open(sys.argv[1])))' "$work/continuous") -ge 2 ]] && break
    sleep 0.1
done
python3 - "$work/continuous" <<'PY' || fail "continuous export"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert rows and all(r["ok"] for r in rows), [r["errors"] for r in rows]
assert sum(r["spans"] for r in rows) == 2, [r["spans"] for r in rows]
assert all(r["authorization"] == "Bearer c0nt" for r in rows)
PY
"$hw" status | grep -q "OTLP export to http://127.0.0.1:$port: ok" || fail "status does not show the export"
echo "ok: continuous export delivered both runs"

# 3. A collector that never answers: the answer is not delayed; logged; nothing lost.
rm -rf "$work/state"
start_receiver "$work/hang" hang
hang_port=$port
policy=$work/hang.json
cat > "$policy" <<JSON
{"version": 1, "otlp": {"endpoint": "http://127.0.0.1:$hang_port", "interval_ms": 1, "timeout_ms": 3000}}
JSON
start_ns=$(date +%s%N)
run_hook sess-h sh -c 'exit 0'
answered_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
echo "run answered in ${answered_ms} ms while its guardian waits up to 3000 ms for the collector"
(( answered_ms < 1500 )) || fail "the answer waited for the collector (${answered_ms} ms)"
for _ in $(seq 100); do [[ -s $work/state/otlp.log ]] && break; sleep 0.1; done
grep -q "no response before the timeout" "$work/state/otlp.log" || fail "no line in otlp.log"
"$hw" status | grep -q "OTLP export to http://127.0.0.1:$hang_port: FAILING" || fail "status does not show the failure"
# The same store, a working collector: the run that was not delivered goes now.
start_receiver "$work/recovered"
cat > "$policy" <<JSON
{"version": 1, "otlp": {"endpoint": "http://127.0.0.1:$port", "interval_ms": 1}}
JSON
run_hook sess-h sh -c 'exit 0'
for _ in $(seq 100); do
    [[ $(python3 -c 'import json,sys; print(sum(json.loads(l)["spans"] for l in open(sys.argv[1])))' "$work/recovered") -ge 2 ]] && break
    sleep 0.1
done
python3 - "$work/recovered" <<'PY' || fail "records were lost after the failed round"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert sum(r["spans"] for r in rows) == 2 and all(r["ok"] for r in rows), rows
PY
echo "ok: unreachable collector logged and shown in status; answer not delayed; no record lost"
