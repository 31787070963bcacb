#!/bin/sh
# /init of the cgroup-v2 test VM (busybox sh). Mounts a pure cgroup v2 layout, runs the
# v2 matrix with real processes through the real binary, prints one line per test on
# the serial console and powers off:
#   HWTEST <name> PASS|FAIL <detail>
# then "HWDONE". tests/vm/run_vm_tests.sh turns those lines into CTest results.
export PATH=/bin:/hw:/hw/helpers
export HOME=/tmp

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs tmp /tmp
chmod 1777 /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
# Kernel messages (OOM reports) must not tear our lines on the shared console.
dmesg -n 1
echo "HWINFO kernel $(uname -r), cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"

CG=/sys/fs/cgroup
N=0

# result NAME PASS|FAIL DETAIL...  (one line, whatever the detail holds)
result() {
    name=$1 status=$2
    shift 2
    echo "HWTEST $name $status $(echo "$*" | tr '\n' ' ' | cut -c1-400)"
}

# field FILE KEY: a scalar of the record (strings unquoted, numbers truncated to int).
field() {
    sed -n "s/^  \"$2\": *\(.*\)$/\1/p" "$1" | sed 's/,$//; s/^"//; s/"$//' | head -n 1
}
int() { echo "${1:-0}" | sed 's/[.eE].*//; s/^$/0/'; }
summary() {
    [ -f "$1" ] || { echo "no record written"; return; }
    echo "outcome=$(field "$1" outcome) backend=$(field "$1" backend) oom_killed=$(field "$1" oom_killed)" \
        "peak=$(field "$1" peak_memory_bytes) source=$(field "$1" peak_memory_source)" \
        "cpu=$(int "$(field "$1" cpu_user_ms)")+$(int "$(field "$1" cpu_sys_ms)") wall=$(int "$(field "$1" wall_ms)")" \
        "leftovers=$(field "$1" leftovers_killed) errors=$(tr -d '\n' <"$1" | sed -n 's/.*"errors": *\(\[[^]]*\]\).*/\1/p' | tr -s ' ')"
}
token() { N=$((N + 1)); echo "hwtok-$N-$$"; }
# Processes whose command line carries TOKEN (the [h] keeps grep from finding itself).
survivors() { grep -l "[h]${1#h}" /proc/[0-9]*/cmdline 2>/dev/null | wc -l; }
killtok() { for f in $(grep -l "[h]${1#h}" /proc/[0-9]*/cmdline 2>/dev/null); do f=${f#/proc/}; kill -9 "${f%/cmdline}" 2>/dev/null; done; }
# hw PREFIX... -- runs hookwarden with a hard limit so a hang fails one test, not the VM.
hw() { timeout 60 hookwarden "$@" </dev/null; }

# --- root, controllers enabled by hookwarden itself -----------------------------------

# 1. memory limit -> oom, read from memory.events
R=/tmp/oom.json T=$(token)
hw run --backend cgroup-v2 --memory 64 --timeout 20000 --record $R -- hw_alloc 400 100 $T >/dev/null 2>&1
if [ "$(field $R outcome)" = oom ] && [ "$(field $R oom_killed)" = true ] && [ "$(field $R backend)" = cgroup-v2 ]; then
    result v2_memory_oom PASS "$(summary $R)"
else
    result v2_memory_oom FAIL "want outcome=oom oom_killed=true backend=cgroup-v2; $(summary $R)"
fi

# 2. peak memory from memory.peak within 10 % of a known allocation
R=/tmp/peak.json T=$(token)
hw run --backend cgroup-v2 --memory 256 --timeout 20000 --record $R -- hw_alloc 100 100 $T >/dev/null 2>&1
peak=$(int "$(field $R peak_memory_bytes)")
want=$((100 * 1024 * 1024))
if [ "$(field $R outcome)" = ok ] && [ "$(field $R peak_memory_source)" = "cgroup-v2:memory.peak" ] &&
    [ "$peak" -ge $((want * 9 / 10)) ] && [ "$peak" -le $((want * 11 / 10)) ]; then
    result v2_peak_memory PASS "peak $peak for $want allocated; $(summary $R)"
else
    result v2_peak_memory FAIL "want outcome=ok, source cgroup-v2:memory.peak, peak within 10% of $want; $(summary $R)"
fi

# 3. timeout: a setsid()ed tree that ignores SIGTERM dies by cgroup.kill, nothing survives
R=/tmp/timeout.json T=$(token)
hw run --backend cgroup-v2 --timeout 300 --kill-grace 200 --record $R -- hw_tree setsid-term $T >/dev/null 2>&1
sleep 1
left=$(survivors $T)
wall=$(int "$(field $R wall_ms)")
if [ "$(field $R outcome)" = timeout ] && [ "$left" -eq 0 ] && [ "$wall" -ge 495 ]; then
    result v2_timeout_kill PASS "survivors 0; $(summary $R)"
else
    result v2_timeout_kill FAIL "want outcome=timeout, wall>=495, no survivors (found $left); $(summary $R)"
fi
killtok $T

# 4. pids limit holds a fork bomb
R=/tmp/pids.json T=$(token) O=/tmp/pids.out
hw run --backend cgroup-v2 --pids 20 --timeout 20000 --record $R -- hw_forkbomb $T 2000 >$O 2>/dev/null
forked=$(int "$(head -n 1 $O)")
sleep 1
left=$(survivors $T)
if [ "$(field $R outcome)" = ok ] && [ "$forked" -lt 20 ] && [ "$forked" -ge 1 ] && [ "$left" -eq 0 ]; then
    result v2_pids_limit PASS "forked $forked under pids 20; $(summary $R)"
else
    result v2_pids_limit FAIL "want outcome=ok, 1 <= forked < 20 (got '$forked'), no survivors (found $left); $(summary $R)"
fi

# 5. CPU limit: a busy loop capped at 20 % uses at most 30 % of the wall time
R=/tmp/cpu.json
hw run --backend cgroup-v2 --cpu 20 --timeout 2000 --kill-grace 100 --record $R -- sh -c 'while :; do :; done' >/dev/null 2>&1
cpu=$(($(int "$(field $R cpu_user_ms)") + $(int "$(field $R cpu_sys_ms)")))
wall=$(int "$(field $R wall_ms)")
if [ "$(field $R outcome)" = timeout ] && [ "$wall" -ge 2000 ] && [ "$cpu" -gt 0 ] && [ $((cpu * 100)) -le $((wall * 30)) ]; then
    result v2_cpu_limit PASS "cpu $cpu ms of wall $wall ms ($((cpu * 100 / wall))%); $(summary $R)"
else
    result v2_cpu_limit FAIL "want outcome=timeout, 0 < cpu <= 30% of wall (cpu $cpu, wall $wall); $(summary $R)"
fi

# 6. the hook starts inside its run cgroup (clone3 CLONE_INTO_CGROUP): it sees the run
#    cgroup, the supervisor's clone3 succeeded, and nothing was migrated into the run
#    cgroup (a fork+cgroup.procs fallback shows up as a cgroup_attach_task event).
R=/tmp/clone3.json O=/tmp/clone3.out TR=/sys/kernel/tracing
if [ -d $TR/events/syscalls/sys_exit_clone3 ] && [ -d $TR/events/cgroup/cgroup_attach_task ]; then
    echo 1 >$TR/events/syscalls/sys_exit_clone3/enable
    echo 1 >$TR/events/cgroup/cgroup_attach_task/enable
    echo >$TR/trace
    hw run --backend cgroup-v2 --record $R -- cat /proc/self/cgroup >$O 2>/dev/null
    echo 0 >$TR/events/syscalls/sys_exit_clone3/enable
    echo 0 >$TR/events/cgroup/cgroup_attach_task/enable
    cp $TR/trace /tmp/clone3.trace
    seen=$(cat $O)
    clones=$(grep -cE '(hookwarden|<\.\.\.>)-[0-9]+ .*sys_clone3 -> 0x[1-9a-f]' /tmp/clone3.trace)
    migrations=$(grep -c 'cgroup_attach_task:.*/hw-' /tmp/clone3.trace)
    # The hook's cgroup namespace is rooted at its leaf hw-<pid>/hook: it sees "/".
    case "$seen" in
    0::/) in_run=yes ;;
    *) in_run=no ;;
    esac
    if [ "$(field $R outcome)" = ok ] && [ $in_run = yes ] && [ "$clones" -ge 1 ] && [ "$migrations" -eq 0 ]; then
        result v2_clone_into_cgroup PASS "hook saw '$seen'; clone3 calls $clones; migrations into run cgroups $migrations"
    else
        result v2_clone_into_cgroup FAIL "want hook in 0::/ (its namespace root), >=1 successful clone3, 0 migrations; saw '$seen'," \
            "clone3 $clones, migrations $migrations; $(summary $R); trace: $(grep -E 'clone3|attach' /tmp/clone3.trace | head -n 4)"
    fi
