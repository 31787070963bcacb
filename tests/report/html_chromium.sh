#!/usr/bin/env bash
# Renders the HTML report in headless Chromium and fails on any console message: the
# report's one script logs nothing and its CSP forbids every fetch, so anything Chromium
# writes to the console (a script error, a blocked request, a CSP violation) is a bug.
# Keeps a screenshot, the DOM and the browser log as artifacts.
#
# Usage: html_chromium.sh BUILD_DIR | REPORT.html
#   BUILD_DIR: generates the sample report with BUILD_DIR/tests/unit_report and keeps the
#              artifacts in BUILD_DIR/report-artifacts/.
#   REPORT.html: checks that file; artifacts go next to it.
# Exit: 0 clean, 1 console errors or nothing rendered, 2 usage, 77 skipped (no chromium).
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 BUILD_DIR | REPORT.html" >&2
    exit 2
fi

browser=""
for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then browser=$candidate; break; fi
done
if [[ -z $browser ]]; then
    echo "SKIP: chromium not found (Debian: apt-get install chromium); HTML report not rendered" >&2
    exit 77
fi

if [[ -d $1 ]]; then
    build=$(cd "$1" && pwd)
    artifacts=$build/report-artifacts
    mkdir -p "$artifacts"
    html=$artifacts/html_report_sample.html
    rm -f "$html"
    HOOKWARDEN_HTML_SAMPLE=$html "$build/tests/unit_report" \
        --gtest_filter='HtmlReport.SelfContainedWithChartsBudgetsAndViolations' >"$artifacts/generate.log" 2>&1 || {
        cat "$artifacts/generate.log" >&2
        echo "FAIL: could not generate the sample report" >&2
        exit 1
    }
else
    html=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
    artifacts=$(dirname "$html")
fi
[[ -s $html ]] || { echo "FAIL: $html missing or empty" >&2; exit 1; }
stem=$artifacts/$(basename "$html" .html)

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --disable-default-apps --disable-extensions
       --user-data-dir="$profile" --enable-logging=stderr --v=0 --hide-scrollbars)

# Runs the browser on a page; stderr (where console messages go) into $2.
render() {
    local url=$1 log=$2
    shift 2
    timeout 120 "$browser" "${flags[@]}" "$@" "$url" 2>"$log"
}
# Chromium logs every console message, whatever its level, as INFO:CONSOLE.
console_lines() { grep -E ':CONSOLE[:(]' "$1" || true; }

# Self-test first: a page with a script error must be caught, or a change in Chromium's
# logging would turn this check into one that always passes.
probe=$profile/probe.html
printf '%s\n' '<!DOCTYPE html><html><head><meta charset="utf-8"><title>probe</title></head><body>' \
    '<script>throw new Error("hookwarden-console-probe")</script></body></html>' >"$probe"
render "file://$probe" "$profile/probe.log" --dump-dom >/dev/null || true
if ! console_lines "$profile/probe.log" | grep -q hookwarden-console-probe; then
    cat "$profile/probe.log" >&2
    echo "FAIL: $browser did not report a deliberate console error; cannot check the report" >&2
    exit 1
fi

rc=0
render "file://$html" "$stem.chromium.log" --window-size=1280,2400 --screenshot="$stem.png" || rc=$?
if [[ $rc -ne 0 ]]; then
    cat "$stem.chromium.log" >&2
    echo "FAIL: $browser exited with $rc" >&2
    exit 1
fi
render "file://$html" "$stem.dom.log" --dump-dom >"$stem.dom.html" || true
cat "$stem.dom.log" >>"$stem.chromium.log"

errors=$(console_lines "$stem.chromium.log")
if [[ -n $errors ]]; then
    echo "$errors" >&2
    echo "FAIL: console messages while rendering $html" >&2
    exit 1
fi
if ! grep -q '<svg' "$stem.dom.html" || ! grep -q 'hookwarden report' "$stem.dom.html"; then
    echo "FAIL: the rendered DOM has no report or no charts (see $stem.dom.html)" >&2
    exit 1
fi
if [[ ! -s $stem.png ]]; then
    echo "FAIL: no screenshot written" >&2
    exit 1
fi
echo "OK: $html rendered without console messages; screenshot $stem.png"
