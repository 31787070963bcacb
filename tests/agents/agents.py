"""The three real agent CLIs the suite drives: where each keeps its hooks, how its hook
entries look, and how it is started offline against the fake model API.

Versions are pinned (packaging/install-agent-clis.sh installs these); a different
version is reported as "skipped", since the facts the tests check are those versions'.
"""
import json
import os
import shlex
import subprocess
import sys

import harness


class Agent:
    name = ""           # hookwarden's --agent value
    binary = ""
    package = ""         # the npm package and the pinned version
    pinned = ""
    pre_tool_event = ""  # the event that guards a tool call, in the agent's vocabulary
    shell_tool = ""      # the shell tool's name as the hook's matcher sees it
    block_form = ""      # how a guard blocks: exit2 or json (deny_leaving_holder.sh)

    def skip_reason(self):
        found = harness.npm_package_of(self.binary)
        wanted = f"{self.package}@{self.pinned}"
        if found is None:
            return f"{self.binary} not installed (packaging/install-agent-clis.sh installs {wanted})"
        if found != (self.package, self.pinned):
            return f"{self.binary} is {found[0]}@{found[1]}, the tests are written for {wanted}"
        return None

    def marker(self, scratch):
        return scratch.path("project", "ran.marker")

    def tool_command(self, scratch):
        return "touch " + shlex.quote(self.marker(scratch))

    def settings_path(self, scratch):
        raise NotImplementedError

    def write_hooks(self, scratch, hooks):
        """hooks: [(name, shell command, the agent's own timeout in seconds)], all on
        the pre-tool event of the shell tool."""
        raise NotImplementedError

    def prepare(self, scratch):
        """Once per scratch directory, before hooks are written: offline configuration."""

    def after_hooks_written(self, scratch):
        """What the agent needs before it will run newly written hooks (Codex: trust)."""

    def env(self, scratch, api=None):
        """The CLI's environment (hookwarden install/uninstall get it too)."""
        return harness.clean_env(scratch, {})

    def run(self, scratch, api, timeout_s=90):
        raise NotImplementedError


class Codex(Agent):
    name, binary = "codex", "codex"
    package, pinned = "@openai/codex", "0.171.0"
    pre_tool_event, shell_tool, block_form = "PreToolUse", "Bash", "exit2"

    def codex_home(self, scratch):
        return os.path.join(scratch.home, ".codex")

    def settings_path(self, scratch):
        return os.path.join(self.codex_home(scratch), "hooks.json")

    def prepare(self, scratch):
        # base_url is rewritten per run (run()); the rest keeps Codex off the network.
        scratch.write(os.path.join("home", ".codex", "config.toml"), "\n".join([
            'model = "gpt-5"',
            'model_provider = "fake"',
            'check_for_update_on_startup = false',
            '',
            '[model_providers.fake]',
            'name = "fake"',
            'base_url = "http://127.0.0.1:1/v1"',
            'wire_api = "responses"',
            'env_key = "FAKE_MODEL_KEY"',
            '',
            '[features]',
            'plugins = false',
            '',
            '[analytics]',
            'enabled = false',
            ''
        ]))

    def write_hooks(self, scratch, hooks):
        handlers = [{"type": "command", "command": command, "timeout": timeout_s}
                    for _, command, timeout_s in hooks]
        document = {"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": handlers}]}}
        with open(self.settings_path(scratch), "w") as f:
            json.dump(document, f, indent=2)

    def after_hooks_written(self, scratch):
        self.trust(scratch)

    def env(self, scratch, api=None):
        return harness.clean_env(scratch, {"CODEX_HOME": self.codex_home(scratch),
                                           "FAKE_MODEL_KEY": "offline"})

    def trust(self, scratch):
        result = subprocess.run([sys.executable, os.path.join(harness.HERE, "codex_trust.py"),
                                 scratch.project], env=self.env(scratch),
                                capture_output=True, text=True, timeout=60)
        harness.check(result.returncode == 0, f"codex_trust.py failed: {result.stderr}")
        return result.stdout

    def point_at(self, scratch, api):
        config = os.path.join(self.codex_home(scratch), "config.toml")
        with open(config) as f:
            lines = f.read().split("\n")
        lines = [f'base_url = "{api.url}/v1"' if line.startswith("base_url = ") else line
                 for line in lines]
        with open(config, "w") as f:
            f.write("\n".join(lines))

    def run(self, scratch, api, timeout_s=90):
        self.point_at(scratch, api)
        argv = ["codex", "exec", "--json", "--skip-git-repo-check", "-s", "danger-full-access",
                "run the marker command"]
        return harness.run_cli(argv, scratch.project, self.env(scratch, api), timeout_s)


