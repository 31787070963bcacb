#!/usr/bin/env python3
"""PreToolUse hook for Write|Edit|MultiEdit: denies writing credentials into files.

Scans the text the tool is about to write (Write `content`, Edit `new_string`, MultiEdit
`edits[].new_string`) for cloud keys, private keys, tokens and high-entropy values
assigned to secret-looking names. A hit is denied with a reason that names the kind of
secret and the line, never the secret itself: the reason is shown to Claude and lands in
transcripts and logs.
"""
import json
import math
import re
import sys

RULES = [
    ("AWS access key ID", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b")),
    ("AWS secret access key",
     re.compile(r"(?i)aws_?secret_?access_?key\s*[:=]\s*[\"']?[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])")),
    ("private key block", re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b")),
    ("Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b")),
    ("Stripe live key", re.compile(r"\b[rs]k_live_[A-Za-z0-9]{20,}\b")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
]
GENERIC = re.compile(
    r"(?i)\b[\w.-]*(?:api[_-]?key|secret|token|passw(?:or)?d|access[_-]?key|auth[_-]?key)[\w.-]*[\"']?"
    r"\s*(?::=|=>|[:=])\s*[\"']([^\"'\s]{16,})[\"']")
PLACEHOLDERS = ("xxxx", "changeme", "change_me", "your_", "your-", "example", "dummy", "placeholder", "redacted",
                "${", "{{", "<", "process.env", "os.environ", "getenv")


def entropy(text):
    counts = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def texts(tool_name, tool_input):
    if tool_name == "Write":
        yield tool_input.get("content")
    elif tool_name == "Edit":
        yield tool_input.get("new_string")
    elif tool_name == "MultiEdit":
        for edit in tool_input.get("edits") or []:
            if isinstance(edit, dict):
                yield edit.get("new_string")


def find(text):
    for kind, pattern in RULES:
        match = pattern.search(text)
        if match:
            return kind, text.count("\n", 0, match.start()) + 1
    for match in GENERIC.finditer(text):
        value = match.group(1)
        lowered = value.lower()
        if any(p in lowered for p in PLACEHOLDERS):
            continue
        # Ordinary words and identifiers stay under ~3.5 bits/char; random keys go above.
        if entropy(value) >= 3.5:
            return "high-entropy value assigned to a secret-looking name", text.count("\n", 0, match.start()) + 1
    return None


def main():
    try:
        event = json.load(sys.stdin)
    except ValueError:
        return 0
    if not isinstance(event, dict):
        return 0
    tool_input = event.get("tool_input") or {}
    if not isinstance(tool_input, dict):
        return 0
    for text in texts(event.get("tool_name"), tool_input):
        if not isinstance(text, str) or not text:
            continue
        hit = find(text)
        if hit:
            kind, line = hit
            path = tool_input.get("file_path") or "the file"
            json.dump({
                "hookSpecificOutput": {
                    "hookEventName": "PreToolUse",
                    "permissionDecision": "deny",
                    "permissionDecisionReason": (
                        "secret_scan: %s found in the text for %s (line %d of the new text). "
                        "Read it from the environment or a secret store instead of writing it into a file."
                        % (kind, path, line)),
                }
            }, sys.stdout)
            sys.stdout.write("\n")
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
