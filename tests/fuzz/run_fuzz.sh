#!/bin/sh
# One bounded libFuzzer run as a test: run_fuzz.sh TARGET SECONDS ARTIFACT_DIR SEED_DIR...
# The corpus grows in ARTIFACT_DIR/corpus from the seeds; a crash, leak or sanitizer
# report fails the test, and the input that caused it is kept in ARTIFACT_DIR (the
# message names the file: rerun it with `TARGET FILE`).
set -eu
target=$1 seconds=$2 artifacts=$3
shift 3
mkdir -p "$artifacts/corpus"
seeds=""
for dir in "$@"; do [ -d "$dir" ] && seeds="$seeds $dir"; done
# -rss_limit_mb: the parsers must stay small on any input; -timeout: and fast.
# shellcheck disable=SC2086
if "$target" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$artifacts/corpus" $seeds >"$artifacts/log.txt" 2>&1; then
  tail -n 12 "$artifacts/log.txt"
  exit 0
fi
tail -n 60 "$artifacts/log.txt"
echo "run_fuzz: $(basename "$target") failed; reproducer(s):" >&2
for f in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*; do
  [ -e "$f" ] && echo "  $f (rerun: $target $f)" >&2
done
exit 1
