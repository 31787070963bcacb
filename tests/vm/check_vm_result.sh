#!/bin/sh
# One CTest result from the VM run: passes when RESULTS has "HWTEST NAME PASS", fails on
# "HWTEST NAME FAIL" (the detail says what was seen), skips (77) when the VM stage was
# skipped, and fails naming the VM when the line is missing.
# Usage: check_vm_result.sh RESULTS NAME
results=$1
name=$2
if [ ! -f "$results" ]; then
    echo "no VM results at $results: the fixture test vm_cgroup_v2_boot did not run"
    exit 1
fi
if skipped=$(grep -m1 '^HWSKIP ' "$results"); then
    echo "SKIPPED: cgroup-v2 VM tests: ${skipped#HWSKIP }"
    exit 77
fi
line=$(grep -m1 "^HWTEST $name " "$results")
case "$line" in
"HWTEST $name PASS"*)
    echo "$line"
    exit 0
    ;;
"HWTEST $name FAIL"*)
    echo "$line"
    exit 1
    ;;
esac
echo "no result for $name: the VM stopped before reaching it"
grep '^HWVM ' "$results"
echo "console: $(dirname "$results")/console.log"
exit 1
