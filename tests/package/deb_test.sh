#!/usr/bin/env bash
# Builds the Debian package with CPack, unpacks it into a scratch root and runs the
# installed binary from there (doctor, run, --help, man page). With CI=true it also
# installs the package for real (apt-get, so Depends are resolved), runs it from
# /usr/bin, and removes it again.
#   tests/package/deb_test.sh BUILD_DIR
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR}
build=$(cd "$build" && pwd)
[ -f "$build/CPackConfig.cmake" ] || { echo "deb_test: $build has no CPackConfig.cmake (include packaging/CPackConfig.cmake)"; exit 1; }
for tool in cpack dpkg-deb dpkg-shlibdeps; do
  command -v "$tool" >/dev/null || { echo "deb_test: SKIP: $tool not found (apt-get install dpkg-dev cmake)"; exit 77; }
done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/hw-deb-XXXXXX")
cleanup() { rm -rf "$scratch"; }
trap cleanup EXIT
fail() { echo "deb_test: FAIL: $*" >&2; exit 1; }
step() { echo "deb_test: $*"; }

step "cpack -G DEB in $build"
(cd "$build" && cpack -G DEB -B "$scratch/pkg" >"$scratch/cpack.log" 2>&1) || { cat "$scratch/cpack.log"; fail "cpack"; }
deb=$(ls "$scratch"/pkg/hookwarden_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { cat "$scratch/cpack.log"; fail "no hookwarden_*.deb produced"; }
step "built $(basename "$deb")"

# Control fields.
info=$(dpkg-deb -f "$deb")
echo "$info" | sed 's/^/  /'
[ "$(dpkg-deb -f "$deb" Package)" = hookwarden ] || fail "Package is not hookwarden"
[ "$(dpkg-deb -f "$deb" Section)" = utils ] || fail "Section is not utils"
[ -n "$(dpkg-deb -f "$deb" Maintainer)" ] || fail "no Maintainer"
depends=$(dpkg-deb -f "$deb" Depends)
needed=$(objdump -p "$build/hookwarden" | awk '/NEEDED/ {print $2}')
if [ -z "$needed" ]; then
  # The default build is fully static (HOOKWARDEN_STATIC): nothing for Depends to name.
  [ -z "$depends" ] || fail "a static binary needs no Depends, got '$depends'"
else
  grep -q 'libc6' <<<"$depends" || fail "Depends was not computed by dpkg-shlibdeps: '$depends'"
fi
# Every shared library the binary needs must come from a package Depends names.
for lib in $needed; do
  pkg=$(dpkg -S "$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')" 2>/dev/null | head -n1 | cut -d: -f1)
  [ -z "$pkg" ] || grep -q "$pkg" <<<"$depends" || fail "Depends lacks $pkg (for $lib): '$depends'"
done

# Layout.
listing=$(dpkg-deb -c "$deb")
contents=$(awk '{print $6}' <<<"$listing")
for path in ./usr/bin/hookwarden \
            ./usr/share/man/man1/hookwarden.1.gz \
            ./usr/share/hookwarden/policies/hookwarden.schema.json \
            ./usr/share/hookwarden/policies/default.json \
            ./usr/share/hookwarden/hooks-examples/guard_bash.py \
            ./usr/lib/systemd/user/hookwarden.socket \
            ./usr/lib/systemd/user/hookwarden.service \
            ./usr/lib/systemd/user/hookwarden-http.service \
            ./usr/share/doc/hookwarden/; do
  grep -qxF "$path" <<<"$contents" || fail "package lacks $path"
done
grep -q '^\./usr/local' <<<"$contents" && fail "files under /usr/local in a Debian package"
grep -q '^-rwxr-xr-x .*\./usr/bin/hookwarden$' <<<"$listing" || fail "/usr/bin/hookwarden is not 0755"

# Every declared dependency is installed here (or provided by an installed package, e.g.
# libspdlog1.10 provides libspdlog1.10-fmt9), so the unpacked binary can run.
available=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Provides}\n' 2>/dev/null |
            awk '$1 == "ii" { for (i = 2; i <= NF; i++) { gsub(/[,:]|\(.*|\)/, "", $i); if ($i != "") print $i } }' |
            sort -u)
missing=""
while read -r alternatives; do
  ok=""
  for p in $(sed 's/([^)]*)//g; s/|/ /g' <<<"$alternatives"); do
    grep -qxF "${p%%:*}" <<<"$available" && ok=1
  done
  [ -n "$ok" ] || missing="$missing $alternatives"
done < <(tr ',' '\n' <<<"$depends" | sed '/^ *$/d')
[ -z "$missing" ] || fail "dependencies not installed here:$missing"

run_checks() {  # $1: the installed binary
  local bin=$1 state
  state=$(mktemp -d "$scratch/state-XXXXXX")
  step "$bin --help"
  "$bin" --help >/dev/null || fail "$bin --help"
  step "$bin doctor"
  "$bin" doctor || fail "$bin doctor exited $?"
  step "$bin run -- /bin/true"
  local out rc=0
  out=$(echo '{"hook_event_name":"Stop","session_id":"deb-test"}' |
        HOOKWARDEN_STATE_DIR="$state" "$bin" run --name deb-test --record "$state/record.json" -- /bin/true) || rc=$?
  [ "$rc" -eq 0 ] || fail "run -- /bin/true exited $rc ($out)"
  grep -q '"outcome": *"ok"' "$state/record.json" || fail "record is not ok: $(cat "$state/record.json")"
  rc=0
  echo '{}' | HOOKWARDEN_STATE_DIR="$state" "$bin" run --name deb-test-2 -- /bin/sh -c 'echo blocked >&2; exit 2' \
    2>/dev/null || rc=$?
  [ "$rc" -eq 2 ] || fail "run relays exit 2 of the hook, got $rc"
}

step "dpkg -x into a scratch root"
root="$scratch/root"
dpkg -x "$deb" "$root"
[ -x "$root/usr/bin/hookwarden" ] || fail "no executable usr/bin/hookwarden in the unpacked package"
if grep -q "not found" <<<"$(ldd "$root/usr/bin/hookwarden")"; then
  ldd "$root/usr/bin/hookwarden"
  fail "unresolved shared libraries"
fi
run_checks "$root/usr/bin/hookwarden"
if command -v man >/dev/null; then
  grep -q "hookwarden run" <<<"$(man -l "$root/usr/share/man/man1/hookwarden.1.gz" 2>/dev/null)" || fail "man page does not render"
fi

if [ "${CI:-}" = true ]; then
  [ "$(id -u)" -eq 0 ] || fail "CI=true: installing the package needs root"
  if dpkg-query -W -f='${Status}' hookwarden 2>/dev/null | grep -q "install ok installed"; then
    fail "CI=true: hookwarden is already installed here; refusing to replace it"
  fi
  step "apt-get install ./$(basename "$deb")"
  cp "$deb" "$scratch/"
  (cd "$scratch" && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$(basename "$deb")") ||
    fail "apt-get install"
  trap 'dpkg -r hookwarden >/dev/null 2>&1 || true; cleanup' EXIT
  [ "$(command -v hookwarden)" = /usr/bin/hookwarden ] || fail "hookwarden is not /usr/bin/hookwarden on PATH"
  run_checks /usr/bin/hookwarden
  step "dpkg -r hookwarden"
  dpkg -r hookwarden
  [ ! -e /usr/bin/hookwarden ] || fail "/usr/bin/hookwarden left after dpkg -r"
  trap cleanup EXIT
fi
step "OK"
