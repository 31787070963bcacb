#!/usr/bin/env python3
"""Interleaved A/B of one `hookwarden run` (docs/performance.md): two binaries, each with
its own state directory, alternating run by run (A B A B ...), runs spaced 20 ms apart so
that each one's guardian has committed before the next starts, as an agent's tool calls
are. Each sample is the wall time from spawning `hookwarden run -- true` with a
PreToolUse event on stdin to its exit (the agent has its answer then).

usage: ab_run.py BINARY_A BINARY_B [RUNS_EACH=300]
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

EVENT = b'{"session_id":"ab","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}}'


def one(binary, env):
    start = time.perf_counter()
    subprocess.run([binary, "run", "--name", "ab", "--", "true"], input=EVENT, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return (time.perf_counter() - start) * 1000


def main():
    a, b = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    with tempfile.TemporaryDirectory() as tmp:
        envs = []
        for name in ("a", "b"):
            env = dict(os.environ, HOOKWARDEN_STATE_DIR=os.path.join(tmp, name),
                       HOOKWARDEN_POLICY=os.path.join(tmp, "policy.json"))
            envs.append(env)
        with open(os.path.join(tmp, "policy.json"), "w") as f:
            f.write('{"version": 1}')
        for binary, env in ((a, envs[0]), (b, envs[1])):  # warm-up: store created, page cache
            for _ in range(20):
                one(binary, env)
                time.sleep(0.02)
        samples = {a: [], b: []}
        for i in range(runs * 2):
            binary, env = (a, envs[0]) if i % 2 == 0 else (b, envs[1])
            samples[binary].append(one(binary, env))
            time.sleep(0.02)
    for label, binary in (("A", a), ("B", b)):
        s = sorted(samples[binary])
        p95 = s[int(len(s) * 0.95) - 1]
        print(f"{label} {binary}: median {statistics.median(s):.3f} ms, p95 {p95:.3f} ms, n={len(s)}")
    diff = statistics.median(samples[b]) - statistics.median(samples[a])
    print(f"B - A median: {diff:+.3f} ms")


if __name__ == "__main__":
    main()