else
    result v2_clone_into_cgroup FAIL "tracefs events sys_exit_clone3/cgroup_attach_task missing"
fi

# 7. no internal processes, as root: hookwarden starts in a cgroup that holds processes
mkdir -p $CG/busy
sleep 600 &
busy_sleep=$!
echo $busy_sleep >$CG/busy/cgroup.procs
R=/tmp/busy.json T=$(token)
sh -c "echo \$\$ > $CG/busy/cgroup.procs && exec timeout 60 hookwarden run --backend cgroup-v2 --memory 64 --pids 20 --timeout 20000 --record $R -- hw_alloc 400 100 $T" \
    </dev/null >/dev/null 2>&1
if [ "$(field $R outcome)" = oom ] && [ "$(field $R backend)" = cgroup-v2 ] && grep -q "^$busy_sleep\$" $CG/busy/cgroup.procs; then
    result v2_root_in_busy_cgroup PASS "$(summary $R)"
else
    result v2_root_in_busy_cgroup FAIL "want outcome=oom backend=cgroup-v2 and the other process left in place; $(summary $R)"
fi
kill $busy_sleep 2>/dev/null

# 7b. supervisor SIGKILLed mid-run: its guardian kills the tree (cgroup.kill) and removes
#     the run cgroup
T=$(token)
hookwarden run --backend cgroup-v2 --timeout 60000 -- hw_tree sleepers $T </dev/null >/dev/null 2>&1 &
sup=$!
for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(survivors $T)" -ge 4 ] && break; sleep 0.5; done
before=$(survivors $T)
kill -9 $sup
wait $sup 2>/dev/null
for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(survivors $T)" -eq 0 ] && [ ! -d $CG/hookwarden/hw-$sup ] && break; sleep 0.2; done
left=$(survivors $T)
if [ "$before" -ge 4 ] && [ "$left" -eq 0 ] && [ ! -d $CG/hookwarden/hw-$sup ]; then
    result v2_supervisor_killed PASS "tree of $before processes gone, hw-$sup removed"
