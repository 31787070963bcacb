#!/usr/bin/env python3
"""Allocates and touches memory ${2:-8} MB at a time until killed (an OOM or a memory limit).

Stops growing at ${1:-2048} MB and then just holds it, so a run without a memory limit
does not take the machine down. Pages are written, not merely reserved: untouched
allocations would not count against a cgroup's memory.
"""
import sys
import time

cap_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 2048
step_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 8
held = []
while len(held) * step_mb < cap_mb:
    held.append(bytearray(b"\x01") * (step_mb << 20))
sys.stderr.write("leak_memory: holding %d MB\n" % (len(held) * step_mb))
sys.stderr.flush()
while True:
    time.sleep(3600)
