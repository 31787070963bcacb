#!/usr/bin/env bash
# No function in src/ longer than 100 lines, and at most 8 longer than 60 (a function of
# one screen can be read as one step list). Lengths from universal-ctags' end lines.
# usage: check_function_length.sh SOURCE_DIR
set -euo pipefail
cd "${1:-.}"
command -v ctags >/dev/null && ctags --version 2>/dev/null | grep -q 'Universal Ctags' || {
    echo "universal-ctags not installed: skipped"; exit 77; }
ctags -R --sort=no --languages=C++ --kinds-C++=f --fields=+ne --output-format=json -o - src |
python3 -c '
import json, sys
rows = []
for line in sys.stdin:
    tag = json.loads(line)
    if "end" in tag:
        where = "%s:%d" % (tag["path"], tag["line"])
        rows.append((tag["end"] - tag["line"] + 1, where, tag.get("scope", "") + "::" + tag["name"]))
rows.sort(reverse=True)
over100 = [r for r in rows if r[0] > 100]
over60 = [r for r in rows if r[0] > 60]
for n, where, name in over60:
    print(f"{where}: {name}: {n} lines")
print(f"{len(rows)} functions, {len(over100)} over 100 lines (limit 0), {len(over60)} over 60 (limit 8)")
sys.exit(1 if over100 or len(over60) > 8 else 0)
'
