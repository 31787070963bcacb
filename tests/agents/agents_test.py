#!/usr/bin/env python3
"""End-to-end tests through the real agent CLIs (Codex CLI, Gemini CLI, Claude Code),
offline: each case runs in a network namespace of its own against the fake model API
(fake_model_api.py), which asks the agent for one shell command that creates a marker
file. Whether the marker exists says whether the tool ran; the hooks are the agent's,
configured in its own settings, and go through `hookwarden run --agent AGENT`.

usage: agents_test.py BUILD_DIR AGENT CASE      exit 0 pass, 1 fail, 77 skipped
"""
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
import http.server

sys.dont_write_bytecode = True  # nothing written into the source tree

import harness
from agents import AGENTS
from harness import check, log

HUNG_TIMEOUT_MS = 1000   # hookwarden's timeout for the hung hook
KILL_GRACE_MS = 300      # the hung hook ignores SIGTERM: it dies by SIGKILL after this
AGENT_TIMEOUT_S = 20     # the agent's own timeout for wrapped hooks: far above hookwarden's


class Case:
    def __init__(self, build_dir, agent, name):
        self.agent = agent
        self.hookwarden = os.path.join(build_dir, "hookwarden")
        self.scratch = harness.Scratch(build_dir, f"{agent.name}-{name}")
        self.tag = f"{agent.name}-{name}-{os.getpid()}"
        agent.prepare(self.scratch)

    def hook_script(self, script, *args):
        return " ".join(shlex.quote(a) for a in ["bash", os.path.join(harness.HOOKS, script), *args])

    def wrapped(self, name, inner, *options):
        words = [self.hookwarden, "run", "--agent", self.agent.name, "--name", name, *options, "--"]
        return " ".join(shlex.quote(w) for w in words) + " " + inner

    def session_as_is(self, command):
        """One session with the hooks already in the agent's settings."""
        return self.session(None, command)

    def session(self, hooks, command=None, stamp=None):
        """Writes `hooks`, runs the agent once against a fresh fake API; returns
        (the CLI run, seconds the tool call was held, whether the tool ran). With `stamp`
        (a file where a hook writes its start time) the hold counts from the hook's start:
        what the agent itself does before it starts the hook is not the hook's doing."""
        marker = self.agent.marker(self.scratch)
        if os.path.exists(marker):
            os.remove(marker)
        if hooks is not None:
            self.agent.write_hooks(self.scratch, hooks)
            self.agent.after_hooks_written(self.scratch)
        api = harness.FakeApi(self.scratch, command or self.agent.tool_command(self.scratch))
        try:
            run = self.agent.run(self.scratch, api)
            log(run.describe() if os.environ.get("HW_AGENTS_VERBOSE") else
                f"{self.agent.binary}: rc {run.rc} in {run.wall_s:.2f} s")
            held = api.tool_call_held_s(read_stamp(stamp))
        except harness.Failure as failure:
            raise harness.Failure(f"{failure}\n{run.describe() if 'run' in locals() else ''}")
        finally:
            api.stop()
        ran = os.path.exists(marker)
        log(f"tool call held {held:.2f} s; tool {'ran' if ran else 'did not run'}")
        return run, held, ran

    def records(self, expected):
        return harness.hookwarden_records(self.hookwarden, self.scratch, expected)

    def check_record(self, hook, outcome):
        records = [r for r in self.records(1) if r.get("hook") == hook]
        check(len(records) == 1, f"expected one record of hook {hook}, got {records}")
        record = records[0]
        wanted = {"agent": self.agent.name, "event": self.agent.pre_tool_event, "hook": hook}
        for field, expected in wanted.items():
            check(record.get(field) == expected,
                  f"record field {field}: {record.get(field)!r}, expected {expected!r}: {record}")
        outcomes = (outcome,) if isinstance(outcome, str) else outcome
        check(record.get("outcome") in outcomes,
              f"record outcome {record.get('outcome')!r}, expected one of {outcomes}: {record}")
        return record


