#!/usr/bin/env bash
# Installs the agent CLIs that tests/agents drives offline (Codex CLI, Gemini CLI,
# Claude Code), at the versions the tests are written for, with npm into its global
# root. Idempotent: a CLI already there at its pinned version is left alone. Not fatal:
# a CLI that cannot be installed makes its tests report "skipped", and this says so.
set -uo pipefail

pins=(
  "@openai/codex@0.171.0"
  "@google/gemini-cli@0.61.0"
  "@anthropic-ai/claude-code@2.1.330"
)

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

command -v npm >/dev/null 2>&1 || {
  echo "install-agent-clis: warning: no npm; the real-agent tests will be skipped"; exit 0; }
root=$(npm root -g)
for pin in "${pins[@]}"; do
  package=${pin%@*} version=${pin##*@}
  installed=$(node -p "require('$root/$package/package.json').version" 2>/dev/null || true)
  if [ "$installed" = "$version" ]; then
    continue
  fi
  echo "install-agent-clis: npm install -g $pin"
  sudo_if_needed npm install -g --no-fund --no-audit "$pin" >/dev/null 2>&1 ||
    echo "install-agent-clis: warning: could not install $pin; its tests in tests/agents will be skipped"
done
