#!/usr/bin/env bash
# Runs every benchmark binary under BUILD/bench, writing BUILD/bench/NAME.json.
# Generates the synthetic corpora first (scripts/gen-corpus.py), drawing organisation names from
# the OFAC SDN list at $SANCTWATCH_SDN_CSV when it is there.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${SANCTWATCH_SHARED_DIR:-$root/../shared}
sdn=${SANCTWATCH_SDN_CSV:-$shared/data/ofac-sdn-2022-01/sdn.csv}
corpus=$build/bench/corpus
if [ ! -f "$corpus/feeds.txt" ]; then
  echo "generating corpus: 200 feeds x 50 items"
  python3 "$root/scripts/gen-corpus.py" --feeds 200 --items 50 --seed 1 --sdn "$sdn" --out "$corpus"
fi
if [ ! -f "$build/bench/corpus-2000/feeds.txt" ]; then
  echo "generating corpus: 2,000 feeds x 20 items (poll benchmark)"
  python3 "$root/scripts/gen-corpus.py" --feeds 2000 --items 20 --seed 2 --sdn "$sdn" \
    --out "$build/bench/corpus-2000"
fi
if [ ! -f "$build/bench/corpus-3000/feeds.txt" ]; then
  echo "generating corpus: 3,000 feeds x 20 items (several daemons on PostgreSQL)"
  python3 "$root/scripts/gen-corpus.py" --feeds 3000 --items 20 --seed 3 --sdn "$sdn" \
    --out "$build/bench/corpus-3000"
fi
status=0
for b in "$build"/bench/bench_*; do
  [ -x "$b" ] || continue
  name=$(basename "$b")
  echo "== $name"
  "$b" --benchmark_out="$build/bench/$name.json" --benchmark_out_format=json || status=1
done
exit $status
