#!/bin/sh
# Sleeps $1 milliseconds (default 100), then succeeds: for latency budgets and p95 tests.
ms=${1:-100}
case $ms in '' | *[!0-9]*) echo "slow.sh: milliseconds expected, got '$ms'" >&2; exit 64 ;; esac
sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
exit 0
