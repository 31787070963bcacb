#!/usr/bin/env python3
"""Stop hook: keeps Claude working while the project says work is still open.

If `.hookwarden/todo-open` exists in the session's cwd, the first Stop is blocked with
the marker's text as the reason, so Claude sees what is left. It never blocks when
`stop_hook_active` is true: Claude is then already continuing because of a Stop hook,
and blocking again could keep it looping forever.
"""
import json
import os
import sys

MARKER = os.path.join(".hookwarden", "todo-open")


def main():
    try:
        event = json.load(sys.stdin)
    except ValueError:
        return 0
    if not isinstance(event, dict) or event.get("stop_hook_active"):
        return 0
    marker = os.path.join(event.get("cwd") or os.getcwd(), MARKER)
    try:
        with open(marker, encoding="utf-8", errors="replace") as f:
            todo = f.read(2000).strip()
    except OSError:
        return 0  # no marker (or unreadable): nothing is known to be open
    reason = "Work is still marked open (%s)." % MARKER
    if todo:
        reason += " Open items:\n" + todo
    reason += "\nFinish them, then delete %s, before stopping." % MARKER
    json.dump({"decision": "block", "reason": reason}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
