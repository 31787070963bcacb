#!/bin/sh
# Writes ${1:-50} MB to stdout as fast as the reader takes it, then exits 0: for output
# limits and for a supervisor that must keep draining a pipe it no longer keeps.
mb=${1:-50}
yes 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' | head -c $((mb * 1048576))
exit 0
