#!/usr/bin/env bash
# Installs what the benchmark harnesses need besides Panorama itself: wrk (bench/http_bench.sh);
# for bench/backfill_peers/run.sh PostgreSQL, pandas
# for the system python3, Node.js with npm (Debian packages), and DuckDB for node (the npm
# package @duckdb/node-api, pinned by bench/backfill_peers/package-lock.json). Idempotent:
# installs only what is missing. Run as root (or with sudo available) on Debian 12 or later.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
dpkg-query -W -f='${Status}' postgresql 2>/dev/null | grep -q "install ok installed" ||
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
/usr/bin/python3 -c 'import pandas' 2>/dev/null || missing+=(python3-pandas)
# Other Node.js builds (NodeSource's) ship npm inside their nodejs package, so both are
# looked for as commands.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
# wrk drives the HTTP scoring benchmark (bench/http_bench.sh).
command -v wrk >/dev/null || missing+=(wrk)

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-bench-deps: postgresql, python3-pandas, nodejs, npm, wrk present"
else
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null ||
      { echo "install-bench-deps: run as root to install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  echo "install-bench-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm ci installs exactly the committed lock file; skipped when node_modules already holds
# that version, so a machine that has it needs no registry.
peers=bench/backfill_peers
want=$(node -e "const l = require('./$peers/package-lock.json');
  console.log(l.packages['node_modules/@duckdb/node-api'].version)")
have=$(node -e "try { console.log(require('./$peers/node_modules/@duckdb/node-api/package.json').version) }
  catch (e) { console.log('') }")
if [ "$have" = "$want" ] &&
   (cd "$peers" && node -e "require('@duckdb/node-api')" 2>/dev/null); then
  echo "install-bench-deps: @duckdb/node-api $want present"
else
  echo "install-bench-deps: npm ci in $peers (@duckdb/node-api $want)"
  (cd "$peers" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
fi
