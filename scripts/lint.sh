#!/usr/bin/env bash
# Checks formatting (clang-format) of every source under src/, tests/ and bench/, and runs
# clang-tidy over src/ and bench/ with the compile database of a build directory.
#
#   scripts/lint.sh [BUILD_DIR]     (default: build)
#
# BUILD_DIR is configured (not built) when it has no compile_commands.json. Fails on any
# formatting difference or clang-tidy warning (.clang-tidy sets WarningsAsErrors).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD="${1:-build}"
CLANG_FORMAT="${CLANG_FORMAT:-$(command -v clang-format-14 || command -v clang-format)}"
CLANG_TIDY="${CLANG_TIDY:-$(command -v clang-tidy-14 || command -v clang-tidy)}"

echo "lint: clang-format ($("$CLANG_FORMAT" --version | grep -o 'version [0-9.]*'))"
find src tests bench -type f \( -name '*.h' -o -name '*.cc' \) -print0 | sort -z |
  xargs -0 "$CLANG_FORMAT" --dry-run --Werror

if [[ ! -f "$BUILD/compile_commands.json" ]]; then
  echo "lint: configuring $BUILD for its compile database"
  if [[ -f "$BUILD/CMakeCache.txt" ]]; then  # keep the existing configuration
    cmake -S . -B "$BUILD" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
  else
    cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
      >/dev/null
  fi
fi

# Tests are format-checked only: clang-tidy on them (gtest-heavy) would triple the run time.
files=()
while IFS= read -r -d '' f; do
  if grep -q "\"file\": \"$PWD/$f\"" "$BUILD/compile_commands.json"; then
    files+=("$f")
  elif [[ "$f" == src/* ]]; then
    echo "lint: $f is missing from $BUILD/compile_commands.json" >&2
    exit 1
  else
    echo "lint: skipping $f (not built in $BUILD)"
  fi
done < <(find src bench -type f -name '*.cc' -print0 | sort -z)

echo "lint: clang-tidy on ${#files[@]} files with $BUILD/compile_commands.json," \
  "$(nproc) in parallel"
# Each file's output is printed in one piece once it is done; "N warnings generated" (from
# system headers, which are not checked) is dropped. xargs fails if any clang-tidy does.
printf '%s\0' "${files[@]}" |
  xargs -0 -n 1 -P "$(nproc)" bash -c '
    out=$("$0" -p "$1" --quiet --extra-arg=-Wno-unknown-warning-option "$2" 2>&1) && rc=0 || rc=$?
    out=$(grep -Ev "^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$" <<<"$out" || true)
    [[ -z "$out" ]] || printf "%s\n" "$out"
    exit "$rc"' "$CLANG_TIDY" "$BUILD"
echo "lint: clean"
