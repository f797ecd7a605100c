#!/usr/bin/env bash
# The HTTP scoring figures of BENCHMARKS.md. On a generated world (its first SPLIT_DAYS days
# ingested as history), `panorama serve` with examples/features/fraud.yaml and
# examples/rules/starter.yaml (fsync per group commit) is measured two ways, RUNS times each,
# each run on a fresh copy of the history:
#   1. maximum sustained throughput: wrk (closed loop, CONNECTIONS connections) posting
#      distinct transactions (bench/http_bench.lua); wrk's latency percentiles at that load
#      (closed loop: each connection waits for its answer, so the throughput is bounded by
#      CONNECTIONS / latency);
#   2. latency at a fixed rate (RATE transactions/s; Debian's wrk 4.1 has no -R, so our own
#      open-loop client `panorama replay --rate` posts the world's later transactions, and
#      each latency counts from the request's scheduled time): p50, p99, p99.9. It needs
#      REPLAY_CONCURRENCY >= RATE x latency connections, or the client itself falls behind.
# Prints every command and the medians. Client and server share the machine.
#   bench/http_bench.sh [WORKDIR]   (default /tmp/panorama-http; the world is reused)
# Environment: CUSTOMERS (10000), MERCHANTS (1000), DAYS (30), SPLIT_DAYS (24), RUNS (3),
#   DURATION (20), CONNECTIONS (64), THREADS (2, wrk's), RATE (5000), REPLAY_CONCURRENCY (64),
#   SERVER_THREADS (160), SYNC (batch: the server's --sync), SPEC, RULES.
set -euo pipefail
cd "$(dirname "$0")/.."
PANORAMA=${PANORAMA:-build/panorama}
WORK=${1:-/tmp/panorama-http}
CUSTOMERS=${CUSTOMERS:-10000}
MERCHANTS=${MERCHANTS:-1000}
DAYS=${DAYS:-30}
SPLIT_DAYS=${SPLIT_DAYS:-24}
RUNS=${RUNS:-3}
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
RATE=${RATE:-5000}
REPLAY_CONCURRENCY=${REPLAY_CONCURRENCY:-64}
SERVER_THREADS=${SERVER_THREADS:-160}
SYNC=${SYNC:-batch}
SPEC=${SPEC:-examples/features/fraud.yaml}
RULES=${RULES:-examples/rules/starter.yaml}
START=2026-10-01
command -v wrk >/dev/null || { echo "http_bench: wrk is missing (scripts/install-bench-deps.sh)" >&2; exit 1; }
mkdir -p "$WORK"

SPLIT=$(date -u -d "$START + $SPLIT_DAYS days" +%Y-%m-%dT%H:%M:%SZ)
SPLIT_EPOCH=$(date -u -d "$START + $SPLIT_DAYS days" +%s)
if [ ! -f "$WORK/history/.complete" ]; then
  rm -rf "$WORK/world" "$WORK/history"
  echo "command: $PANORAMA generate --out $WORK/world --customers $CUSTOMERS --merchants $MERCHANTS --days $DAYS --start $START --seed 1"
  $PANORAMA generate --out "$WORK/world" --customers "$CUSTOMERS" --merchants "$MERCHANTS" \
    --days "$DAYS" --start "$START" --seed 1 >/dev/null
  # History: transactions before the split; live: the rest (what replay posts).
  python3 - "$WORK/world/transactions.csv" "$SPLIT" "$WORK/history.csv" "$WORK/live.csv" <<'PY'
import csv, sys
src, split, history, live = sys.argv[1:]
with open(src, newline="") as f, open(history, "w", newline="") as h, open(live, "w", newline="") as l:
    reader = csv.reader(f)
    header = next(reader)
    ts = header.index("ts")
    out_h, out_l = csv.writer(h, lineterminator="\n"), csv.writer(l, lineterminator="\n")
    out_h.writerow(header)
    out_l.writerow(header)
    for row in reader:
        (out_h if row[ts] < split else out_l).writerow(row)
PY
  for file in world/customers.csv world/merchants.csv history.csv; do
    kind=transactions
    case $file in world/customers.csv) kind=customers ;; world/merchants.csv) kind=merchants ;; esac
    $PANORAMA ingest --data "$WORK/history" --kind "$kind" --sync none "$WORK/$file" >/dev/null
  done
  touch "$WORK/history/.complete"
fi
echo "world: $CUSTOMERS customers, $MERCHANTS merchants, $DAYS days from $START; history before $SPLIT: $(($(wc -l <"$WORK/history.csv") - 1)) transactions, live after it: $(($(wc -l <"$WORK/live.csv") - 1))"
echo "load before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $(nproc) vCPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')), client and server on the same machine"

