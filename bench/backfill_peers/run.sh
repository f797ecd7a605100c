#!/usr/bin/env bash
# Back-fill throughput of Panorama side by side with the tools a data scientist would
# otherwise use to compute the same point-in-time window features, and a check that all of
# them produce the same values.
#
# Run (once: scripts/install-bench-deps.sh as root; build/panorama from scripts/build.sh):
#   bench/backfill_peers/run.sh [--customers 20000] [--merchants 2000] [--days 30]
#       [--repeats 3] [--seed 1] [--sample 10000] [--duckdb-threads N]
#       [--panorama build/panorama] [--reference] [--keep]
#   bench/backfill_peers/run.sh --self-test     # hand-made edge cases, every tool vs reference
#
# What it does: `panorama generate` writes a world into a temporary directory; each repeat
# ingests its transactions and labels into a fresh data directory, then times, one after
# another, each tool computing the 10 features of examples/features/peers.yaml for every
# transaction and writing them as CSV:
#   panorama  `panorama features backfill --data D --spec peers.yaml --out F` over the log
#             (the ingest before it is timed too and reported separately);
#   duckdb    duckdb.js: DuckDB (npm @duckdb/node-api) read_csv into a table, then
#             features.sql, COPY ... TO csv;
#   postgres  postgres.sh: a throwaway PostgreSQL cluster, COPY FROM STDIN into a table,
#             then features.sql, COPY ... TO STDOUT;
#   pandas    pandas_peer.py: read_csv, then groupby(entity).rolling(window, on="ts",
#             closed="left"), to_csv.
# "load" is CSV to table (DuckDB, PostgreSQL, pandas); "query" is the features computed and
# written out, both timed inside the tool (no process start, imports or cluster start: a
# notebook has those already); "wall" is the whole process. The table (table.py) gives
# medians over the repeats, rows/s of load + query, and three ratios of a peer's time to
# Panorama's (above 1: Panorama is faster): load+query against the back-fill, query only
# against the back-fill, and load+query against ingest+back-fill (CSV in, features out).
#
# Exact semantics, the same in every tool (windows W = 1h, 24h, 7d, 30d):
#   time     ts in UTC microseconds; the window of transaction e is [e.ts - W, e.ts):
#            strictly earlier events, same-microsecond events excluded.
#            SQL: PARTITION BY entity ORDER BY ts_us
#                 RANGE BETWEEN W PRECEDING AND 1 PRECEDING (integer microseconds).
#            pandas: rolling(W, on="ts", closed="left") is [t - W, t) by time at the left
#                 edge but only excludes the current row at the right edge, so each row takes
#                 the value of the first row of its (entity, ts) run.
#   amount   integer minor units of the row's own currency (ISO 4217 exponent: JPY 1500 is
#            1500, CNY 12.34 is 1234, KWD 1.234 is 1234), summed as they are, as Panorama
#            does; computed exactly from the decimal text (DECIMAL/numeric, string split).
#   entity   a row without the entity's field (no card, no merchant) has that entity's
#            features missing, counts included.
#   empty    window: count and sum 0; mean, min, max, stddev missing (an empty CSV cell).
#   stddev   population (ddof = 0): stddev_pop in SQL, std(ddof=0) in pandas.
#   filter   channel == ONLINE: count(CASE WHEN channel = 'ONLINE' THEN 1 END) in SQL, the
#            rolling sum of a 0/1 column in pandas.
# Values are checked on a seeded sample of --sample tx_ids (0: all rows), matched by tx_id,
# against Panorama (or DuckDB if the binary has no `features backfill`): counts, sums, min
# and max equal; mean and stddev within a relative 1e-9 (absolute 1e-9 near zero); missing
# where the reference is missing. --reference also runs reference.py, a brute-force
# definition with exact integer arithmetic (small worlds only), and checks every tool
# against it. Any mismatch prints the first few and exits 1.
# Panorama does more than the peers: its rows also carry ts and the is_fraud label.
#
# The tools as run: Panorama single-threaded; DuckDB with its default threads (all cores;
# --duckdb-threads N to change); PostgreSQL one backend (window functions run serially),
# scratch settings (fsync off, unlogged tables, work_mem 1 GB, jit off, PG_JIT=on to
# change); pandas single-threaded, Debian's, under /usr/bin/python3.
# Arithmetic: Panorama keeps integer sums (mean = sum / n, stddev from n*S2 - S1^2 in 128
# bits); DuckDB sums in 128-bit integers and stddev in doubles; PostgreSQL avg and stddev in
# numeric (its stddev is ~1e-11 relative off the exact value); pandas float64 rolling sums.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
spec=$root/examples/features/peers.yaml
py=/usr/bin/python3

customers=20000
merchants=2000
days=30
repeats=3
seed=1
sample=10000
duckdb_threads=
panorama=$root/build/panorama
reference=0
keep=0
self_test=0
while [ $# -gt 0 ]; do
  case $1 in
    --customers) customers=$2; shift 2 ;;
    --merchants) merchants=$2; shift 2 ;;
    --days) days=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --sample) sample=$2; shift 2 ;;
    --duckdb-threads) duckdb_threads=$2; shift 2 ;;
    --panorama) panorama=$2; shift 2 ;;
    --reference) reference=1; shift ;;
    --keep) keep=1; shift ;;
    --self-test) self_test=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

die() { echo "run.sh: $*" >&2; exit 1; }
[ -d "$here/node_modules/@duckdb/node-api" ] ||
  die "no DuckDB for node: run scripts/install-bench-deps.sh (as root)"
