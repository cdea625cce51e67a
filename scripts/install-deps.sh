#!/usr/bin/env bash
# Installs cairn's build and test dependencies from Debian 12 packages. Idempotent: does nothing when all are present.
set -euo pipefail
pkgs=(build-essential cmake pkg-config ccache
      libisal-dev libtorrent-rasterbar-dev libboost-system-dev liblmdb-dev libcli11-dev
      libgtest-dev libgmock-dev libsodium-dev libssl-dev libbenchmark-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
