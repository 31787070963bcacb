#!/bin/sh
# Ignores SIGTERM, and so does a child that moved to its own session (setsid), out of
# the hook's process group: only SIGKILL to the whole tree (the cgroup) ends both.
# SIG_IGN survives exec, so the sleeps ignore SIGTERM too.
trap '' TERM
setsid sh -c 'trap "" TERM; while :; do sleep 1; done' &
while :; do sleep 1; done
