#!/bin/sh
# Schema agreement: an independent validator (ajv, from npm) must agree with
# hookwarden's own about the shipped policies and the broken ones.
#   - the schema compiles in ajv's strict mode;
#   - every policies/*.json validates;
#   - every tests/data/policies/bad/*.json fails, except the *.validator-only.json ones:
#     rules a schema cannot express (regex syntax, duplicate keys, cross-field bounds) or
#     files that are not JSON at all. Those that are JSON must *pass* the schema, so the
#     validator-only list stays honest in both directions.
# Exits 0 with "skipped: ..." when node/npm is missing or ajv cannot be installed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
schema="$root/policies/hookwarden.schema.json"
ajv="$here/node_modules/.bin/ajv"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "skipped: npm not available (install nodejs and npm to run the schema agreement test)"
    exit 0
fi
if [ ! -x "$ajv" ]; then
    # npm ci installs exactly what package-lock.json pins.
    if ! npm ci --prefix "$here" --no-audit --no-fund >"$here/npm-install.log" 2>&1; then
        echo "skipped: could not install ajv-cli from npm (offline?); see $here/npm-install.log"
        exit 0
    fi
fi

# ajv's strictTuples wants fixed-length tuples; `command` is [program (non-empty), args...]
# on purpose, so that one strict check is off. Everything else stays strict.
run_ajv() {
    "$ajv" "$@" -s "$schema" --spec=draft7 --strict=true --strict-tuples=false
}

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

if ! out=$(run_ajv compile 2>&1); then
    fail "schema does not compile: $out"
fi

# One ajv process per batch (node starts slowly): it prints "FILE valid" or "FILE invalid"
# per data file. It aborts on a file that is not JSON, so those are sorted out first.
verdicts() {
    args=""
    for f in "$@"; do args="$args -d $f"; done
    # shellcheck disable=SC2086  # paths under the repository have no spaces
    run_ajv validate --errors=line $args 2>&1
}
verdict_of() {  # FILE VERDICTS
    printf '%s\n' "$2" | grep -E "^$1 (valid|invalid)$" | sed 's/.* //'
}

good_files=""
for f in "$root"/policies/*.json; do
    case $f in *.schema.json) ;; *) good_files="$good_files $f" ;; esac
done
# shellcheck disable=SC2086
out=$(verdicts $good_files)
good=0
for f in $good_files; do
    good=$((good + 1))
    [ "$(verdict_of "$f" "$out")" = valid ] || fail "${f#"$root"/} should validate against the schema"
done
[ $failures -eq 0 ] || echo "$out"

bad_files=$(ls "$root"/tests/data/policies/bad/*.json)
# shellcheck disable=SC2086
json_files=$(node -e '
    for (const f of process.argv.slice(1)) {
        try { JSON.parse(require("fs").readFileSync(f, "utf8")); console.log(f); } catch (e) {}
    }' $bad_files)
# shellcheck disable=SC2086
out=$(verdicts $json_files)
bad=0
for f in $bad_files; do
    bad=$((bad + 1))
    name=${f#"$root"/}
    if ! printf '%s\n' "$json_files" | grep -qxF "$f"; then
        case $f in
            *.validator-only.json) ;;
            *) fail "$name is not JSON at all: mark it .validator-only" ;;
        esac
        continue
    fi
    verdict=$(verdict_of "$f" "$out")
    case $f in
        *.validator-only.json)
            [ "$verdict" = valid ] ||
                fail "$name is marked validator-only but the schema rejects it too (ajv: '$verdict'); drop the marker"
            ;;
        *)
            [ "$verdict" = invalid ] ||
                fail "$name should be rejected by the schema (ajv: '$verdict'), or be marked .validator-only"
            ;;
    esac
done

if [ $good -eq 0 ] || [ $bad -eq 0 ]; then
    fail "no policies found under $root (good: $good, bad: $bad)"
fi
if [ $failures -ne 0 ]; then
    echo "$failures schema disagreement(s)"
    exit 1
fi
echo "schema agrees: $good example policies valid, $bad broken policies checked"
