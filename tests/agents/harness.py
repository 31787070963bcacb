"""Driving a real agent CLI offline: a scratch directory, the fake model API, the CLI run
with a clean environment, and what the run left behind (markers, survivors, records).

Everything here runs inside a network namespace of its own (agents_test.py enters it),
so the CLIs reach nothing but the fake API on 127.0.0.1.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HOOKS = os.path.join(HERE, "hooks")
SKIP = 77


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def log(message):
    print(message, flush=True)


class Scratch:
    """A directory for one case, outside /tmp (Codex CLI refuses some work there)."""

    def __init__(self, build_dir, name):
        self.root = os.path.join(build_dir, "tests", "agents-work", f"{name}-{os.getpid()}")
        shutil.rmtree(self.root, ignore_errors=True)
        self.home = self.path("home")
        self.project = self.path("project")
        self.state = self.path("state")
        for d in (self.home, self.project, self.state):
            os.makedirs(d)

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def write(self, relative, text):
        target = self.path(relative)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as f:
            f.write(text)
        return target

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)


class FakeApi:
    """tests/agents/fake_model_api.py as a child process, asking for `command`."""

    def __init__(self, scratch, command, tag="api"):
        self.log_path = scratch.path(f"{tag}.log")
        port_file = scratch.path(f"{tag}.port")
        for stale in (self.log_path, port_file):
            if os.path.exists(stale):
                os.remove(stale)
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "fake_model_api.py"), "--command", command,
             "--port-file", port_file, "--log", self.log_path])
        deadline = time.monotonic() + 10
        while not os.path.exists(port_file):
            check(self.process.poll() is None, "the fake model API exited at start")
            check(time.monotonic() < deadline, "the fake model API did not start in 10 s")
            time.sleep(0.02)
        with open(port_file) as f:
            self.port = int(f.read())
        self.url = f"http://127.0.0.1:{self.port}"

    def requests(self):
        if not os.path.exists(self.log_path):
            return []
        with open(self.log_path) as f:
            return [json.loads(line) for line in f]

    def tool_call_held_s(self, since=None):
        """Seconds from the reply that asked for the tool call (or from `since`, a time a
        hook stamped when it started) to the request that brought the call's result back:
        the hook(s), the tool (a `touch`) and the CLI's own bookkeeping."""
        asked = None
        for request in self.requests():
            if request["asked_tool"] and asked is None:
                asked = request["t_replied"]
            if request["has_tool_result"] and asked is not None:
                return request["t_received"] - (since or asked)
        raise Failure("the fake API never got the tool call's result back: "
                      + json.dumps([(r["path"], r["asked_tool"], r["has_tool_result"])
                                    for r in self.requests()]))

    def stop(self):
        self.process.terminate()
        self.process.wait()


def clean_env(scratch, extra):
    """The CLI's whole environment: nothing of the caller's (no real API keys)."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": scratch.home,
        "XDG_STATE_HOME": scratch.state,
        "XDG_CONFIG_HOME": os.path.join(scratch.home, ".config"),
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "NO_COLOR": "1",
    }
    env.update(extra)
    return env


class CliRun:
    def __init__(self, argv, rc, stdout, stderr, wall_s):
        self.argv, self.rc, self.stdout, self.stderr, self.wall_s = argv, rc, stdout, stderr, wall_s

    def describe(self):
        return (f"{' '.join(self.argv[:2])}: rc {self.rc} in {self.wall_s:.2f} s\n"
                f"--- stdout\n{self.stdout[-4000:]}\n--- stderr\n{self.stderr[-4000:]}")


def run_cli(argv, cwd, env, timeout_s):
    start = time.monotonic()
    # stdin is an empty pipe, not /dev/null: `claude -p` and `codex exec` append what
    # they read there to the prompt, and a machine whose /dev/null was replaced by a
    # regular file (a stray `rm` as root does it) would feed them its contents.
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(input="", timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        raise Failure(f"{argv[0]} did not finish in {timeout_s} s\n{stdout[-3000:]}\n{stderr[-3000:]}")
    return CliRun(argv, process.returncode, stdout, stderr, time.monotonic() - start)


def processes_tagged(tag):
    """Pids whose command line carries `tag` (the hooks put it in argv[0] of what they
    leave behind), other than this test's own."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if tag in cmdline and "agents_test.py" not in cmdline:
            found.append((int(entry), cmdline.strip()))
    return found


def check_no_survivors(tag, settle_s=1.0):
    """Nothing the hook started may outlive the session. Anything found is killed (so a
    failing test leaves the machine clean) and named in the failure."""
    deadline = time.monotonic() + settle_s
    while True:
        survivors = processes_tagged(tag)
        if not survivors or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    for pid, _ in survivors:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    check(not survivors, f"processes of the hook survived the session: {survivors}")


def hookwarden_records(hookwarden, scratch, expected, wait_s=5.0):
    """The run records in the case's store (`report --format jsonl`), once `expected`
    of them are committed (hookwarden answers the agent before it records)."""
    deadline = time.monotonic() + wait_s
    while True:
        result = subprocess.run([hookwarden, "report", "--format", "jsonl"],
                                env=clean_env(scratch, {}), capture_output=True, text=True)
        check(result.returncode == 0, f"hookwarden report failed: {result.stderr}")
        records = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
        if len(records) >= expected or time.monotonic() > deadline:
            return records
        time.sleep(0.1)


def npm_package_of(binary):
    """(name, version) of the npm package that installed `binary` on the PATH, read from
    its package.json (`gemini --version` alone takes seconds), or None."""
    path = shutil.which(binary, path="/usr/local/bin:/usr/bin:/bin")
    if path is None:
        return None
    directory = os.path.dirname(os.path.realpath(path))
    while directory != "/":
        manifest = os.path.join(directory, "package.json")
        if os.path.exists(manifest):
            with open(manifest) as f:
                package = json.load(f)
            return package.get("name"), package.get("version")
        directory = os.path.dirname(directory)
    return None
