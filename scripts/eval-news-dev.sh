#!/usr/bin/env bash
# Alert quality of the default rules on the labelled development articles beside the checkout
# (../shared/data/news-dev), with the OFAC SDN list of ../shared/data/ofac-sdn-2022-01 screened.
# Prints `sanctwatch eval` figures; skips (exit 0) when that data is absent.
# usage: scripts/eval-news-dev.sh BUILD_DIR [extra eval options...]
set -euo pipefail
build=${1:-build}
shift || true
top=$(cd "$(dirname "$0")/.." && pwd)
dev=${SANCTWATCH_NEWS_DEV:-$top/../shared/data/news-dev}
sdn=${SANCTWATCH_SDN_CSV:-$top/../shared/data/ofac-sdn-2022-01/sdn.csv}
if [ ! -f "$dev/labels.tsv" ]; then
  echo "eval: no labelled articles at $dev; skipped"
  exit 0
fi
entities=()
[ -f "$sdn" ] && entities=(--entities "ofac-sdn-csv:$sdn" --entity-labels "$dev/entities.tsv" --entity-list "OFAC SDN" --entity-source sdn)
exec "$build/sanctwatch" eval --labels "$dev/labels.tsv" --rules "$top/rules" "${entities[@]}" "$@" "$dev/articles"
