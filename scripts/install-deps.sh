#!/usr/bin/env bash
# Installs the Debian packages of debian-packages.txt that are missing (apt-get; sudo when not root).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
mapfile -t wanted < <(grep -v '^\s*#' "$here/debian-packages.txt" | awk 'NF {print $1}')
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Hyperscan is x86-64 only; Vectorscan provides the same API elsewhere.
if [ "$(dpkg --print-architecture)" != amd64 ]; then
  for i in "${!missing[@]}"; do [ "${missing[$i]}" = libhyperscan-dev ] && missing[$i]=libvectorscan-dev; done
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
