#!/usr/bin/env python3
"""One probe per finding class of issue 16, against one or two hookwarden binaries.

    tests/probe/run_probes.py [--repeat N] AFTER [BEFORE]

Each probe is a hostile hook or input run through the real binary (as root, on the
machine's own cgroup backend, v1 here); its result is what a user would see: "held"
(the defence worked) or what got through: ESCAPE (more than the limits), BYPASS (a
fail-closed verdict answered allow, or the agent trapped), CRASH, HANG. Prints a
markdown table (class, before, after) and the totals per kind. Not part of ctest: about
a minute per binary. docs/security.md keeps the figures.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

PRE = {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "rm -rf /"}}
PRE_TEXT = json.dumps(PRE)


class Probe:
    def __init__(self, binary):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="hw-probe-")
        self.state = os.path.join(self.dir, "state")
        os.mkdir(self.state, 0o700)
        self.token = "probe%d" % int(time.time() * 1e6)

    def run(self, args, stdin=PRE_TEXT, timeout=15, env=None, hold_stdin=0):
        e = dict(os.environ, HOOKWARDEN_STATE_DIR=self.state)
        e.update(env or {})
        start = time.monotonic()
        p = subprocess.Popen([self.binary] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=e, cwd=self.dir, start_new_session=True)
        try:
            if stdin is not None:
                try:
                    p.stdin.write(stdin.encode() if isinstance(stdin, str) else stdin)
                    p.stdin.flush()
                except BrokenPipeError:
                    pass
            ended = None
            if hold_stdin:  # an agent that never closes stdin: when does hookwarden answer?
                try:
                    p.wait(timeout=hold_stdin)
                    ended = time.monotonic() - start
                except subprocess.TimeoutExpired:
                    pass
            try:
                p.stdin.close()
            except BrokenPipeError:
                pass
            p.stdin = None  # closed: communicate() must not flush it
            out, err = p.communicate(timeout=timeout)
            if ended is not None:
                return {"rc": p.returncode, "out": out, "err": err, "s": ended}
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, err = p.communicate()
            return {"rc": None, "out": out, "err": err, "s": time.monotonic() - start}
        return {"rc": p.returncode, "out": out, "err": err, "s": time.monotonic() - start}

    def script(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o755)
        return path

    def policy(self, hooks=None, defaults=None):
        path = os.path.join(self.dir, "policy%d.json" % len(os.listdir(self.dir)))
        doc = {"version": 1}
        if hooks:
            doc["hooks"] = hooks
        if defaults:
            doc["defaults"] = defaults
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    def record(self):
        try:
            with open(os.path.join(self.dir, "record.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def survivors(self):
        time.sleep(0.3)
        found = subprocess.run(["pgrep", "-f", self.token], capture_output=True, text=True).stdout.split()
        for pid in found:
            try:
                os.kill(int(pid), signal.SIGCONT)
                os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
        return len(found)

    def clean(self):
        self.survivors()
        shutil.rmtree(self.dir, ignore_errors=True)


def rec(p):
    return ["--record", os.path.join(p.dir, "record.json")]


LIFT = r"""
for ctrl in memory pids; do
  own=$(sed -n "s/^[0-9]*:$ctrl:\(.*\)$/\1/p" /proc/self/cgroup)
  for d in /sys/fs/cgroup/$ctrl$own $(find /sys/fs/cgroup/$ctrl -maxdepth 6 -type d -path '*hookwarden/hw-*' 2>/dev/null); do
    echo -1 > $d/memory.memsw.limit_in_bytes; echo -1 > $d/memory.limit_in_bytes; echo max > $d/pids.max
  done 2>/dev/null