def read_stamp(path):
    if path is None:
        return None
    check(os.path.exists(path), f"the hook never started (no {path})")
    with open(path) as f:
        return float(f.read())


# ---- the cases -------------------------------------------------------------------------

def case_bare(case):
    """The harness itself, without hookwarden: the agent runs its hooks, a plain guard's
    exit 2 blocks the tool and an allowing hook lets it run (so both outcomes are
    observable), and the payload is the agent's pre-tool event for its shell tool."""
    log_file = case.scratch.path("payloads.log")
    blocker = case.hook_script("slow_guard.sh", log_file, "0", "ran.marker")
    _, _, ran = case.session([("guard", blocker, 10)])
    check(not ran, "a bare guard exiting 2 did not block the tool")
    _, _, ran = case.session([("recorder", case.hook_script("record_payload.sh", log_file, "recorder"), 10)])
    check(ran, "the tool did not run under a bare allowing hook")
    with open(log_file) as f:
        payloads = [line.split("\t", 1)[1] for line in f.read().splitlines()]
    check(len(payloads) == 2, f"expected 2 hook calls, got {payloads}")
    for payload in payloads:
        check(f'"{case.agent.pre_tool_event}"' in payload and f'"{case.agent.shell_tool}"' in payload,
              f"payload is not {case.agent.pre_tool_event} of {case.agent.shell_tool}: {payload}")


def hung_session(case, on_failure):
    pidfile, stamp = case.scratch.path("grandchild.pid"), case.scratch.path("hook.start")
    hook = case.wrapped("hung-guard", case.hook_script("hung.sh", case.tag, pidfile, stamp),
                        "--timeout", str(HUNG_TIMEOUT_MS), "--kill-grace", str(KILL_GRACE_MS),
                        "--on-failure", on_failure)
    _, held, ran = case.session([("hung-guard", hook, AGENT_TIMEOUT_S)], stamp=stamp)
    bound = (HUNG_TIMEOUT_MS + KILL_GRACE_MS) / 1000 + 1
    check(os.path.exists(pidfile), "the hung hook never started its grandchild")
    check(held >= HUNG_TIMEOUT_MS / 1000, f"held {held:.2f} s: the hook cannot have hung")
    check(held < bound, f"the tool call was held {held:.2f} s, bound {bound:.2f} s")
    harness.check_no_survivors(case.tag)
    case.check_record("hung-guard", "timeout")
    return ran


def case_hung_block(case):
    """A hung hook with on_failure block: the tool does not run, the call is held less
    than timeout + grace + 1 s, nothing of the hook survives, the record names it."""
    check(not hung_session(case, "block"), "the tool ran although the hung hook fails closed")


def case_hung_allow(case):
    """The same hung hook with on_failure allow: the tool runs, within the same bound."""
    check(hung_session(case, "allow"), "the tool did not run although the hung hook fails open")


def case_deny_holder(case):
    """A guard that blocks at once (exit 2 for Codex CLI, a JSON deny for Gemini CLI) but
    leaves a setsid grandchild holding its stdout: the tool is blocked and the call is
    not held by the grandchild."""
    pidfile, stamp = case.scratch.path("holder.pid"), case.scratch.path("hook.start")
    inner = case.hook_script("deny_leaving_holder.sh", case.tag, pidfile, case.agent.block_form, stamp)
    hook = case.wrapped("holder-guard", inner, "--timeout", "5000")
    _, held, ran = case.session([("holder-guard", hook, AGENT_TIMEOUT_S)], stamp=stamp)
    check(os.path.exists(pidfile), "the guard never started its stdout-holding grandchild")
    check(not ran, "the tool ran although the guard blocked it")
    check(held < 2.0, f"the tool call was held {held:.2f} s by the guard's grandchild")
    harness.check_no_survivors(case.tag)
    # exit 2 is hookwarden's "blocked"; a JSON deny on exit 0 is the hook's own answer.
    outcomes = ("blocked",) if case.agent.block_form == "exit2" else ("ok", "blocked")
    record = case.check_record("holder-guard", outcomes)
    check(record.get("leftovers_killed", 0) >= 1, f"hookwarden killed no leftover: {record}")


