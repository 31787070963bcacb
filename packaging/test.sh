#!/usr/bin/env bash
# Builds hookwarden and runs the whole test suite (unit + end-to-end through the real binary).
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/install-deps.sh
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DHOOKWARDEN_WERROR="$([ "${CI:-}" = true ] && echo ON || echo OFF)" >/dev/null
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
# The fuzz targets, in a clang build of their own, each for a bounded time
# (HOOKWARDEN_FUZZ_SECONDS, default 20; 0 skips them). A crash fails here and the input
# that caused it stays under "$build-fuzz/tests/fuzz/artifacts/".
fuzz_seconds=${HOOKWARDEN_FUZZ_SECONDS:-20}
if [ "$fuzz_seconds" != 0 ]; then
  cmake -S . -B "$build-fuzz" -DCMAKE_CXX_COMPILER=clang++ -DHOOKWARDEN_FUZZ=ON -DHOOKWARDEN_TESTS=OFF \
    -DHOOKWARDEN_FUZZ_SECONDS="$fuzz_seconds" >/dev/null
  cmake --build "$build-fuzz" -j"$(nproc)" --target fuzz_targets
  ctest --test-dir "$build-fuzz" --output-on-failure -L fuzz
fi
