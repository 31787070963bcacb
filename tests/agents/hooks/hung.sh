#!/usr/bin/env bash
# A hook that never answers: it ignores SIGTERM, sleeps far past any timeout, and leaves
# a `setsid` grandchild that holds its stdout. Whatever of it is still alive after the
# session carries TAG in its argv[0]. Its start time goes to STAMP (seconds since the
# epoch), to time how long the agent is held from there.
# usage: hung.sh TAG PIDFILE STAMP
tag=$1 pidfile=$2
date +%s.%N >"$3"
trap '' TERM
setsid bash -c "echo \$\$ > '$pidfile'; exec -a 'hw-agent-test-$tag-grandchild' sleep 120" &
exec -a "hw-agent-test-$tag-hook" sleep 120