done
"""


def probe_memory(p):
    hook = p.script("m.sh", LIFT + "exec python3 -c 'b = bytearray(150 << 20); print(len(b))'\n")
    p.run(["run"] + rec(p) + ["--backend", "cgroup-v1", "--memory", "50", "--timeout", "10000", "--", "sh", hook])
    r = p.record()
    peak = r.get("peak_memory_bytes", 0)
    return "ESCAPE: %d MB under 50" % (peak >> 20) if peak > (52 << 20) else "held"


FORKS = """import os, time
n = 0
for i in range(100):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(2)
        os._exit(0)
    n += 1
print(n)
"""


def probe_pids(p):
    forks = p.script("forks.py", FORKS)
    hook = p.script("p.sh", LIFT + "exec python3 %s\n" % forks)
    r = p.run(["run"] + rec(p) + ["--backend", "cgroup-v1", "--pids", "16", "--", "sh", hook])
    n = int(r["out"].split()[0]) if r["out"].split() else 0
    return "ESCAPE: %d processes under --pids 16" % n if n >= 16 else "held"


def probe_leave_cgroup(p):
    hook = p.script("l.sh", "for f in /sys/fs/cgroup/*/cgroup.procs /sys/fs/cgroup/*/tasks; do echo $$ > $f; done 2>/dev/null\n"
                    "setsid sh -c 'sleep 30; :' %s &\nsleep 0.2\n" % p.token)
    p.run(["run"] + rec(p) + ["--backend", "cgroup-v1", "--", "sh", hook])
    n = p.survivors()
    return "ESCAPE: daemon survived the run" if n else "held"


def probe_dev_shm(p):
    name = "/dev/shm/" + p.token
    p.run(["run"] + rec(p) + ["--backend", "cgroup-v1", "--", "sh", "-c", "head -c 20000000 /dev/zero > " + name])
    kept = os.path.exists(name)
    if kept:
        os.unlink(name)
    return "ESCAPE: 20 MB kept in /dev/shm after the run" if kept else "held"


def probe_guardian_then_supervisor(p):
    hook = p.script("g.sh", "setsid sh -c 'sleep 30; :' %s &\n"
                    "for pid in $(pgrep -x hookwarden); do [ $pid != $PPID ] && kill -9 $pid; done 2>/dev/null\n"
                    "sleep 0.1; kill -9 $PPID 2>/dev/null; sleep 30\n" % p.token)
    p.run(["run"] + rec(p) + ["--backend", "cgroup-v1", "--timeout", "3000", "--", "sh", hook])
    return "ESCAPE: tree survived" if p.survivors() else "held"


def probe_db_link(p):
    # An empty file another file's owner cares about: SQLite would make it a database.
    target = os.path.join(p.dir, "precious")
    open(target, "w").close()
    os.symlink(target, os.path.join(p.state, "hookwarden.db"))
    p.run(["run", "--", "true"])
    time.sleep(0.5)
    size = os.path.getsize(target)
    return "held" if size == 0 else "ESCAPE: schema written through the hookwarden.db link (%d bytes)" % size


def probe_foreign_state_dir(p):
    os.chown(p.state, 65534, 65534)
    r = p.run(["run", "--", "true"])
    time.sleep(0.3)
    used = os.path.exists(os.path.join(p.state, "hookwarden.db"))
    return "ESCAPE: another user's state dir used silently" if used else "held"


def probe_parent_writable(p):
    shared = os.path.join(p.dir, "shared")
    os.mkdir(shared)
    os.chmod(shared, 0o777)
    state = os.path.join(shared, "state")
    os.mkdir(state, 0o700)
    p.run(["run", "--", "true"], env={"HOOKWARDEN_STATE_DIR": state})
    time.sleep(0.5)
    used = os.path.exists(os.path.join(state, "hookwarden.db"))
    return "ESCAPE: state dir below a world-writable parent used" if used else "held"


def probe_pid_visibility(p):
    pol = p.policy(defaults={"sandbox": {"pid_namespace": True}})
    r = p.run(["run", "--policy", pol, "--", "sh", "-c", "ls /proc | grep -c '^[0-9]'"])
    try:
        n = int(r["out"].split()[0])
    except (IndexError, ValueError):
        return "probe error: " + r["err"].decode(errors="replace")[:80]
    return "SEES: %d processes of the host" % n if n > 10 else "held"


def guard(p, script, on_failure="block", timeout_ms=2000):
    return p.policy(hooks={"guard": {"event": "PreToolUse", "command": ["sh", "-c", script],
                                     "limits": {"timeout_ms": timeout_ms}, "on_failure": on_failure}})


def verdict(r, what):
    if r["rc"] is None:
        return "HANG: " + what
    if r["rc"] == 2:
        return "held"
    if r["rc"] < 0 or r["rc"] >= 128:
        return "BYPASS: exit %d (non-blocking)" % (r["rc"] if r["rc"] > 0 else 128 - r["rc"])
    return "BYPASS: exit %d" % r["rc"]


def probe_kill_parent(p):
    r = p.run(["run", "--policy", guard(p, "kill -9 $PPID; echo no >&2; exit 2"), "--name", "guard"])
    return verdict(r, "")


def probe_stop_parent(p):
    r = p.run(["run", "--policy", guard(p, "kill -STOP $PPID; echo no >&2; exit 2"), "--name", "guard"], timeout=8)
    if r["rc"] is None:
        return "HANG: supervisor stopped"
    return verdict(r, "")


def probe_pkill_self(p):
    hook = p.script("guard-%s.sh" % p.token,
                    "for x in $(pgrep -f 'guard-%s'); do [ $x != $$ ] && kill -9 $x; done\necho no >&2; exit 2\n" % p.token)
    r = p.run(["run", "--", "sh", hook])
    return verdict(r, "")


def degraded(p, event_bytes):
    # PreToolUse is fail-closed in the policy's event layer; the hook times out: the
    # event must be recognised for that layer to answer.
    pol = p.policy()
    with open(pol, "w") as f:
        json.dump({"version": 1, "events": {"PreToolUse": {"on_failure": "block"}}}, f)
    r = p.run(["run", "--policy", pol, "--timeout", "300", "--", "sh", "-c", "cat > /dev/null; sleep 3"],
              stdin=event_bytes)
    return verdict(r, "")


def probe_surrogate(p):
    return degraded(p, b'{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"x\\ud800"}}')


def probe_invalid_utf8(p):
    return degraded(p, b'{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"x\xff"}}')


def probe_trailing(p):
    return degraded(p, PRE_TEXT.encode() + b"\nEXTRA")


def probe_stop_usage_error(p):
    stop = json.dumps({"hook_event_name": "Stop", "stop_hook_active": True})
    r = p.run(["run", "--no-such-option", "--", "true"], stdin=stop)
    return "BYPASS: exit 2 while stop_hook_active (agent trapped)" if r["rc"] == 2 else "held"


def probe_long_deny(p):
    reason = "x" * 4096
    answer = json.dumps({"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny",
                                                "permissionDecisionReason": reason}})
    hook = p.script("deny.sh", "cat <<'EOF'\n%s\nEOF\n" % answer)
    r = p.run(["run", "--output-limit", "1", "--on-failure", "block", "--", "sh", hook])
    try:
        denied = json.loads(r["out"])["hookSpecificOutput"]["permissionDecision"] == "deny"
    except (ValueError, KeyError, TypeError):
        denied = False
    return "held" if r["rc"] == 2 or denied else "BYPASS: truncated deny relayed, exit %s" % r["rc"]


def crash_or_held(r, what=""):
    if r["rc"] is None:
        return "HANG" + what
    if r["rc"] < 0 or r["rc"] in (134, 139):
        return "CRASH: signal %d" % (-r["rc"] if r["rc"] < 0 else r["rc"] - 128)
    return "held"


def probe_regex_tool_name(p):
    pol = p.policy(hooks={"g": {"event": "PreToolUse", "matcher": "^(a|b)*c$", "command": ["true"]}})
    event = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "a" * 40000, "tool_input": {}})
    return crash_or_held(p.run(["dispatch", "--policy", pol], stdin=event, timeout=20))


def probe_dev_zero(p):
    # Bounded address space: the probe must not eat the machine's memory.
    r = subprocess.run(["sh", "-c", "ulimit -v 2000000; exec %s policy check /dev/zero" % p.binary],
                       capture_output=True, timeout=60)
    if r.returncode in (134, 139) or r.returncode < 0 or b"bad_alloc" in r.stderr:
        return "CRASH: abort (bad_alloc)"
    return "held"


def probe_fifo_policy(p):
    fifo = os.path.join(p.dir, "policy.fifo")
    os.mkfifo(fifo)
    r = p.run(["run", "--policy", fifo, "--timeout", "500", "--", "true"], timeout=6)
    return "HANG: FIFO policy" if r["rc"] is None else "held"


def probe_stdin_open(p):
    r = p.run(["run", "--timeout", "500", "--", "true"], hold_stdin=12, timeout=20)
    return "HANG: %.1f s for a 0.5 s timeout" % r["s"] if r["s"] > 5 else "held"


def probe_freezer(p):
    if not os.path.exists("/sys/fs/cgroup/freezer/cgroup.procs"):
        return "n/a (no v1 freezer)"
    d = "/sys/fs/cgroup/freezer/" + p.token
    hook = p.script("f.sh", "d=%s; mkdir $d || exit 0\nsh -c 'sleep 30; :' %s &\n"
                    "echo $! > $d/cgroup.procs; echo $$ > $d/cgroup.procs; echo FROZEN > $d/freezer.state\nsleep 30\n"
                    % (d, p.token))
    r = p.run(["run", "--backend", "cgroup-v1", "--timeout", "300", "--kill-grace", "200", "--", "sh", hook])
    left = p.survivors()
    if os.path.isdir(d):
        with open(d + "/freezer.state", "w") as f:
            f.write("THAWED")
        p.survivors()
        time.sleep(0.1)
        os.rmdir(d)
    if r["s"] > 1.1 or left:
        return "HANG: %.1f s for 0.3 s, %d frozen left" % (r["s"], left)
    return "held"


def hook_key(name):
    h = 1469598103934665603
    for c in name.encode():
        h ^= c
        h = (h * 1099511628211) % (1 << 64)
    return "%016x" % h


def probe_planted_marker(p):
    os.makedirs(os.path.join(p.state, "pending"), exist_ok=True)
    with open(os.path.join(p.state, "pending", hook_key("victim") + ".1"), "w") as f:
        f.write("x")
    p.run(["run", "--name", "victim", "--", "true"])
    r = p.run(["run", "--name", "victim", "--", "true"])
    return "HANG: %.1f s per run" % r["s"] if r["s"] > 1.5 else "held"


def run_cgroup_parent(controller):
    path = "/"
    for line in open("/proc/self/cgroup"):
        parts = line.strip().split(":", 2)
        if len(parts) == 3 and controller in parts[1].split(","):
            path = parts[2]
    return "/sys/fs/cgroup/%s%s/hookwarden" % (controller, "" if path == "/" else path)


def probe_nested(p):
    inner = p.script("inner.sh", "echo $PPID > %s/inner.pid\n" % p.dir)
    p.run(["run", "--name", "outer", "--", p.binary, "run", "--name", "inner", "--", "sh", inner])
    time.sleep(0.5)
    r = p.run(["report", "--format", "jsonl"], stdin="")
    names = [json.loads(line).get("hook") for line in r["out"].decode().splitlines() if line.strip().startswith("{")]
    try:
        pid = open(os.path.join(p.dir, "inner.pid")).read().strip()
    except OSError:
        pid = ""
    leaked = [c for c in ("memory", "pids") if pid and os.path.isdir("%s/hw-%s" % (run_cgroup_parent(c), pid))]
    for c in leaked:
        d = "%s/hw-%s" % (run_cgroup_parent(c), pid)
        for root, dirs, _ in os.walk(d, topdown=False):
            for sub in dirs:
                os.rmdir(os.path.join(root, sub))
        os.rmdir(d)
    found = []
    if "inner" not in names:
        found.append("inner record")
    if leaked:
        found.append("run cgroups")
    return "LOST: " + ", ".join(found) if found else "held"


def probe_newline_name(p):
    p.run(["run", "--name", "a\nb", "--", "true"])
    time.sleep(0.3)
    r = p.run(["status"], stdin="")
    lines = r["out"].decode(errors="replace").splitlines()
    return "SPLIT: status row" if any(line.strip().startswith("b") for line in lines) else "held"


def probe_dev_tty(p):
    # A pty stands for the agent's terminal: the hook writes to /dev/tty.
    code = ("import os, pty, sys, select\n"
            "pid, fd = pty.fork()\n"
            "if pid == 0:\n"
            "    os.execv(sys.argv[1], [sys.argv[1], 'run', '--', 'sh', '-c', 'echo TTY-%s > /dev/tty'])\n"
            "out = b''\n"
            "while True:\n"
            "    r, _, _ = select.select([fd], [], [], 5)\n"
            "    if not r: break\n"
            "    try: chunk = os.read(fd, 1024)\n"
            "    except OSError: break\n"
            "    if not chunk: break\n"
            "    out += chunk\n"
            "sys.stdout.write('yes' if b'TTY-' in out else 'no')\n" % p.token)
    r = subprocess.run([sys.executable, "-c", code, p.binary], capture_output=True, text=True, timeout=20,
                       env=dict(os.environ, HOOKWARDEN_STATE_DIR=p.state))
    return "REACHED: agent's terminal" if r.stdout == "yes" else "held"


def probe_sub_cgroup(p):
    hook = p.script("s.sh", "own=$(sed -n 's/^[0-9]*:pids:\\(.*\\)$/\\1/p' /proc/self/cgroup)\n"
                    "echo $own > %s/own; mkdir /sys/fs/cgroup/pids$own/sub 2>/dev/null\n"
                    "m=%s/cg; mkdir -p $m; mount -t cgroup -o pids none $m 2>/dev/null && mkdir $m/sub 2>/dev/null\n"
                    "echo $$ > /dev/null\n" % (p.dir, p.dir))
    pol = p.policy(defaults={"sandbox": {"keep_cap_sys_admin": True}})
    r = p.run(["run", "--policy", pol, "--backend", "cgroup-v1", "--", "sh", hook])
    time.sleep(1.0)
    try:
        own = open(os.path.join(p.dir, "own")).read().strip()
    except OSError:
        return "n/a"
    subprocess.run(["umount", os.path.join(p.dir, "cg")], capture_output=True)
    run_dir = "/sys/fs/cgroup/pids" + own
    if own.endswith("/hook"):
        run_dir = run_dir[: -len("/hook")]
    left = os.path.isdir(run_dir) and own not in ("", "/")
    if left:
        for root, dirs, _ in os.walk(run_dir, topdown=False):
            for d in dirs:
                os.rmdir(os.path.join(root, d))
        os.rmdir(run_dir)
    return "LEAK: run cgroup kept" if left else "held"


PROBES = [
    ("escape", "memory.limit_in_bytes rewritten to -1", probe_memory),
    ("escape", "pids.max rewritten to max", probe_pids),
    ("escape", "moves to the root cgroups, daemon survives", probe_leave_cgroup),
    ("escape", "memory kept in /dev/shm", probe_dev_shm),
    ("escape", "guardian then supervisor SIGKILLed", probe_guardian_then_supervisor),
    ("escape", "hookwarden.db a planted link", probe_db_link),
    ("escape", "state dir owned by another user", probe_foreign_state_dir),
    ("escape", "state dir below a world-writable parent", probe_parent_writable),
    ("escape", "pid_namespace asked: the hook lists /proc", probe_pid_visibility),
    ("bypass", "kill -9 $PPID (fail-closed)", probe_kill_parent),
    ("bypass", "kill -STOP $PPID", probe_stop_parent),
    ("bypass", "pkill -f other copies of itself", probe_pkill_self),
    ("bypass", "lone surrogate in the event", probe_surrogate),
    ("bypass", "raw invalid UTF-8 in the event", probe_invalid_utf8),
    ("bypass", "data after the event JSON", probe_trailing),
    ("bypass", "usage error in a Stop hook, stop_hook_active", probe_stop_usage_error),
    ("bypass", "deny longer than the output limit", probe_long_deny),
    ("crash/hang", "regex matcher, 40 KB tool name", probe_regex_tool_name),
    ("crash/hang", "policy check /dev/zero", probe_dev_zero),
    ("crash/hang", "FIFO policy without writer", probe_fifo_policy),
    ("crash/hang", "stdin never closed", probe_stdin_open),
    ("crash/hang", "hook freezes itself (v1 freezer)", probe_freezer),
    ("crash/hang", "planted pending/<hook>.1", probe_planted_marker),
    ("crash/hang", "hookwarden nested in hookwarden", probe_nested),
    ("cosmetic", "newline in a hook name (status)", probe_newline_name),
    ("cosmetic", "hook writes to /dev/tty", probe_dev_tty),
    ("cosmetic", "sub-cgroups keep the run cgroup", probe_sub_cgroup),
]


def run_all(binary):
    results = []
    for _, _, fn in PROBES:
        p = Probe(binary)
        try:
            results.append(fn(p))
        except Exception as e:  # a probe that cannot run says so; it never counts as held
            results.append("probe error: %s" % e)
        finally:
            p.clean()
    return results


def is_finding(result):
    return result != "held" and not result.startswith(("n/a", "-"))


def repeated(binary, times):
    """Each probe's result over `times` rounds: the first finding and how often it was found."""
    rounds = [run_all(binary) for _ in range(times)]
    cells = []
    for i in range(len(PROBES)):
        results = [r[i] for r in rounds]
        found = [r for r in results if is_finding(r)]
        if not found:
            cells.append(results[0])
        else:
            cells.append(found[0] + ("" if times == 1 else " (%d/%d)" % (len(found), times)))
    return cells


