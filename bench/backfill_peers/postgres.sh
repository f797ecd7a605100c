#!/usr/bin/env bash
# PostgreSQL peer: starts a throwaway cluster in a temporary directory, COPYs
# transactions.csv in, runs features.sql (window functions, RANGE frames on integer
# microseconds), COPYs the result out as tx_id,<features>, then stops and removes the cluster.
# Usage: postgres.sh TRANSACTIONS.csv OUT.csv
# Prints one JSON line: {"tool":"postgres","load_s":..,"query_s":..,"rows":..}.
# load_s = COPY of the CSV into a typed table + conversion to the tx table (+ ANALYZE);
# query_s = the window query with COPY of its result to OUT.csv. Cluster start/stop are
# not timed. As root the cluster runs as the `postgres` user (from the postgresql package).
# The cluster is tuned as a scratch database: no fsync, unlogged tables, 1 GB work_mem.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: postgres.sh TRANSACTIONS.csv OUT.csv" >&2; exit 2; }
input=$1
output=$2
here=$(cd "$(dirname "$0")" && pwd)
[ -r "$input" ] || { echo "postgres.sh: cannot read $input" >&2; exit 1; }

pgbin=${PGBIN:-}
if [ -z "$pgbin" ]; then
  pgbin=$(printf "%s\n" /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
[ -x "$pgbin/initdb" ] || { echo "postgres.sh: no initdb (install postgresql, or set PGBIN)" >&2; exit 1; }

as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "postgres.sh: no postgres user" >&2; exit 1; }
  as_owner=(runuser -u postgres --)
fi

work=$(mktemp -d /tmp/panorama-pg.XXXXXX)
chmod 755 "$work"
[ ${#as_owner[@]} -eq 0 ] || chown postgres "$work"
cleanup() {
  "${as_owner[@]}" "$pgbin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"${as_owner[@]}" "$pgbin/initdb" -D "$work/data" -U bench -A trust -E UTF8 --locale=C \
  --no-sync >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
"${as_owner[@]}" "$pgbin/pg_ctl" -D "$work/data" -l "$work/server.log" -w -o \
  "-k $work -c listen_addresses= -c fsync=off -c synchronous_commit=off \
   -c full_page_writes=off -c wal_level=minimal -c max_wal_senders=0 \
   -c shared_buffers=1GB -c work_mem=1GB -c maintenance_work_mem=1GB \
   -c max_wal_size=8GB -c jit=${PG_JIT:-off}" start >/dev/null \
  || { cat "$work/server.log" >&2; exit 1; }

psql() {
  "${as_owner[@]}" "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$work" -U bench -d postgres "$@"
}
now() { date +%s.%N; }

# Minor units = the decimal amount scaled by the currency's ISO 4217 exponent (2 unless
# listed), exactly as Panorama's ingest does; numeric arithmetic keeps it exact.
minor_units="(amount * CASE currency
    WHEN 'BIF' THEN 1 WHEN 'CLP' THEN 1 WHEN 'DJF' THEN 1 WHEN 'GNF' THEN 1
    WHEN 'ISK' THEN 1 WHEN 'JPY' THEN 1 WHEN 'KMF' THEN 1 WHEN 'KRW' THEN 1
    WHEN 'PYG' THEN 1 WHEN 'RWF' THEN 1 WHEN 'UGX' THEN 1 WHEN 'UYI' THEN 1
    WHEN 'VND' THEN 1 WHEN 'VUV' THEN 1 WHEN 'XAF' THEN 1 WHEN 'XOF' THEN 1
    WHEN 'XPF' THEN 1
    WHEN 'BHD' THEN 1000 WHEN 'IQD' THEN 1000 WHEN 'JOD' THEN 1000 WHEN 'KWD' THEN 1000
    WHEN 'LYD' THEN 1000 WHEN 'OMR' THEN 1000 WHEN 'TND' THEN 1000
    WHEN 'CLF' THEN 10000 WHEN 'UYW' THEN 10000
    ELSE 100 END)::bigint"

t0=$(now)
psql -c "CREATE UNLOGGED TABLE tx_raw (tx_id text, ts timestamptz, customer_id text,
  account_id text, card_id text, merchant_id text, device_id text, ip text, channel text,
  type text, amount numeric, currency text, mcc text, country text, city text, lat text,
  lon text, counterparty_id text)"
psql -c "COPY tx_raw FROM STDIN (FORMAT csv, HEADER true)" <"$input"
# extract(epoch) is numeric (exact) on PostgreSQL 14 and later.
psql -c "CREATE UNLOGGED TABLE tx AS
  SELECT tx_id, (extract(epoch FROM ts) * 1000000)::bigint AS ts_us, customer_id, card_id,
         merchant_id, upper(channel) AS channel, $minor_units AS amount
  FROM tx_raw" -c "DROP TABLE tx_raw" -c "ANALYZE tx"
t1=$(now)
query=$(sed -e 's/--.*$//' "$here/features.sql" | tr '\n' ' ')
psql -c "COPY ($query) TO STDOUT (FORMAT csv, HEADER true)" >"$output"
t2=$(now)
rows=$(psql -At -c "SELECT count(*) FROM tx")
version=$(psql -At -c "SHOW server_version")

awk -v t0="$t0" -v t1="$t1" -v t2="$t2" -v rows="$rows" -v version="$version" 'BEGIN {
  printf "{\"tool\":\"postgres\",\"version\":\"%s\",\"threads\":1,\"load_s\":%.6f,\"query_s\":%.6f,\"rows\":%d}\n",
    version, t1 - t0, t2 - t1, rows }'
