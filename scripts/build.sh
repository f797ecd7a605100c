#!/usr/bin/env bash
# Release build; the CLI lands at build/panorama.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DPANORAMA_TESTS=OFF "$@" >/dev/null
ninja -C build panorama
