#!/usr/bin/env bash
# A guard that blocks at once but leaves a `setsid` grandchild holding its stdout and
# stderr open, so an agent that waits for end-of-file waits for the grandchild.
# FORM is how the agent reads a block: exit2 (reason on stderr, Codex CLI and Claude
# Code) or json (`{"decision":"deny"}` on stdout, Gemini CLI).
# Its start time goes to STAMP, like hung.sh.
# usage: deny_leaving_holder.sh TAG PIDFILE FORM STAMP
tag=$1 pidfile=$2 form=$3
date +%s.%N >"$4"
cat >/dev/null
setsid bash -c "echo \$\$ > '$pidfile'; exec -a 'hw-agent-test-$tag-holder' sleep 120" &
while [ ! -s "$pidfile" ]; do sleep 0.01; done
case $form in
  exit2) echo "blocked by the test guard" >&2; exit 2 ;;
  json) printf '{"decision":"deny","reason":"blocked by the test guard"}\n'; exit 0 ;;
  *) echo "deny_leaving_holder.sh: unknown form $form" >&2; exit 1 ;;
esac
