#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds hookwarden, and runs the main job on the
# bundled example policy and hooks: every fixture event in hooks-examples/events is
# replayed against the matching hooks of policies/default.json under enforced limits,
# then the per-hook report and the budget check are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/install-deps.sh
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target hookwarden
echo
"$build/hookwarden" doctor || true
echo
exec "$build/hookwarden" bench --events hooks-examples/events --policy policies/default.json --runs 5 --concurrency 2
