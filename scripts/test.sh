#!/usr/bin/env bash
# Installs what is missing, builds with AddressSanitizer and UndefinedBehaviorSanitizer, and
# runs the linters, a short libFuzzer run of every parser (when clang is present) and every
# test (unit, bad-input corpus, fuzz corpus regression, CLI end-to-end, crash) through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

BUILD=build-asan
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPANORAMA_SANITIZE=ON \
  -DPANORAMA_TESTS=ON -DPANORAMA_BENCH=ON >/dev/null
ninja -C "$BUILD"
scripts/lint.sh "$BUILD"
scripts/fuzz.sh 30

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$BUILD" --output-on-failure -j "$(nproc)" --timeout 1200
