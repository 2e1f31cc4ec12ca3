#!/usr/bin/env bash
# Runs every libFuzzer target of a SANCTWATCH_FUZZ build for a while, one after the other.
#   scripts/run-fuzzers.sh [BUILD_DIR] [SECONDS_PER_TARGET] [TARGET...]
# Each target grows its own working corpus under BUILD_DIR/fuzz-corpus/NAME, seeded from the
# seed corpus ctest replays; crashes, leaks and timeouts land in BUILD_DIR/fuzz-findings/NAME.
# A summary line per target (execs, coverage, findings) goes to BUILD_DIR/fuzz-summary.txt.
# Keep a finding as a regression: copy it into the target's seed directory (see fuzz/*/CMakeLists.txt).
set -uo pipefail
build=${1:-build-fuzz}
seconds=${2:-600}
shift $(($# < 2 ? $# : 2))
root=$(cd "$(dirname "$0")/.." && pwd)

# Seed directories, as registered in fuzz/*/CMakeLists.txt.
seeds_of() {
  case $1 in
    fuzz_feed_parse | fuzz_html_to_text) echo "$root/tests/data/feeds" ;;
    fuzz_date) echo "$root/fuzz/feed/date_corpus" ;;
    fuzz_entities_*) echo "$root/tests/data/entities" ;;
    fuzz_config) echo "$root/config" ;;
    fuzz_phrase_index) echo "$root/fuzz/engine/phrase_corpus" ;;
    fuzz_engine_*) echo "$root/rules" ;;
    *) echo "" ;;
  esac
}

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  while IFS= read -r f; do targets+=("$(basename "$f")"); done \
    < <(find "$build/fuzz" -type f -name 'fuzz_*' -perm -u+x | sort)
fi
[ ${#targets[@]} -gt 0 ] || { echo "no fuzz targets under $build/fuzz: run 'make fuzz' first" >&2; exit 2; }

summary=$build/fuzz-summary.txt
status=0
for name in "${targets[@]}"; do
  bin=$(find "$build/fuzz" -type f -name "$name" -perm -u+x | head -n1)
  [ -n "$bin" ] || { echo "$name: not built" | tee -a "$summary"; status=1; continue; }
  corpus=$build/fuzz-corpus/$name
  findings=$build/fuzz-findings/$name
  mkdir -p "$corpus" "$findings"
  dict=()
  case $name in fuzz_feed_parse) dict=(-dict="$root/fuzz/feed/feed.dict") ;; esac
  seeds=$(seeds_of "$name")
  log=$build/fuzz-findings/$name.log
  echo "== $name for ${seconds}s"
  "$bin" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
    -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" ${seeds:+"$seeds"} >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1 | grep -o '[0-9]*')
  found=$(find "$findings" -type f | wc -l)
  line="$(date -u +%FT%TZ) $name seconds=$seconds execs=${execs:-?} cov=${cov:-?} findings=$found exit=$rc"
  echo "$line" | tee -a "$summary"
  [ "$rc" -eq 0 ] && [ "$found" -eq 0 ] || status=1
done
exit $status