else
    result v2_supervisor_killed FAIL "want the 4-process tree (saw $before) gone (left $left) and hw-$sup removed ($(ls $CG/hookwarden | tr '\n' ' '))"
fi
killtok $T

# 7c. a run cgroup left by a dead supervisor (guardian gone too) is swept by the next run,
#     and what still ran in it is killed, not moved to the parent
T=$(token) S=$CG/hookwarden/hw-999999
mkdir -p $S
sh -c "echo \$\$ > $S/cgroup.procs && exec hw_tree sleepers $T" </dev/null >/dev/null 2>&1 &
for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(survivors $T)" -ge 4 ] && break; sleep 0.5; done
before=$(survivors $T)
hw run --backend cgroup-v2 -- true >/dev/null 2>&1
for i in 1 2 3 4 5 6 7 8 9 10; do [ ! -d $S ] && [ "$(survivors $T)" -eq 0 ] && break; sleep 0.2; done
left=$(survivors $T)
if [ "$before" -ge 4 ] && [ ! -d $S ] && [ "$left" -eq 0 ]; then
    result v2_stale_cgroup_swept PASS "hw-999999 with $before processes killed and removed"
else
    result v2_stale_cgroup_swept FAIL "want hw-999999 removed ($([ -d $S ] && echo still there || echo removed)) and its $before processes killed (left $left)"
