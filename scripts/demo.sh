#!/usr/bin/env bash
# The main job: installs what is missing, builds, generates a synthetic financial world
# (10,000 customers, 1,000 merchants, 90 days), loads its history — every day but the last —
# into a fresh data directory (failing if any record is rejected) and prints a summary;
# back-fills the fraud features and shows one customer's features; trains the fraud model
# on the history and back-tests the starter rules with it; serves decisions over HTTP and
# replays the last day through the API with a real client (decision counts, fraud caught),
# lists alerts, blocks a device through the API; then shows how bad records are rejected and
# how a foreign layout loads through a column mapping.
#   DATA=path scripts/demo.sh   chooses the data directory (default: data/demo, recreated);
#                               the generated files go to $DATA-world, the hand-made
#                               examples to $DATA-examples, the model to $DATA-model.json.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh

PANORAMA=build/panorama
DATA=${DATA:-data/demo}
WORLD=$DATA-world
EXAMPLES=$DATA-examples
rm -rf "$DATA" "$WORLD" "$EXAMPLES"
mkdir -p "$DATA" "$EXAMPLES"

step() { printf '\n== %s\n' "$*"; }

step "Generate a world: 10,000 customers, 1,000 merchants, 90 days (seed 1)"
$PANORAMA generate --out "$WORLD" --customers 10000 --merchants 1000 --days 90 --seed 1

LAST_DAY=2026-12-29
step "Split the transactions: the history (before $LAST_DAY) is loaded, the last day will arrive over HTTP"
awk -F, -v day="$LAST_DAY" 'NR == 1 { print > hist; print > last; next }
  { if ($2 < day) print > hist; else print > last }' \
  hist="$WORLD/history.csv" last="$WORLD/last_day.csv" "$WORLD/transactions.csv"
printf 'history %s transactions, last day %s\n' "$(($(wc -l <"$WORLD/history.csv") - 1))" \
  "$(($(wc -l <"$WORLD/last_day.csv") - 1))"

step "Load the history; any rejected record fails the demo"
for kind in customers merchants transactions labels loans offers posts; do
  file="$WORLD/$kind.csv"
  [ "$kind" = transactions ] && file="$WORLD/history.csv"
  summary=$($PANORAMA ingest --data "$DATA" --kind "$kind" --json "$file" | tail -n 1)
  rejected=$(sed -n 's/.*"rejected":\([0-9]*\).*/\1/p' <<<"$summary")
  accepted=$(sed -n 's/.*"accepted":\([0-9]*\).*/\1/p' <<<"$summary")
  printf '%-13s accepted %9s  rejected %s\n' "$kind" "$accepted" "$rejected"
  if [ "$rejected" != "0" ]; then
    echo "demo: $kind: $rejected records rejected; see $DATA/rejects/" >&2
    exit 1
  fi
done

step "Summary of the data directory"
$PANORAMA stats --data "$DATA" --by channel

step "Verify every log segment and the id index"
$PANORAMA verify --data "$DATA"

FEATURES=examples/features/fraud.yaml
step "Back-fill point-in-time fraud features of every transaction ($FEATURES) into $DATA-features.csv"
$PANORAMA features backfill --data "$DATA" --spec "$FEATURES" --out "$DATA-features.csv"
echo "a few rows, card columns (transactions 100,000 to 100,003):"
sed -n '1p;100001,100004p' "$DATA-features.csv" | cut -d, -f1,2,9-13

step "Bring the checkpointed feature state in $DATA/state/features/fraud up to the end of the log"
$PANORAMA features run --data "$DATA" --spec "$FEATURES"

step "One customer's current features"
$PANORAMA features show --data "$DATA" --spec "$FEATURES" --entity customer_id=C0000000042

RULES=examples/rules/starter.yaml
MODEL=$DATA-model.json
step "Train the fraud model on the history: gradient-boosted trees on point-in-time features"
$PANORAMA train fraud --data "$DATA" --spec "$FEATURES" --to "${LAST_DAY}T00:00:00Z" \
  --rounds 200 --out "$MODEL"

step "Back-test the starter rules with the model over the last two weeks of the history"
$PANORAMA backtest --data "$DATA" --spec "$FEATURES" --rules "$RULES" --model "$MODEL" \
  --from 2026-12-15T00:00:00Z --to "${LAST_DAY}T00:00:00Z" --baseline-no-model >"$DATA-backtest.txt"
head -n 12 "$DATA-backtest.txt"
echo "(the whole report, every rule: $DATA-backtest.txt)"

step "Serve decisions over HTTP: panorama serve (features + $RULES + the model)"
$PANORAMA serve --data "$DATA" --spec "$FEATURES" --rules "$RULES" --model "$MODEL" \
  --port 0 >"$DATA-serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
URL=""
for _ in $(seq 1 600); do
  URL=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$DATA-serve.log")
  [ -n "$URL" ] && break
  kill -0 $SERVER 2>/dev/null || { cat "$DATA-serve.log" >&2; exit 1; }
  sleep 0.2
done
[ -n "$URL" ] || { echo "demo: the server did not start" >&2; cat "$DATA-serve.log" >&2; exit 1; }
cat "$DATA-serve.log"
curl -sS "$URL/healthz"
echo

step "Replay the last day ($LAST_DAY) through POST /v1/transactions from 8 connections"
# A day replayed in seconds compresses time thousands of times: a request that stalls for a
# moment lets the others run minutes of event time ahead, and it may then arrive later than
# the spec's allowed lateness (5 minutes). Such a transaction is rejected (400, code "late")
# and not stored: its features could no longer be exact.
$PANORAMA replay --url "$URL" --file "$WORLD/last_day.csv" --labels "$WORLD/labels.csv" \
  --concurrency 8

step "The newest alerts (GET /v1/alerts?decision=DECLINE&limit=3)"
curl -sS "$URL/v1/alerts?decision=DECLINE&limit=3"
echo

step "Block a device through the API; its next transaction is declined"
curl -sS -X POST "$URL/v1/lists/blocked_devices/values" -H 'Content-Type: application/json' -d '{"add": ["DV-DEMO-1"]}'
echo
curl -sS -X POST "$URL/v1/transactions" -H 'Content-Type: application/json' -d '{"tx_id": "DEMO-1", "ts": "'"$LAST_DAY"'T23:59:59Z",
  "customer_id": "C000042", "card_id": "K000042", "device_id": "DV-DEMO-1", "channel": "ONLINE",
  "type": "PURCHASE", "amount": "12.50", "currency": "CNY", "merchant_id": "M00007"}'
echo

step "Decision counts from GET /metrics"
curl -sS "$URL/metrics" | grep '^panorama_decisions_total'

step "Stop the server (SIGTERM: graceful, nothing acknowledged is lost)"
kill -TERM $SERVER
wait $SERVER
trap - EXIT
tail -n 2 "$DATA-serve.log"
$PANORAMA alerts --data "$DATA" --decision DECLINE --limit 3

step "Hand-made examples: bad records are rejected with file, line, field and reason"
$PANORAMA ingest --data "$EXAMPLES" --kind transactions --rejects "$EXAMPLES/rejects.csv" \
  examples/data/transactions.csv
cat "$EXAMPLES/rejects.csv"

step "Load the same transactions again: every record is a duplicate, nothing is stored twice"
$PANORAMA ingest --data "$EXAMPLES" --kind transactions examples/data/transactions.csv

step "Load a foreign bank export through a column mapping"
$PANORAMA ingest --data "$EXAMPLES" --mapping examples/mappings/bank_export.yaml \
  --rejects "$EXAMPLES/bank_export_rejects.csv" examples/mappings/bank_export.csv
