#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for SECONDS (default 20) from its
# seed corpus (tests/fuzz/corpus/<target>, read-only; new inputs go to a temporary folder).
# A crash leaves the input in build-fuzz/ and fails the script. Skips when clang is absent.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-20}
if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ not found; libFuzzer targets skipped (their corpora run in ctest)"
  exit 0
fi
BUILD=build-fuzz
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DPANORAMA_FUZZ=ON -DPANORAMA_TESTS=ON -DPANORAMA_BENCH=OFF >/dev/null
TARGETS=(csv_reader_fuzz jsonl_reader_fuzz mapping_fuzz feature_spec_fuzz rules_fuzz)
ninja -C "$BUILD" "${TARGETS[@]}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in "${TARGETS[@]}"; do
  mkdir -p "$work/$t"
  echo "fuzz: $t for ${SECONDS_PER_TARGET}s"
  (cd "$BUILD" && "tests/fuzz/$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 \
     -rss_limit_mb=2048 -print_final_stats=1 "$work/$t" "../tests/fuzz/corpus/$t" 2>&1 |
     { grep -E '^(stat::number_of_executed_units|==[0-9]+==|SUMMARY|Test unit written)' || true; })
  # Under pipefail a crash (libFuzzer's non-zero exit) fails the script here.
done
echo "fuzz: all targets ran without a crash"