# ---- Claude Code: the same behaviour before and after `install` ------------------------

# A project's settings as people write them: hooks under $CLAUDE_PROJECT_DIR, a prompt
# logger, a slow PreToolUse guard with no timeout (Claude Code waits up to 600 s for it),
# a guard for edits that does not fire here, a PostToolUse logger with a timeout, a Stop
# hook. Written as text, so that `uninstall` can be held to these very bytes.
CLAUDE_SETTINGS = r"""{
  "permissions": {
    "allow": ["Bash(ls:*)"]
  },
  "hooks": {
    "UserPromptSubmit": [
      {"hooks": [{"type": "command", "command": "\"$CLAUDE_PROJECT_DIR\"/.claude/hooks/record_payload.sh \"$CLAUDE_PROJECT_DIR\"/calls.log prompt-logger"}]}
    ],
    "PreToolUse": [
      {
        "matcher": "Bash",
        "hooks": [
          {"type": "command", "command": "\"$CLAUDE_PROJECT_DIR\"/.claude/hooks/slow_guard.sh \"$CLAUDE_PROJECT_DIR\"/calls.log 2.5 forbidden"}
        ]
      },
      {
        "matcher": "Write|Edit",
        "hooks": [{"type": "command", "command": "\"$CLAUDE_PROJECT_DIR\"/.claude/hooks/record_payload.sh \"$CLAUDE_PROJECT_DIR\"/calls.log edit-guard", "timeout": 5}]
      }
    ],
    "PostToolUse": [
      {"matcher": "Bash", "hooks": [{"type": "command", "command": "\"$CLAUDE_PROJECT_DIR\"/.claude/hooks/record_payload.sh \"$CLAUDE_PROJECT_DIR\"/calls.log post-logger", "timeout": 30}]}
    ],
    "Stop": [
      {"hooks": [{"type": "command", "command": "\"$CLAUDE_PROJECT_DIR\"/.claude/hooks/record_payload.sh \"$CLAUDE_PROJECT_DIR\"/calls.log stop-logger"}]}
    ]
  }
}
"""

# Fields that differ between any two sessions, whoever runs the hooks.
SESSION_FIELDS = {"session_id", "transcript_path", "prompt_id", "tool_use_id", "duration_ms",
                  "timestamp", "agent_id"}


def claude_project(case, settings_text):
    hooks_dir = case.scratch.path("project", ".claude", "hooks")
    os.makedirs(hooks_dir, exist_ok=True)
    for script in ("record_payload.sh", "slow_guard.sh"):
        shutil.copy(os.path.join(harness.HOOKS, script), hooks_dir)
    return case.scratch.write(os.path.join("project", ".claude", "settings.json"), settings_text)


def hook_calls(case):
    """The hook calls of the sessions so far: sorted (hook, payload less session fields)."""
    path = case.scratch.path("project", "calls.log")
    calls = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f.read().splitlines():
                name, payload = line.split("\t", 1)
                fields = {k: v for k, v in json.loads(payload).items() if k not in SESSION_FIELDS}
                calls.append((name, json.dumps(fields, sort_keys=True)))
        os.remove(path)
    return sorted(calls)


def claude_sessions(case):
    """A forbidden command, then an allowed one; returns what happened and the hook calls."""
    marker = case.agent.marker(case.scratch)
    outcomes = []
    for command in (f"touch {shlex.quote(marker)} # forbidden", f"touch {shlex.quote(marker)}"):
        _, _, ran = case.session_as_is(command)
        outcomes.append(ran)
    return outcomes, hook_calls(case)


