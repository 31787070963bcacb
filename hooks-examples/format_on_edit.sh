#!/bin/sh
# PostToolUse hook for Write|Edit|MultiEdit: formats the file just written with the
# formatter installed for its type, if any. It never fails the tool call: the edit has
# already happened, so a missing formatter or a formatter error is reported on stderr
# (visible in Claude Code's verbose mode) and the hook still exits 0.

input=$(cat)

# The JSON is parsed with python3 when there is one; the sed fallback handles the usual
# one-line, unescaped "file_path" that Claude Code sends.
file=$(printf '%s' "$input" | python3 -c 'import json,sys
try:
    e = json.load(sys.stdin)
    print((e.get("tool_input") or {}).get("file_path") or "")
except Exception:
    pass' 2>/dev/null) ||
    file=$(printf '%s' "$input" | sed -n 's/.*"file_path"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' | head -n 1)

[ -n "$file" ] && [ -f "$file" ] || exit 0

have() { command -v "$1" >/dev/null 2>&1; }

run() {
    if ! out=$("$@" 2>&1); then
        printf 'format_on_edit: %s failed on %s: %s\n' "$1" "$file" "$out" | head -c 2000 >&2
    fi
}

case "$file" in
    *.py | *.pyi)
        if have ruff; then run ruff format --quiet "$file"
        elif have black; then run black --quiet "$file"; fi ;;
    *.js | *.jsx | *.ts | *.tsx | *.mjs | *.cjs | *.json | *.css | *.scss | *.html | *.md | *.yaml | *.yml)
        if have prettier; then run prettier --log-level warn --write "$file"; fi ;;
    *.go)
        if have gofmt; then run gofmt -w "$file"; fi ;;
    *.rs)
        if have rustfmt; then run rustfmt --edition 2021 "$file"; fi ;;
    *.c | *.h | *.cc | *.cpp | *.cxx | *.hh | *.hpp | *.hxx)
        # Only with the project's own .clang-format: reformatting a codebase into some
        # default style would bury the edit in unrelated changes.
        if have clang-format; then run clang-format -i --style=file --fallback-style=none "$file"; fi ;;
    *.sh)
        if have shfmt; then run shfmt -w "$file"; fi ;;
    *.tf | *.tfvars)
        if have terraform; then run terraform fmt "$file"; fi ;;
esac
exit 0
