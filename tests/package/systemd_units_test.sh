#!/usr/bin/env bash
# The systemd user units the .deb ships (packaging/systemd, docs/serve.md) as systemd
# itself reads them: `systemd-analyze --user verify` loads all three, resolves the
# socket's service, checks ExecStart is executable and reports every unknown key or bad
# value; and the http unit's ExecStart is run, since `serve` refuses some combinations
# (--http with an idle exit).
# No systemd runs as PID 1 here, so this is how far the units can be checked without
# a user session (socket activation itself is tested by hand: docs/serve.md).
set -euo pipefail
build=$1
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed (Debian package systemd)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -m 0700 "$work/runtime"
units=(hookwarden.socket hookwarden.service hookwarden-http.service)
for unit in "${units[@]}"; do cp "$source_dir/packaging/systemd/$unit" "$work/"; done
# The installed path is /usr/bin/hookwarden; the built binary stands in for it.
for service in hookwarden.service hookwarden-http.service; do
  sed -i "s#^ExecStart=/usr/bin/hookwarden #ExecStart=$build/hookwarden #" "$work/$service"
  grep -q "^ExecStart=$build/hookwarden serve" "$work/$service" || { echo "$service: ExecStart not found"; exit 1; }
done
out=$(cd "$work" && XDG_RUNTIME_DIR="$work/runtime" systemd-analyze --user --man=no verify "${units[@]}" 2>&1) || {
  echo "$out"; echo "systemd-analyze verify failed"; exit 1; }
if [ -n "$out" ]; then echo "$out"; echo "systemd-analyze verify reported the above"; exit 1; fi
# What the units must say for the daemon to work as docs/serve.md describes.
grep -qx 'Delegate=yes' "$work/hookwarden.service"
grep -qx 'ListenSequentialPacket=%t/hookwarden/serve.sock' "$work/hookwarden.socket"
grep -qx 'DirectoryMode=0700' "$work/hookwarden.socket"
grep -qx 'SocketMode=0600' "$work/hookwarden.socket"
grep -qx 'Delegate=yes' "$work/hookwarden-http.service"
grep -qx 'WantedBy=default.target' "$work/hookwarden-http.service"
grep -qx 'Conflicts=hookwarden.service hookwarden.socket' "$work/hookwarden-http.service"
# The http unit listens where `install --agent claude --serve` points hooks by default.
default_address=$(sed -n 's/.*kDefaultServeAddress = "\(.*\)";/\1/p' "$source_dir/src/install/serve_hooks.h")
grep -q "^ExecStart=.* --http $default_address " "$work/hookwarden-http.service" ||
  { echo "hookwarden-http.service does not listen on install's default $default_address"; exit 1; }
# Its ExecStart as systemd would run it (on a port of the kernel's choosing here, in a
# state and runtime directory of the test's own): the daemon and its front start.
exec_start=$(sed -n 's/^ExecStart=//p' "$work/hookwarden-http.service")
read -r -a argv <<<"${exec_start/$default_address/127.0.0.1:0}"
mkdir -m 0700 "$work/state"
HOOKWARDEN_STATE_DIR="$work/state" XDG_RUNTIME_DIR="$work/runtime" \
  "${argv[0]}" --log-file "$work/serve.log" --log-level info "${argv[@]:1}" </dev/null >"$work/serve.out" 2>&1 &
daemon=$!
for _ in $(seq 100); do grep -q "http: listening on 127.0.0.1:" "$work/serve.log" 2>/dev/null && break; sleep 0.05; done
if ! grep -q "http: listening on 127.0.0.1:" "$work/serve.log" 2>/dev/null; then
  cat "$work/serve.out" "$work/serve.log" 2>/dev/null; kill "$daemon" 2>/dev/null || true
  echo "the http unit's ExecStart did not start a daemon with its front"; exit 1
fi
kill -TERM "$daemon"; wait "$daemon" || true
# And a unit with a mistake is caught (the check can fail).
echo 'Delegat=yes' >> "$work/hookwarden.service"
if XDG_RUNTIME_DIR="$work/runtime" systemd-analyze --user --man=no verify "$work/hookwarden.service" 2>&1 | grep -q "Unknown key 'Delegat'"; then
  echo "ok: the three units verify, the http unit's daemon starts; a misspelt key is reported"
else
  echo "a misspelt key was not reported"; exit 1
fi