def hookwarden_command(case, verb, settings, hookwarden=None, extra=()):
    result = subprocess.run([hookwarden or case.hookwarden, verb, "--agent", case.agent.name,
                             "--settings", settings, *extra],
                            cwd=case.scratch.project, env=case.agent.env(case.scratch),
                            capture_output=True, text=True, timeout=60)
    log(f"hookwarden {verb}: rc {result.returncode}\n{result.stdout}{result.stderr}")
    check(result.returncode == 0, f"hookwarden {verb} failed: {result.stderr}")


def case_install_same(case):
    """A realistic settings file behaves the same before and after `install`: the same
    hooks get the same payloads, the slow guard with no timeout still blocks the
    forbidden command and allows the other; `uninstall` restores the file byte for byte."""
    settings = claude_project(case, CLAUDE_SETTINGS)
    before = claude_sessions(case)
    check(before[0] == [False, True], f"without hookwarden: tool ran {before[0]}, expected [False, True]")
    check(any(name == "slow-guard" for name, _ in before[1]), f"the guard never ran: {before[1]}")
    hookwarden_command(case, "install", settings)
    with open(settings) as f:
        installed = f.read()
    check(installed != CLAUDE_SETTINGS and "hookwarden" in installed, "install changed nothing")
    after = claude_sessions(case)
    check(after[0] == before[0], f"after install: tool ran {after[0]}, before {before[0]}")
    check(after[1] == before[1], "the hooks' calls differ after install:\nbefore "
          + "\n".join(map(str, before[1])) + "\nafter  " + "\n".join(map(str, after[1])))
    guard = [r for r in case.records(1) if "slow_guard" in " ".join(r.get("command", []))]
    check([r.get("outcome") for r in guard] == ["blocked", "ok"],
          f"the guard's records: {[(r.get('outcome'), r.get('limits')) for r in guard]}")
    check(all(r.get("agent") == "claude" and r.get("event") == "PreToolUse" for r in guard),
          f"the guard's records name {[(r.get('agent'), r.get('event')) for r in guard]}")
    hookwarden_command(case, "uninstall", settings)
    with open(settings, "rb") as f:
        check(f.read() == CLAUDE_SETTINGS.encode(), "uninstall did not restore the settings byte for byte")


CLAUDE_FAIL_CLOSED_SETTINGS = r"""{
  "hooks": {
    "PreToolUse": [
      {
        "matcher": "Bash",
        "hooks": [
          {"type": "command", "command": "\"$CLAUDE_PROJECT_DIR\"/.claude/hooks/slow_guard.sh \"$CLAUDE_PROJECT_DIR\"/calls.log 0.2 forbidden", "onFailure": "block"}
        ]
      }
    ]
  }
}
"""


def case_missing_hookwarden(case):
    """A fail-closed guard (`onFailure: "block"`) installed by a hookwarden that is not on
    the agent's PATH still runs through it (install writes the path it was run by), and
    when that binary is gone the guard still blocks: it never silently switches off."""
    settings = claude_project(case, CLAUDE_FAIL_CLOSED_SETTINGS)
    bin_dir = case.scratch.path("bin")
    os.makedirs(bin_dir)
    hookwarden = os.path.join(bin_dir, "hookwarden")
    os.link(case.hookwarden, hookwarden)  # same file system: the build directory
    hookwarden_command(case, "install", settings, hookwarden)
    marker = shlex.quote(case.agent.marker(case.scratch))
    _, _, ran = case.session_as_is(f"touch {marker} # forbidden")
    check(not ran, "the installed fail-closed guard did not block")
    _, _, ran = case.session_as_is(f"touch {marker}")
    check(ran, "the installed guard blocked an allowed command")
    runs = case.records(2)
    check(len(runs) == 2, f"expected the two guard runs in hookwarden's records, got {runs}")
    os.remove(hookwarden)
    _, _, ran = case.session_as_is(f"touch {marker} # forbidden")
    check(not ran, "with hookwarden gone the fail-closed guard no longer blocks")
    check(len(case.records(3)) == 2, "a hookwarden that is gone recorded a run")


# ---- Codex CLI and Gemini CLI: install, run the wrapped hooks, uninstall --------------