fi
killtok $T

# 7d. a root hook cannot lift its limits: it rewrites memory.max and pids.max of every
#     cgroup it can find, then allocates 200 MB under 64 MB (docs/security.md)
R=/tmp/lift.json T=$(token)
cat >/tmp/lift.sh <<EOF
for d in $CG $CG/hookwarden/hw-* $CG/hookwarden/hw-*/hook; do echo max > \$d/memory.max; echo max > \$d/pids.max; done 2>/dev/null
exec hw_alloc 200 100 $T
EOF
hw run --backend cgroup-v2 --memory 64 --timeout 20000 --record $R -- sh /tmp/lift.sh >/dev/null 2>&1
cgroupfs=$(sed -n 's/^ *"cgroupfs": *"\([^"]*\)".*/\1/p' $R 2>/dev/null)
if [ "$(field $R outcome)" = oom ] && [ "$cgroupfs" = read-only ]; then
    result v2_hook_cannot_lift_limits PASS "cgroupfs $cgroupfs; $(summary $R)"
else
    result v2_hook_cannot_lift_limits FAIL "want outcome=oom cgroupfs=read-only (got '$cgroupfs'); $(summary $R)"
fi
killtok $T

# 7e. a root hook that moves itself to the root cgroup leaves no daemon behind
R=/tmp/escape.json T=$(token)
printf '%s\n' "echo \$\$ > $CG/cgroup.procs 2>/dev/null" "setsid sh -c 'sleep 30; :' $T &" "sleep 0.2" >/tmp/escape.sh
hw run --backend cgroup-v2 --record $R -- sh /tmp/escape.sh >/dev/null 2>&1
sleep 1
left=$(survivors $T)
if [ "$(field $R outcome)" = ok ] && [ "$left" -eq 0 ]; then
    result v2_hook_cannot_leave_its_cgroup PASS "survivors 0; $(summary $R)"
else
    result v2_hook_cannot_leave_its_cgroup FAIL "want outcome=ok and no survivor (found $left); $(summary $R)"
fi
killtok $T

# 7f. with CAP_SYS_ADMIN kept (policy opt-out) the hook mounts cgroup2 in its namespace:
#     it sees only its leaf; the sub-cgroups it makes there go with the run cgroup
R=/tmp/sub.json T=$(token) P=/tmp/keep-policy.json
echo '{"version":1,"defaults":{"sandbox":{"keep_cap_sys_admin":true}}}' >$P
cat >/tmp/sub.sh <<EOF
echo \$PPID >/tmp/sub.sup
mkdir -p /tmp/cgm && mount -t cgroup2 none /tmp/cgm || exit 3
[ -d /tmp/cgm/hookwarden ] && touch /tmp/sub.sees-above
mkdir -p /tmp/cgm/a/b && echo \$\$ >/tmp/cgm/a/b/cgroup.procs || exit 4
sh -c 'sleep 30; :' $T &
sleep 30
EOF
hw run --backend cgroup-v2 --policy $P --timeout 500 --record $R -- sh /tmp/sub.sh >/dev/null 2>/tmp/sub.err
sup=$(cat /tmp/sub.sup 2>/dev/null)
for i in 1 2 3 4 5 6 7 8 9 10; do [ ! -d $CG/hookwarden/hw-$sup ] && break; sleep 0.2; done
left=$(survivors $T)
if [ "$(field $R outcome)" = timeout ] && [ -n "$sup" ] && [ ! -d $CG/hookwarden/hw-$sup ] && [ "$left" -eq 0 ] &&
    [ ! -e /tmp/sub.sees-above ]; then
    result v2_sub_cgroups_removed PASS "hw-$sup and its sub-cgroups removed; $(summary $R)"
