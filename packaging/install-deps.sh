#!/usr/bin/env bash
# Installs what hookwarden needs to build and test on Debian 12. Idempotent: packages
# already present are left as they are. Run as root (or through sudo).
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libboost1.81-dev libcgroup-dev cgroup-tools
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libsqlite3-dev sqlite3
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 procps psmisc
)
# Extra tools some test stages use; each stage skips with a message when one is absent.
optional_packages=(
  nodejs npm
)

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${packages[@]}" ${HOOKWARDEN_WITH_OPTIONAL:+"${optional_packages[@]}"}; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: everything is installed"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
sudo_if_needed apt-get update -qq
sudo_if_needed apt-get install -y -qq --no-install-recommends "${missing[@]}"