def guard_hooks(case):
    """A user's own hooks: a guard that blocks commands mentioning "forbidden" (exit 2
    and a reason, which both agents honour) and a logger."""
    calls = case.scratch.path("project", "calls.log")
    return [("guard", case.hook_script("slow_guard.sh", calls, "0.2", "forbidden"), 30),
            ("logger", case.hook_script("record_payload.sh", calls, "logger"), 30)]


def forbidden_session(case):
    marker = shlex.quote(case.agent.marker(case.scratch))
    _, _, ran = case.session_as_is(f"touch {marker} # forbidden")
    return ran, [name for name, _ in hook_calls(case)]


def case_install(case):
    """`install --agent AGENT` wraps a real config (Codex CLI: re-trusting what it
    rewrote, the way Codex records trust) and the real CLI then runs the wrapped hooks
    through hookwarden: the guard still blocks, an allowed command still runs, and the
    records name the agent and the hooks. `uninstall` restores the file byte for byte."""
    case.agent.write_hooks(case.scratch, guard_hooks(case))
    case.agent.after_hooks_written(case.scratch)  # the user trusted their own hooks
    settings = case.agent.settings_path(case.scratch)
    with open(settings, "rb") as f:
        original = f.read()
    ran, calls = forbidden_session(case)
    check(not ran and sorted(calls) == ["logger", "slow-guard"], f"before install: ran {ran}, calls {calls}")
    hookwarden_command(case, "install", settings)
    with open(settings, "rb") as f:
        check(f.read() != original, "install changed nothing")
    ran, calls = forbidden_session(case)
    check(not ran, "after install the guard no longer blocks")
    check(sorted(calls) == ["logger", "slow-guard"], f"after install the hooks that ran: {calls}")
    _, _, ran = case.session_as_is(f"touch {shlex.quote(case.agent.marker(case.scratch))}")
    check(ran, "after install an allowed command no longer runs")
    calls = [name for name, _ in hook_calls(case)]
    check(sorted(calls) == ["logger", "slow-guard"], f"the allowed command's hook calls: {calls}")
    records = case.records(4)
    check(len(records) == 4 and all(r.get("agent") == case.agent.name for r in records)
          and all(r.get("event") == case.agent.pre_tool_event for r in records),
          f"expected 4 records of {case.agent.name} {case.agent.pre_tool_event}, got {records}")
    check(sorted(r.get("outcome") for r in records) == ["blocked", "ok", "ok", "ok"],
          f"outcomes: {[(r.get('hook'), r.get('outcome')) for r in records]}")
    hookwarden_command(case, "uninstall", settings)
    with open(settings, "rb") as f:
        check(f.read() == original, "uninstall did not restore the file byte for byte")
    ran, calls = forbidden_session(case)
    check(not ran and sorted(calls) == ["logger", "slow-guard"],
          f"after uninstall: ran {ran}, calls {calls} (Codex: still trusted?)")


# ---- Claude Code http hooks through `hookwarden serve --http` (docs/serve.md) --------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServeDaemon:
    """`hookwarden serve --http 127.0.0.1:PORT` with the agent's HOME and state."""

    def __init__(self, case, port):
        self.port = port
        self.log = case.scratch.path("serve.log")
        os.makedirs(case.scratch.path("run"), mode=0o700, exist_ok=True)
        self.process = subprocess.Popen(
            [case.hookwarden, "--log-level", "info", "--log-file", self.log, "serve",
             "--socket", case.scratch.path("run", "serve.sock"), "--http", f"127.0.0.1:{port}"],
            env=case.agent.env(case.scratch), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=open(self.log + ".stderr", "w"))
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                check(self.process.poll() is None, f"serve --http exited: {self.log_text()}")
                check(time.monotonic() < deadline, "serve --http did not listen within 10 s")
                time.sleep(0.05)

    def log_text(self):
        text = ""
        for path in (self.log, self.log + ".stderr"):
            if os.path.exists(path):
                with open(path) as f:
                    text += f.read()
        return text

    def state(self):
        """For a failure message: is the daemon alive, does its port answer, its log."""
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            listening = "listening"
        except OSError as e:
            listening = f"port {self.port}: {e}"
        alive = "alive" if self.process.poll() is None else f"exited {self.process.returncode}"
        return f"daemon {alive}, {listening}; its log:\n{self.log_text()}"

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


