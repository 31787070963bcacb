#!/usr/bin/env bash
# Builds hookwarden and runs the whole test suite (unit + end-to-end through the real binary).
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/install-deps.sh
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DHOOKWARDEN_WERROR="$([ "${CI:-}" = true ] && echo ON || echo OFF)" >/dev/null
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
