#!/usr/bin/env bash
# Claude Code http hook round trip through `hookwarden serve --http` against Node's
# child_process.spawn of the same hook (bench/http_bench.js), on a scratch state
# directory with a daemon of its own. usage: bench/http_bench.sh [HOOKWARDEN] [RUNS] [HOOK...]
# HW_RUN_OPTIONS (e.g. "--backend none") go into both hookwarden command lines.
# Prints the machine, the date and whether favordynmods is on, then the figures.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
hookwarden=$(realpath "${1:-$here/../build/hookwarden}")
runs=${2:-300}
shift $(( $# > 2 ? 2 : $# ))
hook=("$@")
[[ ${#hook[@]} -gt 0 ]] || hook=(/bin/true)
scratch=$(mktemp -d)
trap 'kill "$daemon" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$scratch"' EXIT
export HOOKWARDEN_STATE_DIR=$scratch/state HOOKWARDEN_NO_SERVE=1
mkdir -m 700 "$scratch/state" "$scratch/run"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 - "$hookwarden" "$scratch/state/http-hooks.json" "${hook[@]}" <<'PY'
import json, os, sys
argv = [sys.argv[1], "run", "--name", "bench", *os.environ.get("HW_RUN_OPTIONS", "").split(), "--", *sys.argv[3:]]
with open(sys.argv[2], "w") as f:
    json.dump({"hooks": {"bench": {"argv": argv, "timeout_ms": 60000}}}, f)
os.chmod(sys.argv[2], 0o600)
PY
"$hookwarden" --log-file "$scratch/serve.log" serve --socket "$scratch/run/serve.sock" --http "127.0.0.1:$port" &
daemon=$!
for _ in $(seq 100); do [[ -s $scratch/state/http-token ]] && grep -q "http: listening" "$scratch/serve.log" 2>/dev/null && break; sleep 0.05; done
echo "machine: $(nproc) cpu, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%FT%TZ)"
if grep -q favordynmods /proc/mounts; then echo "favordynmods: on"; else echo "favordynmods: off"; fi
node "$here/http_bench.js" "$port" "$(cat "$scratch/state/http-token")" "$hookwarden" "$runs" "${hook[@]}"