else
    result v2_sub_cgroups_removed FAIL "want outcome=timeout, hw-$sup removed ($(ls $CG/hookwarden | tr '\n' ' ')), no survivor (left $left), leaf only ($([ -e /tmp/sub.sees-above ] && echo saw hookwarden/ above it || echo ok)); $(summary $R); $(cat /tmp/sub.err)"
fi
killtok $T

# 7g. policy pid_namespace on v2 (clone3 with CLONE_NEWPID and CLONE_INTO_CGROUP): the
#     hook is pid 1, sees only its tree, and the timeout still kills it and its daemon
R=/tmp/pidns.json T=$(token) P=/tmp/pidns-policy.json
echo '{"version":1,"defaults":{"sandbox":{"pid_namespace":true}}}' >$P
rm -f /tmp/pidns.self /tmp/pidns.count
printf '%s\n' "echo \$\$ >/tmp/pidns.self" "ls /proc | grep -c '^[0-9]' >/tmp/pidns.count" \
    "setsid sh -c 'sleep 30; :' $T &" "sleep 30" >/tmp/pidns.sh
hw run --backend cgroup-v2 --policy $P --timeout 500 --record $R -- sh /tmp/pidns.sh >/dev/null 2>/tmp/pidns.err
sleep 1
left=$(survivors $T) self=$(cat /tmp/pidns.self 2>/dev/null) count=$(cat /tmp/pidns.count 2>/dev/null)
if [ "$(field $R outcome)" = timeout ] && [ "$self" = 1 ] && [ "${count:-99}" -le 6 ] && [ "$left" -eq 0 ] &&
    grep -q '"pid_namespace": "private"' $R; then
    result v2_pid_namespace PASS "pid 1, $count pids in /proc, no survivor; $(summary $R)"
else
    result v2_pid_namespace FAIL "want outcome=timeout, pid 1 (got '$self'), few pids (got '$count'), no survivor (left $left), pid_namespace private; $(summary $R); $(cat /tmp/pidns.err)"
fi
killtok $T

# 8. doctor as root
doctor_out=$(timeout 60 hookwarden doctor 2>&1)
if echo "$doctor_out" | grep -q "cgroup-v2: available" && echo "$doctor_out" | grep -q "auto picks: cgroup-v2"; then
    result v2_doctor_root PASS "$(echo "$doctor_out" | grep 'cgroup-v2:')"
else
    result v2_doctor_root FAIL "want 'cgroup-v2: available' and 'auto picks: cgroup-v2'; got: $doctor_out"
fi

# --- delegated to uid 1000, as systemd's user@.service sets it up ---------------------
# root creates the subtree, enables the controllers down to it, chowns the directory and
# its cgroup.procs, cgroup.subtree_control, cgroup.threads, and starts the user's shell
# inside it. The user's shell also runs another process there (an "agent"), so
# hookwarden has to deal with the no-internal-process rule itself.
D=$CG/user.slice/u1000
mkdir -p $D
echo "+memory +pids +cpu" >$CG/cgroup.subtree_control
echo "+memory +pids +cpu" >$CG/user.slice/cgroup.subtree_control
chown 1000:1000 $D $D/cgroup.procs $D/cgroup.subtree_control $D/cgroup.threads
mkdir -p /tmp/home1000 && chown 1000:1000 /tmp/home1000
cat >/tmp/delegated.sh <<EOF
export HOME=/tmp/home1000
sleep 600 &
echo \$! >/tmp/d-agent.pid
timeout 60 hookwarden run --backend auto --memory 64 --timeout 20000 --record /tmp/d-oom.json -- hw_alloc 400 100 $(token) </dev/null >/dev/null 2>/tmp/d-oom.err
timeout 60 hookwarden run --backend auto --pids 20 --timeout 20000 --record /tmp/d-pids.json -- hw_forkbomb $(token) 2000 </dev/null >/tmp/d-pids.out 2>/dev/null
T=$(token)
echo \$T >/tmp/d-timeout.token
timeout 60 hookwarden run --backend auto --timeout 300 --kill-grace 200 --record /tmp/d-timeout.json -- hw_tree setsid-term \$T </dev/null >/dev/null 2>&1
timeout 60 hookwarden run --backend auto --record /tmp/d-where.json -- cat /proc/self/cgroup </dev/null >/tmp/d-where.out 2>&1
cat /proc/\$(cat /tmp/d-agent.pid)/cgroup >/tmp/d-agent.cgroup
kill \$(cat /tmp/d-agent.pid)
EOF
chmod 644 /tmp/delegated.sh
sh -c "echo \$\$ > $D/cgroup.procs && exec hw_drop_to 1000 1000 sh /tmp/delegated.sh" </dev/null >/tmp/delegated.log 2>&1
sleep 1
R=/tmp/d-oom.json
if [ "$(field $R outcome)" = oom ] && [ "$(field $R backend)" = cgroup-v2 ] && [ "$(field $R oom_killed)" = true ]; then
    result v2_delegated_memory_oom PASS "$(summary $R)"
