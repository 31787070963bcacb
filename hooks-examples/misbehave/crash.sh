#!/bin/sh
# Dies of SIGSEGV, sent to itself: a crash hookwarden did not cause.
echo "crash.sh: about to crash" >&2
kill -SEGV $$
sleep 5 # not reached; a shell that survived its own SIGSEGV would still end
exit 0
