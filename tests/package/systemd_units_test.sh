#!/usr/bin/env bash
# The systemd user units the .deb ships (packaging/systemd, docs/serve.md) as systemd
# itself reads them: `systemd-analyze --user verify` loads both, resolves the socket's
# service, checks ExecStart is executable and reports every unknown key or bad value.
# No systemd runs as PID 1 here, so this is how far the units can be checked without
# a user session (socket activation itself is tested by hand: docs/serve.md).
set -euo pipefail
build=$1
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed (Debian package systemd)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -m 0700 "$work/runtime"
cp "$source_dir"/packaging/systemd/hookwarden.socket "$source_dir"/packaging/systemd/hookwarden.service "$work/"
# The installed path is /usr/bin/hookwarden; the built binary stands in for it.
sed -i "s#^ExecStart=/usr/bin/hookwarden #ExecStart=$build/hookwarden #" "$work/hookwarden.service"
grep -q "^ExecStart=$build/hookwarden serve" "$work/hookwarden.service" || { echo "ExecStart not found"; exit 1; }
out=$(XDG_RUNTIME_DIR="$work/runtime" systemd-analyze --user --man=no verify "$work/hookwarden.socket" "$work/hookwarden.service" 2>&1) || {
  echo "$out"; echo "systemd-analyze verify failed"; exit 1; }
if [ -n "$out" ]; then echo "$out"; echo "systemd-analyze verify reported the above"; exit 1; fi
# What the units must say for the daemon to work as docs/serve.md describes.
grep -qx 'Delegate=yes' "$work/hookwarden.service"
grep -qx 'ListenSequentialPacket=%t/hookwarden/serve.sock' "$work/hookwarden.socket"
grep -qx 'DirectoryMode=0700' "$work/hookwarden.socket"
grep -qx 'SocketMode=0600' "$work/hookwarden.socket"
# And a unit with a mistake is caught (the check can fail).
echo 'Delegat=yes' >> "$work/hookwarden.service"
if XDG_RUNTIME_DIR="$work/runtime" systemd-analyze --user --man=no verify "$work/hookwarden.service" 2>&1 | grep -q "Unknown key 'Delegat'"; then
  echo "ok: both units verify; a misspelt key is reported"
else
  echo "a misspelt key was not reported"; exit 1
fi