SERVER_PID=
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}
trap stop_server EXIT

start_server() {  # sets SERVER_PID and URL (not in a subshell: the trap must see the pid)
  rm -rf "$WORK/run" "$WORK/serve.out" "$WORK/serve.err"
  cp -r "$WORK/history" "$WORK/run"
  echo "  server: $PANORAMA serve --data $WORK/run --spec $SPEC --rules $RULES --port 0 --threads $SERVER_THREADS --sync $SYNC"
  $PANORAMA serve --data "$WORK/run" --spec "$SPEC" --rules "$RULES" --port 0 \
    --threads "$SERVER_THREADS" --sync "$SYNC" >"$WORK/serve.out" 2>"$WORK/serve.err" &
  SERVER_PID=$!
  URL=
  for _ in $(seq 1 600); do
    if grep -q '^listening on ' "$WORK/serve.out" 2>/dev/null; then
      URL=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$WORK/serve.out")
      return
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "http_bench: the server did not start: $(cat "$WORK/serve.err")" >&2
  exit 1
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
# wrk prints latencies as 812.00us, 1.23ms or 2.01s; in ms.
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; print v}'; }

: >"$WORK/wrk.tsv"
: >"$WORK/rate.tsv"
for run in $(seq 1 "$RUNS"); do
  start_server
  url=$URL
  echo "run $run: command: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency -s bench/http_bench.lua $url/v1/transactions -- $SPLIT_EPOCH r$run $CUSTOMERS $MERCHANTS"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/http_bench.lua \
    "$url/v1/transactions" -- "$SPLIT_EPOCH" "r$run" "$CUSTOMERS" "$MERCHANTS" >"$WORK/wrk-$run.txt"
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$WORK/wrk-$run.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$WORK/wrk-$run.txt" | to_ms)
  p90=$(awk '$1 == "90%" {print $2}' "$WORK/wrk-$run.txt" | to_ms)
  p99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk-$run.txt" | to_ms)
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$WORK/wrk-$run.txt")
  groups=$(curl -s "$url/metrics" | awk '/^panorama_group_commit_size_count/ {c=$2} /^panorama_group_commit_size_sum/ {s=$2} END {if (c > 0) printf "%.1f", s / c; else print 0}')
  echo "  $rps requests/s, latency p50 $p50 ms, p90 $p90 ms, p99 $p99 ms; non-2xx ${non2xx:-0}; mean group commit $groups transactions"
  printf '%s\t%s\t%s\t%s\t%s\n' "$rps" "$p50" "$p90" "$p99" "$groups" >>"$WORK/wrk.tsv"
  stop_server

  start_server
  url=$URL
  limit=$((RATE * DURATION))
  echo "run $run: command: $PANORAMA replay --url $url --file $WORK/live.csv --labels $WORK/world/labels.csv --rate $RATE --concurrency $REPLAY_CONCURRENCY --limit $limit --json"
  $PANORAMA replay --url "$url" --file "$WORK/live.csv" --labels "$WORK/world/labels.csv" \
    --rate "$RATE" --concurrency "$REPLAY_CONCURRENCY" --limit "$limit" --json >"$WORK/replay-$run.txt"
  sed '$d' "$WORK/replay-$run.txt" | sed 's/^/  /'
  tail -n 1 "$WORK/replay-$run.txt" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("%.1f\t%.3f\t%.3f\t%.3f\t%d" % (r["tx_per_s"], r["p50_ms"], r["p99_ms"], r["p999_ms"], r["failed"] + r["rejected"]))' >>"$WORK/rate.tsv"
  stop_server
  echo "  load: $(cut -d' ' -f1-3 /proc/loadavg)"
done

echo
echo "medians of $RUNS runs (--sync $SYNC):"
echo "  max throughput (wrk, $CONNECTIONS connections): $(cut -f1 "$WORK/wrk.tsv" | median) requests/s; p50 $(cut -f2 "$WORK/wrk.tsv" | median) ms, p90 $(cut -f3 "$WORK/wrk.tsv" | median) ms, p99 $(cut -f4 "$WORK/wrk.tsv" | median) ms; mean group commit $(cut -f5 "$WORK/wrk.tsv" | median) transactions"
echo "  fixed rate $RATE tx/s (panorama replay, $REPLAY_CONCURRENCY connections): achieved $(cut -f1 "$WORK/rate.tsv" | median) tx/s; p50 $(cut -f2 "$WORK/rate.tsv" | median) ms, p99 $(cut -f3 "$WORK/rate.tsv" | median) ms, p99.9 $(cut -f4 "$WORK/rate.tsv" | median) ms; rejected or failed $(cut -f5 "$WORK/rate.tsv" | median)"
