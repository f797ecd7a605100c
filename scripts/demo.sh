#!/usr/bin/env bash
# The main job: installs what is missing, builds, loads the data set shipped in
# examples/data/ into a fresh data directory, and prints a summary.
#   DATA=path scripts/demo.sh   chooses the data directory (default: data/demo, recreated).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh

PANORAMA=build/panorama
DATA=${DATA:-data/demo}
rm -rf "$DATA"
mkdir -p "$DATA"

step() { printf '\n== %s\n' "$*"; }

step "Load customers, merchants, transactions and fraud labels (canonical CSV)"
$PANORAMA ingest --data "$DATA" --kind customers examples/data/customers.csv
$PANORAMA ingest --data "$DATA" --kind merchants examples/data/merchants.csv
$PANORAMA ingest --data "$DATA" --kind transactions --rejects "$DATA/rejects.csv" \
  examples/data/transactions.csv
$PANORAMA ingest --data "$DATA" --kind labels examples/data/labels.csv

step "Rejected records, each with file, line, field and reason"
cat "$DATA/rejects.csv"

step "Load the same transactions again: every record is a duplicate, nothing is stored twice"
$PANORAMA ingest --data "$DATA" --kind transactions examples/data/transactions.csv

step "Load a foreign bank export through a column mapping"
$PANORAMA ingest --data "$DATA" --mapping examples/mappings/bank_export.yaml \
  --rejects "$DATA/bank_export_rejects.csv" examples/mappings/bank_export.csv

step "Summary of the data directory"
$PANORAMA stats --data "$DATA" --by channel

step "Verify every log segment and the id index"
$PANORAMA verify --data "$DATA"