class AllowingProxy:
    """An HTTP proxy that answers every request itself with 200 and `{}`, the answer
    that lets a tool run: a hook call that goes through it is a bypassed deny."""

    def __init__(self):
        self.seen = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self):
                proxy.seen.append((self.command, self.path))
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            do_POST = do_GET = do_CONNECT = answer

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


def served_install(case, settings_text):
    """The settings, installed with --serve against a daemon on a free port."""
    settings = claude_project(case, settings_text)
    port = free_port()
    hookwarden_command(case, "install", settings, extra=("--serve", "--http", f"127.0.0.1:{port}"))
    with open(settings) as f:
        installed = json.load(f)
    handler = installed["hooks"]["PreToolUse"][0]["hooks"][0]
    check(handler.get("type") == "http" and handler.get("onFailure") == "block",
          f"install --serve wrote {handler}")
    check("127.0.0.1" in installed.get("env", {}).get("NO_PROXY", ""), f"no NO_PROXY: {installed.get('env')}")
    return settings, port


def marker_session(case, forbidden):
    marker = shlex.quote(case.agent.marker(case.scratch))
    _, _, ran = case.session_as_is(f"touch {marker}" + (" # forbidden" if forbidden else ""))
    return ran


def edit_json(path, change):
    with open(path) as f:
        document = json.load(f)
    change(document)
    with open(path, "w") as f:
        json.dump(document, f, indent=2)


def case_http_serve(case):
    """`install --serve` makes a fail-closed guard an http hook answered by the daemon:
    its deny blocks the tool and an allowed command runs (records served_by serve); with
    HTTPS_PROXY pointing at a proxy that would allow everything, the install's NO_PROXY
    keeps the call off it and the deny holds, and with a dead proxy the hook still
    answers (deny and allow); without the token (401) and with the daemon
    down the tool does not run (onFailure block); uninstall restores the bytes."""
    settings, port = served_install(case, CLAUDE_FAIL_CLOSED_SETTINGS)
    daemon = ServeDaemon(case, port)
    try:
        check(not marker_session(case, True), "the served guard did not block")
        check(marker_session(case, False), f"the served guard blocked an allowed command ({daemon.state()})")
        records = case.records(2)
        check(sorted(r.get("outcome") for r in records) == ["blocked", "ok"]
              and all(r.get("served_by") == "serve" for r in records),
              f"records: {[(r.get('outcome'), r.get('served_by')) for r in records]}")
        proxy = AllowingProxy()
        case.agent.extra_env = {"HTTPS_PROXY": proxy.url, "HTTP_PROXY": proxy.url}
        try:
            check(not marker_session(case, True), "with HTTPS_PROXY set the served deny no longer holds")
        finally:
            case.agent.extra_env = {}
            proxy.stop()
        check(proxy.seen == [], f"the hook call went through the proxy: {proxy.seen}")
        dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
        case.agent.extra_env = {"HTTPS_PROXY": dead, "HTTP_PROXY": dead}
        try:
            check(not marker_session(case, True), "with a dead HTTPS_PROXY the served deny no longer holds")
            check(marker_session(case, False), "with a dead HTTPS_PROXY an allowed command no longer runs")
        finally:
            case.agent.extra_env = {}
        with open(settings) as f:
            installed = f.read()
        edit_json(settings, lambda d: d["env"].pop("HOOKWARDEN_TOKEN"))
        check(not marker_session(case, False), "without the token the tool ran")
        check("401" in daemon.log_text(), f"no 401 in the daemon's log:\n{daemon.log_text()}")
        case.scratch.write(os.path.join("project", ".claude", "settings.json"), installed)
    finally:
        daemon.stop()
    check(not marker_session(case, False), "with the daemon down the tool ran")
    hookwarden_command(case, "uninstall", settings)
    with open(settings, "rb") as f:
        check(f.read() == CLAUDE_FAIL_CLOSED_SETTINGS.encode(), "uninstall did not restore the bytes")