else
    result v2_delegated_memory_oom FAIL "want outcome=oom backend=cgroup-v2; $(summary $R); stderr: $(cat /tmp/d-oom.err)"
fi
R=/tmp/d-pids.json
forked=$(int "$(head -n 1 /tmp/d-pids.out 2>/dev/null)")
if [ "$(field $R outcome)" = ok ] && [ "$(field $R backend)" = cgroup-v2 ] && [ "$forked" -lt 20 ] && [ "$forked" -ge 1 ]; then
    result v2_delegated_pids_limit PASS "forked $forked under pids 20; $(summary $R)"
else
    result v2_delegated_pids_limit FAIL "want outcome=ok backend=cgroup-v2 1 <= forked < 20 (got '$forked'); $(summary $R)"
fi
R=/tmp/d-timeout.json T=$(cat /tmp/d-timeout.token 2>/dev/null)
left=$(survivors "${T:-hwtok-none}")
if [ "$(field $R outcome)" = timeout ] && [ "$(field $R backend)" = cgroup-v2 ] && [ "$left" -eq 0 ]; then
    result v2_delegated_timeout_kill PASS "survivors 0; $(summary $R)"
else
    result v2_delegated_timeout_kill FAIL "want outcome=timeout backend=cgroup-v2, no survivors (found $left); $(summary $R)"
fi
R=/tmp/d-where.json
where=$(cat /tmp/d-where.out 2>/dev/null)
case "$where" in
0::/user.slice/u1000/hw-*) in_deleg=yes ;;
*) in_deleg=no ;;
esac
agent=$(cat /tmp/d-agent.cgroup 2>/dev/null)
if [ "$(field $R outcome)" = ok ] && [ "$(field $R backend)" = cgroup-v2 ] && [ $in_deleg = yes ] &&
    [ "$agent" = 0::/user.slice/u1000/supervisors ] && [ -z "$(cat $D/cgroup.procs)" ]; then
    result v2_delegated_placement PASS "hook saw '$where'; the agent moved to '$agent'; subtree_control '$(cat $D/cgroup.subtree_control)'"
else
    result v2_delegated_placement FAIL "want the hook in 0::/user.slice/u1000/hw-*, the agent in .../u1000/supervisors, none left in u1000;" \
        "hook saw '$where', agent in '$agent', u1000 holds '$(cat $D/cgroup.procs | tr '\n' ' ')'; $(summary $R); log: $(cat /tmp/delegated.log)"
fi

# --- uid 1000 without delegation: auto falls back to none and says why ----------------
mkdir -p $CG/nodeleg
R=/tmp/nodeleg.json
HOME=/tmp/home1000 sh -c "echo \$\$ > $CG/nodeleg/cgroup.procs && exec hw_drop_to 1000 1000 timeout 60 hookwarden run --backend auto --record $R -- true" \
    </dev/null >/dev/null 2>&1
