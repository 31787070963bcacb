#!/usr/bin/env python3
"""Trusts every hook Codex CLI sees, the way Codex itself records trust.

Codex runs a hook only when config.toml holds `[hooks.state."<key>"] trusted_hash` equal
to the hook's current hash; untrusted hooks are skipped without a word in `codex exec`.
The keys and hashes come from Codex itself (`codex app-server`, JSON-RPC `hooks/list`),
so this never guesses Codex's hashing. Prints one line per hook: key, trust status.

Usage: codex_trust.py [--list] CWD      (CODEX_HOME and HOME from the environment)
"""
import json
import os
import subprocess
import sys


def hooks_list(cwd):
    requests = [
        {"id": 1, "method": "initialize", "params": {"clientInfo": {"name": "hookwarden-tests",
                                                                     "version": "1"}}},
        {"method": "initialized"},
        {"id": 2, "method": "hooks/list", "params": {"cwds": [cwd]}},
    ]
    server = subprocess.Popen(["codex", "app-server"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for request in requests:
            server.stdin.write(json.dumps(request) + "\n")
        server.stdin.flush()
        for line in server.stdout:
            message = json.loads(line)
            if message.get("id") == 2:
                if "error" in message:
                    sys.exit(f"codex_trust: hooks/list failed: {message['error']}")
                return [hook for entry in message["result"]["data"] for hook in entry["hooks"]]
        sys.exit("codex_trust: codex app-server closed without answering hooks/list")
    finally:
        server.kill()
        server.wait()


def without_tables(text, headers):
    """`text` less the TOML tables whose header line is one of `headers` (the tables
    this script writes: a header and one trusted_hash line)."""
    kept, skipping = [], False
    for line in text.split("\n"):
        if line.startswith("["):
            skipping = line in headers
        if not skipping:
            kept.append(line)
    return "\n".join(kept)


def trust(hooks):
    config = os.path.join(os.environ["CODEX_HOME"], "config.toml")
    untrusted = [h for h in hooks if h.get("trustStatus") != "trusted"]
    if not untrusted:
        return
    headers = {f"[hooks.state.{json.dumps(h['key'])}]" for h in untrusted}
    with open(config) as f:
        text = without_tables(f.read(), headers).rstrip("\n") + "\n"
    for hook in untrusted:
        text += (f"\n[hooks.state.{json.dumps(hook['key'])}]\n"
                 f"trusted_hash = {json.dumps(hook['currentHash'])}\n")
    with open(config, "w") as f:
        f.write(text)


def main():
    args = sys.argv[1:]
    list_only = bool(args) and args[0] == "--list"
    if list_only:
        args = args[1:]
    if len(args) != 1:
        sys.exit(__doc__)
    hooks = hooks_list(os.path.abspath(args[0]))
    if not list_only:
        trust(hooks)
        hooks = hooks_list(os.path.abspath(args[0]))
    for hook in hooks:
        print(hook["key"], hook.get("trustStatus"))


if __name__ == "__main__":
    main()
