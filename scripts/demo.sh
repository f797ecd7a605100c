#!/usr/bin/env bash
# The main job: installs what is missing, builds, generates a synthetic financial world
# (10,000 customers, 1,000 merchants, 90 days), loads every file of it into a fresh data
# directory — failing if any record is rejected — and prints a summary; back-fills the
# fraud features of every transaction and shows one customer's features; then shows how bad
# records are rejected and how a foreign layout loads through a column mapping.
#   DATA=path scripts/demo.sh   chooses the data directory (default: data/demo, recreated);
#                               the generated files go to $DATA-world, the hand-made
#                               examples to $DATA-examples.
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

step "Load every file of the world; any rejected record fails the demo"
for kind in customers merchants transactions labels loans offers posts; do
  summary=$($PANORAMA ingest --data "$DATA" --kind "$kind" --json "$WORLD/$kind.csv" | tail -n 1)
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

step "Hand-made examples: bad records are rejected with file, line, field and reason"
$PANORAMA ingest --data "$EXAMPLES" --kind transactions --rejects "$EXAMPLES/rejects.csv" \
  examples/data/transactions.csv
cat "$EXAMPLES/rejects.csv"

step "Load the same transactions again: every record is a duplicate, nothing is stored twice"
$PANORAMA ingest --data "$EXAMPLES" --kind transactions examples/data/transactions.csv

step "Load a foreign bank export through a column mapping"
$PANORAMA ingest --data "$EXAMPLES" --mapping examples/mappings/bank_export.yaml \
  --rejects "$EXAMPLES/bank_export_rejects.csv" examples/mappings/bank_export.csv