if [ "$(field $R outcome)" = ok ] && [ "$(field $R backend)" = none ] && grep -q "cgroup-v2 unavailable: .*not writable by uid 1000" $R; then
    result v2_undelegated_falls_back PASS "$(summary $R)"
else
    result v2_undelegated_falls_back FAIL "want outcome=ok backend=none and 'cgroup-v2 unavailable: ... not writable by uid 1000' in errors; $(summary $R)"
fi
doctor_out=$(HOME=/tmp/home1000 sh -c "echo \$\$ > $CG/nodeleg/cgroup.procs && exec hw_drop_to 1000 1000 timeout 60 hookwarden doctor" 2>&1 </dev/null)
if echo "$doctor_out" | grep -q "cgroup-v2: unavailable - .*not writable by uid 1000" && echo "$doctor_out" | grep -q "auto picks: none"; then
    result v2_undelegated_doctor PASS "$(echo "$doctor_out" | grep 'cgroup-v2:')"
else
    result v2_undelegated_doctor FAIL "want 'cgroup-v2: unavailable - ... not writable by uid 1000' and 'auto picks: none'; got: $doctor_out"
fi

# --- served: a daemon of uid 1000 in a delegated cgroup runs the hook of a uid-1000 ----
# client in an undelegated one (any terminal): the hook gets cgroup-v2 limits.
S=$CG/user.slice/u1000s
mkdir -p $S
chown 1000:1000 $S $S/cgroup.procs $S/cgroup.subtree_control $S/cgroup.threads
mkdir -p /tmp/s1000 && chown 1000:1000 /tmp/s1000 && chmod 700 /tmp/s1000
HOME=/tmp/home1000 sh -c "echo \$\$ > $S/cgroup.procs && exec hw_drop_to 1000 1000 hookwarden serve --socket /tmp/s1000/serve.sock --idle-exit 60s" \
    </dev/null >/tmp/serve.log 2>&1 &
SERVE_PID=$!
for i in 1 2 3 4 5 6 7 8 9 10; do [ -S /tmp/s1000/serve.sock ] && break; sleep 1; done
R=/tmp/served.json
HOME=/tmp/home1000 HOOKWARDEN_SOCKET=/tmp/s1000/serve.sock HOOKWARDEN_SERVE_HANDSHAKE_MS=5000 \
    sh -c "echo \$\$ > $CG/nodeleg/cgroup.procs && exec hw_drop_to 1000 1000 timeout 60 hookwarden run --backend auto --memory 64 --timeout 20000 --record $R -- hw_alloc 400 100 $(token)" \
    </dev/null >/dev/null 2>/tmp/served.err
if [ "$(field $R outcome)" = oom ] && [ "$(field $R backend)" = cgroup-v2 ] && [ "$(field $R served_by)" = serve ]; then
    result v2_served_delegated PASS "served_by=serve $(summary $R)"
else
    result v2_served_delegated FAIL "want outcome=oom backend=cgroup-v2 served_by=serve; served_by=$(field $R served_by) $(summary $R);" \
        "stderr: $(cat /tmp/served.err); serve log: $(cat /tmp/serve.log)"
fi

# The ready pool on v2 (docs/serve.md): the run goes to a worker forked before the
# client came (no placed child on v2: clone3 starts the hook in the ready leaf), and the
# run's own limits are in the ready cgroup (64 MB over the built-in 50 MB, peak 64 MB above).
sleep 2
before=" $(cat /proc/$SERVE_PID/task/$SERVE_PID/children 2>/dev/null) "
R=/tmp/served_pool.json
ppid=$(HOME=/tmp/home1000 HOOKWARDEN_SOCKET=/tmp/s1000/serve.sock HOOKWARDEN_SERVE_HANDSHAKE_MS=5000 \
    sh -c "echo \$\$ > $CG/nodeleg/cgroup.procs && exec hw_drop_to 1000 1000 timeout 60 hookwarden run --record $R -- sh -c 'echo \$PPID'" \
    </dev/null 2>/tmp/served_pool.err)