class Gemini(Agent):
    name, binary = "gemini", "gemini"
    package, pinned = "@google/gemini-cli", "0.61.0"
    pre_tool_event, shell_tool, block_form = "BeforeTool", "run_shell_command", "json"

    def settings_path(self, scratch):
        return os.path.join(scratch.home, ".gemini", "settings.json")

    def base_settings(self):
        return {"security": {"auth": {"selectedType": "gemini-api-key"}},
                "privacy": {"usageStatisticsEnabled": False}}

    def prepare(self, scratch):
        scratch.write(os.path.join("home", ".gemini", "settings.json"),
                      json.dumps(self.base_settings(), indent=2))

    def write_hooks(self, scratch, hooks):
        handlers = [{"name": name, "type": "command", "command": command,
                     "timeout": timeout_s * 1000} for name, command, timeout_s in hooks]
        document = dict(self.base_settings(), hooks={
            "BeforeTool": [{"matcher": "run_shell_command", "hooks": handlers}]})
        with open(self.settings_path(scratch), "w") as f:
            json.dump(document, f, indent=2)

    def env(self, scratch, api=None):
        return harness.clean_env(scratch, {"GEMINI_API_KEY": "offline",
                                           "GOOGLE_GEMINI_BASE_URL": api.url if api else "",
                                           "GEMINI_CLI_TRUST_WORKSPACE": "true"})

    def run(self, scratch, api, timeout_s=90):
        env = self.env(scratch, api)
        argv = ["gemini", "-p", "run the marker command", "--output-format", "json",
                "--approval-mode", "yolo"]
        return harness.run_cli(argv, scratch.project, env, timeout_s)


class Claude(Agent):
    name, binary = "claude", "claude"
    package, pinned = "@anthropic-ai/claude-code", "2.1.330"
    pre_tool_event, shell_tool, block_form = "PreToolUse", "Bash", "exit2"

    def settings_path(self, scratch):
        return os.path.join(scratch.project, ".claude", "settings.json")

    def prepare(self, scratch):
        # Claude Code takes the enclosing git repository as the project (here: the
        # hookwarden checkout the build directory is in); a repository of its own keeps
        # the session to the scratch project.
        subprocess.run(["git", "init", "-q", scratch.project], check=True)

    def write_hooks(self, scratch, hooks):
        handlers = [{"type": "command", "command": command, "timeout": timeout_s}
                    for _, command, timeout_s in hooks]
        document = {"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": handlers}]}}
        scratch.write(os.path.join("project", ".claude", "settings.json"),
                      json.dumps(document, indent=2))

    # What a case adds to the CLI's environment (HTTPS_PROXY for the http cases).
    extra_env = {}

    def env(self, scratch, api=None):
        # IS_SANDBOX lets root use --dangerously-skip-permissions (the CI runs as root).
        return harness.clean_env(scratch, {"ANTHROPIC_API_KEY": "offline",
                                           "ANTHROPIC_BASE_URL": api.url if api else "",
                                           "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
                                           "DISABLE_AUTOUPDATER": "1", "IS_SANDBOX": "1",
                                           **self.extra_env})

    def run(self, scratch, api, timeout_s=90):
        env = self.env(scratch, api)
        argv = ["claude", "-p", "run the marker command", "--output-format", "json",
                "--dangerously-skip-permissions"]
        return harness.run_cli(argv, scratch.project, env, timeout_s)


AGENTS = {agent.name: agent for agent in (Codex(), Gemini(), Claude())}
