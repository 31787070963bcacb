#!/bin/sh
# Overhead of each sandbox confinement (docs/sandbox.md): `hookwarden run` of /bin/true
# with no confinement, each one alone, and all of them, measured with hyperfine.
#   bench/confine_bench.sh [BUILD_DIR] [RUNS]      (BUILD_DIR default: build; RUNS: 200)
#   BACKEND=none bench/confine_bench.sh ...         (default: auto)
# Prints hyperfine's Markdown table; also writes it to $OUT (default: confine_bench.md
# in a temp dir, path printed at the end).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-$root/build}
runs=${2:-200}
backend=${BACKEND:-auto}
hw=$build/hookwarden
[ -x "$hw" ] || { echo "no $hw: build first (cmake --build $build --target hookwarden)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "hyperfine not installed" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=${OUT:-$work/confine_bench.md}
export HOOKWARDEN_STATE_DIR="$work/state"
export CLAUDE_PROJECT_DIR="$work"
printf '%s\n' '{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}}' >"$work/event.json"

policy() {  # NAME SANDBOX-JSON
    printf '{"version": 1, "hooks": {"h": {"event": "PreToolUse", "command": ["/bin/true"], "sandbox": %s}}}\n' \
        "$2" >"$work/$1.json"
}
# The baseline turns off no_new_privs (on by default) so that every row adds one thing.
policy none '{"no_new_privs": false}'
policy no_new_privs '{"no_new_privs": true}'
policy env '{"no_new_privs": false, "env": {"allow": ["PATH", "HOME", "LANG", "CLAUDE_*"], "scrub": ["*_TOKEN", "*_KEY", "*SECRET*", "AWS_*"]}}'
policy network '{"no_new_privs": false, "network": "none"}'
policy filesystem '{"no_new_privs": false, "filesystem": {"read_only": true, "writable": ["$CLAUDE_PROJECT_DIR", "/tmp"]}}'
policy all '{"network": "none", "filesystem": {"read_only": true, "writable": ["$CLAUDE_PROJECT_DIR", "/tmp"]}, "env": {"allow": ["PATH", "HOME", "LANG", "CLAUDE_*"], "scrub": ["*_TOKEN", "*_KEY", "*SECRET*", "AWS_*"]}, "no_new_privs": true}'

# One run first: a policy error or a refused confinement must not be benchmarked silently.
for name in none no_new_privs env network filesystem all; do
    "$hw" run --policy "$work/$name.json" --name h --backend "$backend" --record "$work/$name.record" <"$work/event.json"
    grep -q '"outcome": "ok"' "$work/$name.record" || { echo "$name: not ok:" >&2; cat "$work/$name.record" >&2; exit 1; }
done

set --
for name in none no_new_privs env network filesystem all; do
    set -- "$@" -n "$name" "$hw run --policy $work/$name.json --name h --backend $backend < $work/event.json"
done
hyperfine --warmup 20 --runs "$runs" --export-markdown "$out" "$@" >&2
cat "$out"
echo "table: $out (backend $backend, $(uname -r), $(nproc) cpus)" >&2

# hyperfine's totals include starting hookwarden itself and are noisy on a busy machine;
# the records' wall_ms (start request to reaped tree: fork, the child's confinement
# steps, exec of /bin/true, exit) isolates what the confinement adds. Median of RUNS.
echo
echo "| confinement | median wall_ms | p90 wall_ms |"
echo "|:---|---:|---:|"
for name in none no_new_privs env network filesystem all; do
    i=0
    : >"$work/$name.walls"
    while [ $i -lt "$runs" ]; do
        "$hw" run --policy "$work/$name.json" --name h --backend "$backend" --record "$work/r.json" <"$work/event.json"
        sed -n 's/^ *"wall_ms": \([0-9.]*\).*/\1/p' "$work/r.json" >>"$work/$name.walls"
        i=$((i + 1))
    done
    sort -n "$work/$name.walls" | awk -v n="$name" '{v[NR]=$1} END {printf "| `%s` | %.2f | %.2f |\n", n, v[int((NR+1)/2)], v[int(NR*0.9+0.5)]}'
done