"$py" -c 'import pandas' 2>/dev/null || die "no pandas for $py: run scripts/install-bench-deps.sh"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ -n "${PGBIN:-}" ] ||
  die "no PostgreSQL server: run scripts/install-bench-deps.sh"
[ -x "$panorama" ] || die "no $panorama: build it with scripts/build.sh"

work=$(mktemp -d /tmp/panorama-backfill-peers.XXXXXX)
if [ "$keep" -eq 1 ]; then
  echo "run.sh: keeping $work"
else
  trap 'rm -rf "$work"' EXIT
fi
# A copy, so that a rebuild during the run does not swap the binary under it.
cp "$panorama" "$work/panorama"
pano=$work/panorama
has_backfill=0
"$pano" features backfill --help >/dev/null 2>&1 && has_backfill=1
out=$work/out
mkdir -p "$out"
duckdb_args=()
[ -z "$duckdb_threads" ] || duckdb_args=(--threads "$duckdb_threads")

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }
json_field() { "$py" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# Runs every tool once over $1 (transactions.csv); $2 the data directory Panorama reads
# (ingested here). Appends "tool load query wall threads version" lines to $work/times:
# load and query as the tool measured them, wall the whole process as seen from here.
run_tools() {
  local csv=$1 data=$2 t0 t1 line
  if [ "$has_backfill" -eq 1 ]; then
    rm -rf "$data"
    t0=$(now)
    "$pano" ingest --data "$data" --kind transactions "$csv" >/dev/null
    if [ -s "$(dirname "$csv")/labels.csv" ]; then
      "$pano" ingest --data "$data" --kind labels "$(dirname "$csv")/labels.csv" >/dev/null
    fi
    t1=$(now)
    echo "ingest 0 $(elapsed "$t0" "$t1") $(elapsed "$t0" "$t1") 1 -" >>"$work/times"
    t0=$(now)
    line=$("$pano" features backfill --data "$data" --spec "$spec" --out "$out/panorama.csv" \
      --json | tail -1)
    t1=$(now)
    # A late (rejected) transaction changes Panorama's values but not the peers'.
    [ "$(json_field "$line" rejected_late)" = 0 ] ||
      echo "run.sh: panorama rejected $(json_field "$line" rejected_late) late transactions" >&2
    echo "panorama 0 $(elapsed "$t0" "$t1") $(elapsed "$t0" "$t1") 1 -" >>"$work/times"
  fi
  t0=$(now)
  line=$(node "$here/duckdb.js" "$csv" "$out/duckdb.csv" "${duckdb_args[@]}")
  t1=$(now)
  echo "duckdb $(json_field "$line" load_s) $(json_field "$line" query_s) $(elapsed "$t0" "$t1")" \
    "$(json_field "$line" threads) $(json_field "$line" version)" >>"$work/times"
  t0=$(now)
  line=$("$here/postgres.sh" "$csv" "$out/postgres.csv")
  t1=$(now)
  echo "postgres $(json_field "$line" load_s) $(json_field "$line" query_s) $(elapsed "$t0" "$t1")" \
    "1 $(json_field "$line" version | cut -d' ' -f1)" >>"$work/times"
  t0=$(now)
  line=$("$py" "$here/pandas_peer.py" "$csv" "$out/pandas.csv")
  t1=$(now)
  echo "pandas $(json_field "$line" load_s) $(json_field "$line" query_s) $(elapsed "$t0" "$t1")" \
    "1 $(json_field "$line" version)" >>"$work/times"
}

# Compares the outputs against $1 (a NAME=FILE), on $2 sampled rows.
check() {
  local ref=$1 n=$2 peers=()
  for tool in panorama duckdb postgres pandas; do
    [ -s "$out/$tool.csv" ] && [ "${ref%%=*}" != "$tool" ] && peers+=("$tool=$out/$tool.csv")
  done
  "$py" "$here/compare.py" --spec "$spec" --ref "$ref" --sample "$n" --seed "$seed" "${peers[@]}"
}

if [ "$self_test" -eq 1 ]; then
  csv=$work/edge/transactions.csv
  mkdir -p "$work/edge"
  cp "$here/testdata/edge_transactions.csv" "$csv"
  : >"$work/times"
  run_tools "$csv" "$work/edge/data"
  "$py" "$here/reference.py" "$csv" "$out/reference.csv"
  [ "$has_backfill" -eq 1 ] || echo "run.sh: $panorama has no 'features backfill': peers only"
  check "reference=$out/reference.csv" 0
  exit
fi

echo "== world: $customers customers, $merchants merchants, $days days, seed $seed"
"$pano" generate --out "$work/world" --customers "$customers" --merchants "$merchants" \
  --days "$days" --seed "$seed" >/dev/null
csv=$work/world/transactions.csv
rows=$(($(wc -l <"$csv") - 1))
echo "   $rows transactions ($(du -h "$csv" | cut -f1) CSV); $(nproc) cores;" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$has_backfill" -eq 1 ] || echo "   $panorama has no 'features backfill': peers only"

: >"$work/times"
for ((r = 1; r <= repeats; r++)); do
  echo "== repeat $r/$repeats"
  run_tools "$csv" "$work/data"
done

echo
"$py" "$here/table.py" "$work/times" "$rows"

echo
status=0
if [ "$has_backfill" -eq 1 ]; then
  check "panorama=$out/panorama.csv" "$sample" || status=1
else
  check "duckdb=$out/duckdb.csv" "$sample" || status=1
fi
if [ "$reference" -eq 1 ]; then
  "$py" "$here/reference.py" "$csv" "$out/reference.csv"
  check "reference=$out/reference.csv" 0 || status=1
fi
exit $status
