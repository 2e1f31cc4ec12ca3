#!/usr/bin/env bash
# Runs every benchmark binary under BUILD/bench, writing BUILD/bench/NAME.json.
# Generates the synthetic corpus first (needs ../shared/bench/gen_corpus.py).
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${SANCTWATCH_SHARED_DIR:-$root/../shared}
corpus=$build/bench/corpus
if [ -x "$shared/bench/gen_corpus.py" ] || [ -f "$shared/bench/gen_corpus.py" ]; then
  if [ ! -f "$corpus/feeds.txt" ]; then
    echo "generating corpus: 200 feeds x 50 items"
    python3 "$shared/bench/gen_corpus.py" --feeds 200 --items 50 --seed 1 \
      --sdn "$shared/data/ofac-sdn-2022-01/sdn.csv" --out "$corpus"
  fi
  if [ ! -f "$build/bench/corpus-2000/feeds.txt" ]; then
    echo "generating corpus: 2,000 feeds x 20 items (poll benchmark)"
    python3 "$shared/bench/gen_corpus.py" --feeds 2000 --items 20 --seed 2 \
      --sdn "$shared/data/ofac-sdn-2022-01/sdn.csv" --out "$build/bench/corpus-2000"
  fi
else
  echo "note: $shared/bench/gen_corpus.py not found; corpus benchmarks will skip"
fi
status=0
for b in "$build"/bench/bench_*; do
  [ -x "$b" ] || continue
  name=$(basename "$b")
  echo "== $name"
  "$b" --benchmark_out="$build/bench/$name.json" --benchmark_out_format=json || status=1
done
exit $status