if [ -n "$ppid" ] && echo "$before" | grep -q " $ppid " && [ "$(field $R backend)" = cgroup-v2 ] && [ "$(field $R served_by)" = serve ]; then
    result v2_served_ready_pool PASS "hook parent $ppid among the daemon's children before the client:$before $(summary $R)"
else
    result v2_served_ready_pool FAIL "hook parent '$ppid', daemon's children before:$before $(summary $R);" \
        "stderr: $(cat /tmp/served_pool.err); serve log: $(cat /tmp/serve.log)"
fi

# A hook of a served run cannot hand a run of its own to the daemon (docs/serve.md,
# "Security"), though it hides that it is nested: its cgroup is a run cgroup below the
# daemon's delegated one (.../u1000s/hw-*), with no "hookwarden" directory in the path.
R=/tmp/served_nested.json
R2=/tmp/served_inner.json
HOME=/tmp/home1000 HOOKWARDEN_SOCKET=/tmp/s1000/serve.sock HOOKWARDEN_SERVE_HANDSHAKE_MS=5000 \
    sh -c "echo \$\$ > $CG/nodeleg/cgroup.procs && exec hw_drop_to 1000 1000 timeout 60 hookwarden run --record $R -- sh -c 'env -u HOOKWARDEN_SUPERVISOR_PID hookwarden run --record $R2 -- sh -c \"echo inner ran\"'" \
    </dev/null >/tmp/served_nested.out 2>/tmp/served_nested.err
if [ "$(field $R served_by)" = serve ] && [ "$(field $R2 served_by)" = process ] && grep -q "inner ran" /tmp/served_nested.out &&
    grep -q "runs inside a hookwarden run (cgroup /user.slice/u1000s/hw-" /tmp/serve.log; then
    result v2_served_hook_cannot_hand_over PASS "outer $(summary $R); inner $(summary $R2); $(grep 'runs inside a hookwarden run' /tmp/serve.log | head -1)"
else
    result v2_served_hook_cannot_hand_over FAIL "want the outer run served, the inner in-process and the daemon's refusal naming .../u1000s/hw-*;" \
        "outer $(summary $R); inner served_by=$(field $R2 served_by) $(summary $R2); out: $(cat /tmp/served_nested.out); stderr: $(cat /tmp/served_nested.err); serve log: $(cat /tmp/serve.log)"
fi

# --- setup (root): favordynmods on the cgroup2 mount, and the boot unit ----------------
mkdir -p /tmp/units
setup_out=$(timeout 60 hookwarden setup --unit-dir /tmp/units 2>&1 </dev/null)
if grep -q " /sys/fs/cgroup cgroup2 .*favordynmods" /proc/mounts &&
    grep -q "^ExecStart=.*hookwarden setup --no-persist$" /tmp/units/hookwarden-favordynmods.service; then
    result v2_setup_favordynmods PASS "$(grep ' /sys/fs/cgroup cgroup2' /proc/mounts); $setup_out"
else
    result v2_setup_favordynmods FAIL "want favordynmods in /proc/mounts and the unit; mounts: $(grep cgroup2 /proc/mounts); out: $setup_out"
fi
again=$(timeout 60 hookwarden setup --no-persist 2>&1 </dev/null)
nobody=$(hw_drop_to 1000 1000 hookwarden setup 2>&1 </dev/null; echo "rc=$?")
if echo "$again" | grep -q "already on" && echo "$nobody" | grep -q "must run as root" && echo "$nobody" | grep -q "rc=2"; then
    result v2_setup_idempotent_root_only PASS "$again; $nobody"
else
    result v2_setup_idempotent_root_only FAIL "want 'already on' the second time and 'must run as root' rc=2 for uid 1000; got: $again; $nobody"
fi

echo HWDONE
sync
poweroff -f
echo o >/proc/sysrq-trigger
sleep 10
