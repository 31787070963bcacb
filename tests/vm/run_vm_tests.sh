#!/usr/bin/env bash
# Boots a real cgroup v2 kernel under qemu (TCG, no network) once, runs the cgroup-v2
# matrix of tests/vm/init.sh inside it, and writes the results to
#   OUT_DIR/results.txt   "HWTEST <name> PASS|FAIL <detail>" lines, or one "HWSKIP <why>"
#   OUT_DIR/console.log   the whole serial console
# tests/vm/check_vm_result.sh turns one line into one CTest result.
#
# Usage: run_vm_tests.sh BUILD_DIR [OUT_DIR]
#   BUILD_DIR holds hookwarden, tests/helpers/hw_* and tests/vm/hw_drop_to (override with
#   HOOKWARDEN_BIN, HOOKWARDEN_HELPERS_DIR, HOOKWARDEN_DROP_TO). OUT_DIR defaults to
#   BUILD_DIR/tests/vm. HOOKWARDEN_VM_KERNEL picks the kernel (default: newest
#   /boot/vmlinuz-*), HOOKWARDEN_VM_TIMEOUT the hard limit in seconds (default 240).
# Exit: 0 the VM ran the matrix, or part of it (individual tests may still have failed;
# those without a line fail naming the VM error), 77 skipped (qemu, kernel or busybox
# missing), 1 the VM ran no test at all.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run_vm_tests.sh BUILD_DIR [OUT_DIR]}
build=$(cd "$build" && pwd)
out=${2:-$build/tests/vm}
mkdir -p "$out"
out=$(cd "$out" && pwd)
results=$out/results.txt
console=$out/console.log
rm -f "$results" "$console"

hookwarden=${HOOKWARDEN_BIN:-$build/hookwarden}
helpers=${HOOKWARDEN_HELPERS_DIR:-$build/tests/helpers}
drop_to=${HOOKWARDEN_DROP_TO:-$build/tests/vm/hw_drop_to}
vm_timeout=${HOOKWARDEN_VM_TIMEOUT:-240}

skip() {
    echo "HWSKIP $*" >"$results"
    echo "SKIPPED: cgroup-v2 VM tests: $*" >&2
    exit 77
}

qemu=$(command -v qemu-system-x86_64) || skip "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
busybox=$(command -v busybox) || skip "busybox not found (apt-get install busybox-static)"
file -L "$busybox" 2>/dev/null | grep -q "statically linked" ||
    ldd "$busybox" 2>&1 | grep -q "not a dynamic executable" ||
    skip "$busybox is not statically linked (apt-get install busybox-static)"
command -v cpio >/dev/null || skip "cpio not found (apt-get install cpio)"
kernel=${HOOKWARDEN_VM_KERNEL:-$(ls -1v /boot/vmlinuz-* 2>/dev/null | tail -n 1)}
[ -n "$kernel" ] && [ -f "$kernel" ] || skip "no kernel image in /boot (apt-get install linux-image-amd64)"
[ -r "$kernel" ] || skip "kernel image $kernel is not readable by uid $(id -u)"
config=/boot/config-${kernel#/boot/vmlinuz-}
if [ -f "$config" ]; then
    for option in CONFIG_MEMCG CONFIG_CGROUP_PIDS CONFIG_CFS_BANDWIDTH CONFIG_BLK_DEV_INITRD CONFIG_SERIAL_8250_CONSOLE CONFIG_TMPFS; do
        grep -q "^$option=y" "$config" || skip "$kernel lacks built-in $option (the VM loads no modules)"
    done
fi
for binary in "$hookwarden" "$drop_to" "$helpers"/hw_alloc "$helpers"/hw_tree "$helpers"/hw_forkbomb "$helpers"/hw_fdprobe; do
    [ -x "$binary" ] || { echo "HWVM ERROR $binary not built" >"$results"; echo "error: $binary not built" >&2; exit 1; }
done

# --- the initramfs: busybox, the binaries under test, their shared libraries, /init ---
stage=$(mktemp -d "${TMPDIR:-/tmp}/hw-vm.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root=$stage/root
mkdir -p "$root"/{bin,hw/helpers,proc,sys,dev,tmp,etc,lib64,lib/x86_64-linux-gnu}
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
binaries=("$hookwarden" "$drop_to")
cp "$hookwarden" "$root/hw/hookwarden"
cp "$drop_to" "$root/hw/hw_drop_to"
for helper in "$helpers"/hw_*; do
    [ -x "$helper" ] && [ -f "$helper" ] || continue
    cp "$helper" "$root/hw/helpers/"
    binaries+=("$helper")
done
# Every library ldd resolves (and the dynamic loader), at the path ldd names.
for lib in $(ldd "${binaries[@]}" 2>/dev/null | grep -oE '(=> )?/[^ ]+ \(0x' | sed -E 's/^=> //; s/ \(0x$//' | sort -u); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done
printf 'root:x:0:0:root:/tmp:/bin/sh\nuser:x:1000:1000:user:/tmp:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nuser:x:1000:\n' >"$root/etc/group"
cp "$here/init.sh" "$root/init"
chmod 755 "$root/init"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) >"$stage/initramfs.cpio" ||
    { echo "HWVM ERROR cannot pack the initramfs" >"$results"; exit 1; }

# --- boot once ---------------------------------------------------------------------------
echo "booting $kernel under qemu TCG (limit ${vm_timeout}s; initramfs $(du -h "$stage/initramfs.cpio" | cut -f1))" >&2
start=$(date +%s)
timeout "$vm_timeout" "$qemu" -accel tcg -m 1024 -nographic -no-reboot -nic none \
    -kernel "$kernel" -initrd "$stage/initramfs.cpio" \
    -append "console=ttyS0 panic=-1 quiet" </dev/null >"$console" 2>&1
rc=$?
elapsed=$(($(date +%s) - start))
tr -d '\r' <"$console" | grep -oE '(HWTEST|HWINFO|HWDONE).*' >"$results.tmp"
grep '^HWINFO' "$results.tmp" >&2
grep '^HWTEST' "$results.tmp"
if ! grep -q '^HWDONE' "$results.tmp"; then
    why="the VM did not finish the matrix (qemu exit $rc after ${elapsed}s$([ $rc -eq 124 ] && echo ", hard timeout ${vm_timeout}s")); see $console"
    echo "HWVM ERROR $why" >>"$results.tmp"
    mv "$results.tmp" "$results"
    echo "error: $why" >&2
    tail -n 30 "$console" >&2
    # Results that did come in still count: the tests without a line fail one by one
    # naming this error. Only a VM that ran nothing fails the fixture (and so skips all).
    grep -q '^HWTEST' "$results" && exit 0
    exit 1
fi
mv "$results.tmp" "$results"
echo "VM stage: ${elapsed}s, $(grep -c '^HWTEST .* PASS' "$results") passed, $(grep -c '^HWTEST .* FAIL' "$results") failed" >&2
exit 0
