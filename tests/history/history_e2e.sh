#!/usr/bin/env bash
# Long-term history through the real binary (docs/records.md "History"): a store holding
# 60 days of runs (committed through the real store by viewer_fill), then real hook runs.
#  - the run answers without waiting for the roll-up its guardian does afterwards (when
#    it has answered, the old runs are still there in detail);
#  - the runs older than 30 days end up in hourly aggregates, none lost:
#    `report --since 1y` counts every run, `report --since 7d` none of the aggregates;
#  - the HTML report's trends include the aggregated days;
#  - `hookwarden prune` finishes what is left and loses nothing either.
# Usage: history_e2e.sh BUILD_DIR. Exit 0 pass, 1 fail, 2 usage.
set -euo pipefail
[[ $# -eq 1 && -d $1 ]] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
hw=$build/hookwarden
fill=$build/tests/helpers/viewer_fill
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export HOOKWARDEN_STATE_DIR=$work/state
echo '{"version": 1}' > "$work/policy.json"
export HOOKWARDEN_POLICY=$work/policy.json

runs=30000
"$fill" "$HOOKWARDEN_STATE_DIR" $runs 60 || fail "viewer_fill"
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
event='{"session_id":"h","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}}'

old_detailed() {  # detailed runs older than the 30 days of detail, read without hookwarden
    python3 - "$HOOKWARDEN_STATE_DIR/hookwarden.db" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
cutoff = int(time.time() * 1000) - 30 * 86400 * 1000
print(db.execute("SELECT count(*) FROM runs WHERE time_ms < ?", (cutoff,)).fetchone()[0])
PY
}
before=$(old_detailed)
[[ $before -gt 10000 ]] || fail "the fill left only $before runs older than 30 days"

# The run whose guardian finds the roll-up due (never done on this store): when it has
# answered, the roll-up of those runs is not done yet; it happens afterwards.
start_ns=$(date +%s%N)
echo "$event" | "$hw" run --name history-probe --backend none -- true || fail "run"
answered_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
at_answer=$(old_detailed)
echo "at the answer, $at_answer of $before runs older than 30 days were still to be rolled up"
[[ $at_answer -gt 0 ]] || fail "the run answered only after the whole roll-up"
aggregated=0
for _ in $(seq 200); do
    aggregated=$("$hw" report --since 1y --format json 2>/dev/null | json_field aggregated_runs)
    [[ $aggregated -gt 0 ]] && break
    sleep 0.05
done
rolled_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
echo "run answered after ${answered_ms} ms; its guardian's first roll-up round was visible after ${rolled_ms} ms ($aggregated runs aggregated)"
[[ $aggregated -gt 0 ]] || fail "no runs were rolled up"

total=$("$hw" report --since 1y --format json | json_field total_runs)
[[ $total -eq $((runs + 1)) ]] || fail "report --since 1y counts $total runs, expected $((runs + 1))"
recent=$("$hw" report --since 7d --format json)
[[ $(json_field aggregated_runs <<< "$recent") -eq 0 ]] || fail "--since 7d used aggregates"
"$hw" report --since 1y --format html -o "$work/report.html" 2>/dev/null || fail "html report"
days=$(grep -o '<tr data-day="[0-9-]*"' "$work/report.html" | sort -u | wc -l)
[[ $days -ge 55 ]] || fail "trends show $days days, expected about 60 (aggregates included)"

"$hw" prune > "$work/prune.out" || fail "prune"
cat "$work/prune.out"
total=$("$hw" report --since 1y --format json | json_field total_runs)
[[ $total -eq $((runs + 1)) ]] || fail "after prune: $total runs, expected $((runs + 1))"
old=$(old_detailed)
[[ $old -eq 0 ]] || fail "$old detailed runs older than 30 days remain after prune"
echo "ok: history: $((runs + 1)) runs accounted for in records and aggregates; the answer did not wait"