def main():
    if os.geteuid() != 0:
        sys.exit("run_probes.py: run as root (the probes are a root hook's)")
    args = sys.argv[1:]
    times = 1
    if args[:1] == ["--repeat"] and len(args) > 1:
        times, args = int(args[1]), args[2:]
    binaries = args
    if not binaries or len(binaries) > 2:
        sys.exit(__doc__)
    after = repeated(os.path.abspath(binaries[0]), times)
    before = repeated(os.path.abspath(binaries[1]), times) if len(binaries) == 2 else ["-"] * len(PROBES)
    print("| kind | class | before | after |\n|---|---|---|---|")
    for (kind, name, _), b, a in zip(PROBES, before, after):
        print("| %s | %s | %s | %s |" % (kind, name.replace("|", "\\|"), b, a))
    for label, column in (("before", before), ("after", after)):
        counts = {k: sum(1 for r in column if r.startswith(k)) for k in ("ESCAPE", "BYPASS", "CRASH", "HANG")}
        others = sum(1 for r in column if r.split(":")[0] in ("LOST", "SPLIT", "REACHED", "LEAK", "SEES"))
        print("%s: %d escapes, %d bypasses, %d crashes, %d hangs, %d other findings" %
              (label, counts["ESCAPE"], counts["BYPASS"], counts["CRASH"], counts["HANG"], others))


if __name__ == "__main__":
    main()
