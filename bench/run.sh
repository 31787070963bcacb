#!/usr/bin/env bash
# The benchmark suite's single entry point: builds hookwarden and hwbench (Release with
# debug info), runs every comparison interleaved in one run, prints a Markdown table and
# writes bench/results.json. Needs root for the cgroup-v1 rows (they are skipped
# otherwise). Pass --quick for a short smoke run, --daemon for only the resident
# supervisor's comparison (docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" >/dev/null
cmake --build "$build" -j"$(nproc)" --target hookwarden hwbench
exec "$build/hwbench" --source "$PWD" --json "${BENCH_JSON:-bench/results.json}" "$@"
