#!/bin/sh
# Leaves a daemon behind: a double-forked, setsid sleeper that keeps this hook's stdout
# and stderr open, then exits 0 at once. A supervisor that waits for EOF on the pipes
# waits for the sleeper (here up to ${1:-600} s); killpg misses it.
echo '{"systemMessage": "daemon.sh: detached a sleeper"}'
( setsid sleep "${1:-600}" & )
exit 0
