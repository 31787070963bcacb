#!/usr/bin/env python3
"""Interleaved A/B of `hookwarden run -- /bin/true` between two binaries.

usage: bench/ab_interleaved.py BINARY_A BINARY_B [ROUNDS] [SPACING_MS] [BACKENDS]

Each round runs bare /bin/true, then A and B on every backend (comma-separated, default
"none,cgroup-v1"), in an order that alternates between rounds, one command every
SPACING_MS (default 20), so a shared machine's drift hits all of them alike. Each binary
has its own state directory. Times are taken from Python around subprocess.run (every
figure, bare included, carries the same interpreter cost). Prints a Markdown table of
p50 / p95 per command.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

EVENT = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "ls"}}).encode()


def timed(argv, env):
    start = time.perf_counter()
    subprocess.run(argv, input=EVENT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    return (time.perf_counter() - start) * 1000.0


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))]


def main():
    a, b = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    spacing = (float(sys.argv[4]) if len(sys.argv) > 4 else 20.0) / 1000.0
    backends = (sys.argv[5] if len(sys.argv) > 5 else "none,cgroup-v1").split(",")
    envs = {}
    for name in ("A", "B"):
        env = dict(os.environ)
        env["HOOKWARDEN_STATE_DIR"] = tempfile.mkdtemp(prefix=f"hw-ab-{name}-")
        envs[name] = env
    commands = [("bare", ["/bin/true"], envs["A"])]
    for backend in backends:
        for name, binary in (("A", a), ("B", b)):
            commands.append((f"{name} {backend}", [binary, "run", "--backend", backend, "--", "/bin/true"], envs[name]))
    times = {label: [] for label, _, _ in commands}
    for _ in range(5):  # warm-up: page cache, state directories, gates
        for _, argv, env in commands:
            timed(argv, env)
    for round_number in range(rounds):
        order = commands if round_number % 2 == 0 else list(reversed(commands))
        for label, argv, env in order:
            times[label].append(timed(argv, env))
            time.sleep(spacing)
    bare = statistics.median(times["bare"])
    print(f"| command | p50 ms | p95 ms | p50 over bare ms |")
    print(f"|---|---|---|---|")
    for label, _, _ in commands:
        values = times[label]
        print(f"| {label} | {percentile(values, 50):.2f} | {percentile(values, 95):.2f} | {percentile(values, 50) - bare:+.2f} |")


if __name__ == "__main__":
    main()
