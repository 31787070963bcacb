#!/usr/bin/env bash
# Validates the gate's SARIF against the official SARIF 2.1.0 schema (python3 jsonschema)
# and, when present, with Microsoft's SARIF multitool, which adds the spec's own rules.
# Nothing is downloaded here; the schema comes from, in order:
#   $HOOKWARDEN_SARIF_SCHEMA, or the npm package @microsoft/sarif-multitool-linux
#   (it ships sarif-2.1.0.json) under $HOOKWARDEN_SARIF_TOOLS, BUILD_DIR/sarif-tools, or
#   npm's global root. To provide it:
#   npm install --prefix BUILD_DIR/sarif-tools @microsoft/sarif-multitool-linux@5.7.0
# Usage: sarif_schema.sh BUILD_DIR. Exit: 0 valid, 1 invalid, 2 usage, 77 skipped.
set -euo pipefail
[[ $# -eq 1 && -d $1 ]] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)

package=""
for root in "${HOOKWARDEN_SARIF_TOOLS:-}" "$build/sarif-tools" "$(npm root -g 2>/dev/null || true)/.."; do
    [[ -n $root ]] || continue
    for candidate in "$root/node_modules/@microsoft/sarif-multitool-linux" "$root/@microsoft/sarif-multitool-linux"; do
        if [[ -f $candidate/sarif-2.1.0.json ]]; then package=$candidate; break 2; fi
    done
done
schema=${HOOKWARDEN_SARIF_SCHEMA:-${package:+$package/sarif-2.1.0.json}}
if [[ -z $schema || ! -f $schema ]]; then
    echo "SKIP: no SARIF 2.1.0 schema (set HOOKWARDEN_SARIF_SCHEMA, or" \
         "npm install --prefix $build/sarif-tools @microsoft/sarif-multitool-linux@5.7.0)" >&2
    exit 77
fi
if ! python3 -c 'import jsonschema' 2>/dev/null; then
    echo "SKIP: python3 jsonschema missing (Debian: apt-get install python3-jsonschema)" >&2
    exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=$(HOOKWARDEN_SARIF_SCHEMA=$schema HOOKWARDEN_SARIF_SAMPLE=$work/sample.sarif \
      "$build/tests/unit_report" --gtest_filter='Sarif.ValidatesAgainstTheSchemaWhenAvailable' 2>&1) || {
    echo "$out" >&2
    echo "FAIL: SARIF does not validate against $schema" >&2
    exit 1
}
if grep -q SKIPPED <<<"$out"; then
    echo "$out" >&2
    echo "FAIL: the schema test skipped although a schema was given" >&2
    exit 1
fi
echo "OK: valid against $schema"

tool=${package:+$package/Sarif.Multitool}
if [[ -n $tool && -x $tool ]]; then
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 timeout 120 "$tool" validate "$work/sample.sarif" \
        --output "$work/findings.sarif" >"$work/multitool.log" 2>&1 || {
        cat "$work/multitool.log" >&2
        echo "FAIL: sarif-multitool validate failed to run" >&2
        exit 1
    }
    findings=$(python3 -c '
import json, sys
runs = json.load(open(sys.argv[1])).get("runs", [])
bad = [r for run in runs for r in run.get("results", []) if r.get("level", "warning") in ("error", "warning")]
for r in bad: print(r.get("ruleId"), json.dumps(r.get("message")))' "$work/findings.sarif")
    if [[ -n $findings ]]; then
        echo "$findings" >&2
        echo "FAIL: sarif-multitool validate reported problems" >&2
        exit 1
    fi
    echo "OK: sarif-multitool validate reports no errors or warnings"
fi