def case_http_hung(case):
    """A hung fail-closed hook behind an http hook whose hookwarden limit (raised in the
    policy to 20 s) is past the agent's 4 s timeout: the daemon answers by the policy
    before the agent's timeout, the tool does not run, nothing of the hook survives, and
    the run is recorded."""
    pidfile, stamp = case.scratch.path("grandchild.pid"), case.scratch.path("hook.start")
    hung = case.hook_script("hung.sh", case.tag, pidfile, stamp)
    text = json.dumps({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
        {"type": "command", "command": hung, "timeout": 4, "onFailure": "block"}]}]}}, indent=2)
    _, port = served_install(case, text)
    policy = case.scratch.path("project", ".hookwarden", "policy.json")
    edit_json(policy, lambda d: [h.setdefault("limits", {}).update(timeout_ms=20000) for h in d["hooks"].values()])
    daemon = ServeDaemon(case, port)
    try:
        _, held, ran = case.session(None, stamp=stamp)
        check(not ran, "the hung fail-closed hook let the tool run")
        check(held < 4.0, f"held {held:.2f} s: not answered inside the agent's 4 s timeout")
        check("answered by its policy" in daemon.log_text(), f"the daemon's log:\n{daemon.log_text()}")
        # By the hook's own tag: the daemon's argv holds the scratch path, which has case.tag.
        harness.check_no_survivors(f"hw-agent-test-{case.tag}", settle_s=3.0)
        records = case.records(1)
        check(len(records) == 1 and records[0].get("outcome") == "internal_error",
              f"records: {[(r.get('hook'), r.get('outcome'), r.get('errors')) for r in records]}")
    finally:
        daemon.stop()


CASES = {"bare": case_bare, "hung_block": case_hung_block, "hung_allow": case_hung_allow,
         "deny_holder": case_deny_holder, "install_same": case_install_same,
         "missing_hookwarden": case_missing_hookwarden, "install": case_install,
         "http_serve": case_http_serve, "http_hung": case_http_hung}


# ---- entry ---------------------------------------------------------------------------

def enter_network_namespace():
    """Re-runs this script in a network namespace with only a loopback interface (as
    root: `unshare -n`; otherwise a user namespace too, `unshare -rn`)."""
    if os.environ.get("HW_AGENTS_IN_NETNS") == "1":
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        return
    unshare = shutil.which("unshare")
    check(unshare is not None, "unshare (util-linux) is missing")
    flags = "-n" if os.geteuid() == 0 else "-rn"
    env = dict(os.environ, HW_AGENTS_IN_NETNS="1")
    os.execve(unshare, [unshare, flags, sys.executable, os.path.abspath(__file__), *sys.argv[1:]], env)


def main():
    if len(sys.argv) != 4 or sys.argv[2] not in AGENTS or sys.argv[3] not in CASES:
        print(__doc__, f"agents: {', '.join(AGENTS)}; cases: {', '.join(CASES)}", file=sys.stderr)
        return 2
    build_dir, agent = os.path.abspath(sys.argv[1]), AGENTS[sys.argv[2]]
    reason = agent.skip_reason()
    if reason:
        print(f"SKIP: {reason}", file=sys.stderr)
        return harness.SKIP
    enter_network_namespace()
    case = Case(build_dir, agent, sys.argv[3])
    try:
        CASES[sys.argv[3]](case)
    except harness.Failure as failure:
        print(f"FAIL: {failure}\n(scratch kept: {case.scratch.root})", file=sys.stderr)
        return 1
    case.scratch.remove()
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
