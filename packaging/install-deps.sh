#!/usr/bin/env bash
# Installs what hookwarden needs to build and test on Debian 12. Idempotent: packages
# already present are left as they are. Run as root (or through sudo).
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config git
  libcgroup-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libsqlite3-dev
  # tests: GoogleTest, real tools the tests drive, browsers and validators they check with
  libgtest-dev libgmock-dev libbenchmark-dev cgroup-tools sqlite3 util-linux procps psmisc
  python3 python3-jsonschema prometheus prometheus-alertmanager prometheus-node-exporter curl chromium
  # the source checks (tests/source): function lengths from universal-ctags
  universal-ctags
  # systemd-analyze verify of the serve units (tests/package/systemd_units_test.sh); not started
  systemd
  # the fuzz targets (tests/fuzz): clang with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
  # the cgroup v2 tests boot a Debian kernel under qemu (tests/vm)
  qemu-system-x86 linux-image-amd64 busybox-static cpio
)

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm (the independent JSON Schema validator; Node also drives Chromium over
# the DevTools pipe in tests/report/viewer_chromium.sh): Debian's, unless a Node.js with npm
# is already there (e.g. from NodeSource, whose nodejs package conflicts with Debian's npm).
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  sudo_if_needed apt-get update -qq
  sudo_if_needed apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all Debian packages present"
fi

# The SARIF 2.1.0 schema and Microsoft's SARIF validator, for the gate's SARIF test
# (tests/report/sarif_schema.sh finds them in npm's global root). Not fatal: that test
# reports "skipped" without them.
if command -v npm >/dev/null 2>&1 && [ ! -f "$(npm root -g)/@microsoft/sarif-multitool-linux/sarif-2.1.0.json" ]; then
  echo "install-deps: npm install -g @microsoft/sarif-multitool-linux@5.7.0"
  sudo_if_needed npm install -g --no-fund --no-audit @microsoft/sarif-multitool-linux@5.7.0 >/dev/null 2>&1 ||
    echo "install-deps: warning: could not install the SARIF multitool; the SARIF schema test will be skipped"
fi

# The official OpenTelemetry protobuf definitions (as protobufjs code) for the OTLP payload
# test (tests/otlp/otlp_payload.sh finds them in npm's global root). Pinned: 0.208.0 ships
# build/src/generated/root.js, which later releases (0.223 on) dropped. Not fatal: that test
# is then skipped.
if command -v npm >/dev/null 2>&1 &&
   [ ! -f "$(npm root -g)/@opentelemetry/otlp-transformer/build/src/generated/root.js" ]; then
  echo "install-deps: npm install -g @opentelemetry/otlp-transformer@0.208.0"
  sudo_if_needed npm install -g --no-fund --no-audit @opentelemetry/otlp-transformer@0.208.0 >/dev/null 2>&1 ||
    echo "install-deps: warning: could not install @opentelemetry/otlp-transformer; the OTLP payload test will be skipped"
fi

# The real agent CLIs the end-to-end tests in tests/agents drive offline (pinned
# versions). Not fatal: their tests report "skipped" without them.
"$(dirname "$0")/install-agent-clis.sh"
