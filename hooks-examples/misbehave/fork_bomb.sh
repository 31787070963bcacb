#!/bin/sh
# A fork bomb with a ceiling: a tree FANOUT wide and DEPTH deep of sleeping processes
# (defaults 21 and 3: 21 + 441 + 9261 = 9723 processes), so a run without a pids limit
# stresses the machine without taking it down. Under a pids limit forks start failing
# early, which is the point. Every process sleeps ${3:-300} s and then ends by itself.
fanout=${1:-21}
depth=${2:-3}
nap=${3:-300}
grow() {
    level=$1
    [ "$level" -gt 0 ] || exec sleep "$nap"
    i=0
    while [ $i -lt "$fanout" ]; do
        (grow $((level - 1))) &
        i=$((i + 1))
    done
    exec sleep "$nap"
}
i=0
while [ $i -lt "$fanout" ]; do
    (grow $((depth - 1))) &
    i=$((i + 1))
done
wait
