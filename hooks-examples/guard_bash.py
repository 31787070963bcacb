#!/usr/bin/env python3
"""PreToolUse hook for Bash: denies commands that destroy data or the machine.

Reads the Claude Code event on stdin. For a destructive command it answers with
permissionDecision "deny" and a reason Claude can act on; for anything else it prints
nothing and exits 0, so Claude Code's normal permission rules still apply. It stays
stdlib-only and does no I/O beyond stdin/stdout because it runs before every Bash call.
"""
import json
import re
import shlex
import sys

SEPARATORS = re.compile(r"\|\||&&|[;|&\n]")
WRAPPERS = {"sudo", "doas", "env", "command", "nohup", "time", "nice", "xargs", "exec", "builtin"}
# Targets whose recursive removal takes out a system or a home directory.
PRECIOUS = {
    "/", "/*", "~", "~/", "~/*", "$HOME", "$HOME/", "$HOME/*", "${HOME}", "${HOME}/", "${HOME}/*",
    "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64", "/opt", "/proc", "/root", "/sbin",
    "/srv", "/sys", "/usr", "/var", "/home/*",
}
DISK = r"/dev/(sd[a-z]+|hd[a-z]+|vd[a-z]+|xvd[a-z]+|nvme\d+n\d+|mmcblk\d+|disk\d+)"

PATTERNS = [
    (re.compile(r"--no-preserve-root\b"), "removes / with --no-preserve-root"),
    (re.compile(r"(^|[\s;&|(])mkfs(\.\w+)?\b"), "formats a filesystem (mkfs)"),
    (re.compile(r"\bdd\b[^;&|\n]*\bof=" + DISK), "overwrites a disk device with dd"),
    (re.compile(r">\s*" + DISK), "overwrites a disk device by redirection"),
    (re.compile(r"\b(shred|wipefs)\b[^;&|\n]*" + DISK), "wipes a disk device"),
    (re.compile(r"\bchmod\s+(-\w*R\w*|--recursive)\s+(0?777|a\+rwx|ugo\+rwx)\s+(/|~|\$HOME)(\s|$|\*)"),
     "makes everything world-writable (chmod -R 777 on / or home)"),
    (re.compile(r"\bchown\s+(-\w*R\w*|--recursive)\s+\S+\s+/(\s|$)"), "changes the owner of every file (chown -R /)"),
    # The classic :(){ :|:& };: and its renamed variants: a function piping into itself in the background.
    (re.compile(r"([\w:.]+)\s*\(\)\s*\{\s*\1\s*\|\s*\1\s*&\s*\}"), "is a fork bomb"),
    (re.compile(r"\b(curl|wget|fetch)\b[^;&\n]*\|\s*(sudo\s+)?(sh|bash|zsh|dash|ksh|python3?|perl|ruby)\b"),
     "pipes a download straight into a shell or interpreter"),
    (re.compile(r"\b(sh|bash|zsh)\s+(-c\s+)?[\"']?\$\(\s*(curl|wget)\b"), "runs a downloaded script"),
]


def words(segment):
    try:
        return shlex.split(segment, comments=True)
    except ValueError:
        return segment.split()


def rm_verdict(argv):
    while argv and (argv[0] in WRAPPERS or "=" in argv[0] and not argv[0].startswith("-")):
        argv = argv[1:]
    if not argv or argv[0].rsplit("/", 1)[-1] != "rm":
        return None
    recursive = False
    targets = []
    for arg in argv[1:]:
        if arg == "--":
            continue
        if arg.startswith("--"):
            recursive |= arg == "--recursive"
        elif arg.startswith("-") and len(arg) > 1:
            recursive |= "r" in arg or "R" in arg
        else:
            targets.append(arg)
    if not recursive:
        return None
    for target in targets:
        normalized = target if target in ("/", "~/") else target.rstrip("/") or "/"
        if target in PRECIOUS or normalized in PRECIOUS:
            return "recursively removes " + target
    return None


def git_force_push_verdict(argv):
    while argv and argv[0] in WRAPPERS:
        argv = argv[1:]
    if len(argv) < 2 or argv[0] != "git":
        return None
    args = argv[1:]
    # Skip global options such as -C DIR before the subcommand.
    while args and args[0].startswith("-"):
        args = args[2:] if args[0] in ("-C", "-c") else args[1:]
    if not args or args[0] != "push":
        return None
    rest = args[1:]
    force = any(a in ("-f", "--force") or (a.startswith("-") and not a.startswith("--") and "f" in a) for a in rest)
    refs = [a for a in rest if not a.startswith("-")]
    plus_main = any(re.search(r"^\+.*\b(main|master)$|:\+?(refs/heads/)?(main|master)$", r) or r in ("+main", "+master")
                    for r in refs)
    to_main = any(re.search(r"(^|:|/)(main|master)$", r) for r in refs[1:])
    if (force and to_main) or plus_main:
        return "force-pushes to main/master (rewrites shared history)"
    return None


def verdict(command):
    for pattern, why in PATTERNS:
        if pattern.search(command):
            return why
    for segment in SEPARATORS.split(command):
        argv = words(segment.strip())
        reason = rm_verdict(argv) or git_force_push_verdict(argv)
        if reason:
            return reason
    return None


def main():
    try:
        event = json.load(sys.stdin)
    except ValueError:
        return 0  # not ours to judge; Claude Code's own rules still apply
    if not isinstance(event, dict) or event.get("tool_name") != "Bash":
        return 0
    command = (event.get("tool_input") or {}).get("command") or ""
    if not isinstance(command, str) or not command:
        return 0
    reason = verdict(command)
    if reason is None:
        return 0
    json.dump({
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": "guard_bash: this command " + reason
            + ". Use a narrower, reversible command or ask the user to run it.",
        }
    }, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
