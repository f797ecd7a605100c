#!/usr/bin/env bash
# The decision-quality figures of BENCHMARKS.md: on a generated world of 90 days, train on the
# first 60 and evaluate on the last 30 (a back-test, features point-in-time exact) three ways:
#   1. rules alone (examples/rules/starter.yaml, no model),
#   2. a model on raw event fields alone (panorama train fraud --raw-only, no rules),
#   3. a model on features and raw fields, with the rules.
# Prints AUPRC, recall at a 1 % alert rate, and the alerts' precision and recall for each.
#   bench/decision_quality.sh [WORKDIR]   (default /tmp/panorama-quality; reused when present)
# Environment: CUSTOMERS (10000), MERCHANTS (1000), SEED (1), ROUNDS (300).
set -euo pipefail
cd "$(dirname "$0")/.."
PANORAMA=build/panorama
WORK=${1:-/tmp/panorama-quality}
CUSTOMERS=${CUSTOMERS:-10000}
MERCHANTS=${MERCHANTS:-1000}
SEED=${SEED:-1}
ROUNDS=${ROUNDS:-300}
SPEC=examples/features/fraud.yaml
RULES=examples/rules/starter.yaml
DATA=$WORK/data
mkdir -p "$WORK"

if [ ! -f "$DATA/.complete" ]; then
  rm -rf "$DATA" "$WORK/world"
  $PANORAMA generate --out "$WORK/world" --customers "$CUSTOMERS" --merchants "$MERCHANTS" \
    --days 90 --seed "$SEED" >/dev/null
  for kind in customers merchants transactions labels; do
    $PANORAMA ingest --data "$DATA" --kind "$kind" --sync none "$WORK/world/$kind.csv" >/dev/null
  done
  touch "$DATA/.complete"
fi

TRAIN_FROM=2026-10-01T00:00:00Z
TRAIN_TO=2026-11-30T00:00:00Z
TEST_TO=2026-12-30T00:00:00Z
echo "world: $CUSTOMERS customers, $MERCHANTS merchants, 90 days, seed $SEED; train $TRAIN_FROM .. $TRAIN_TO, evaluate .. $TEST_TO"

train() {  # out, extra flags
  local out=$1
  shift
  $PANORAMA train fraud --data "$DATA" --spec "$SPEC" --from "$TRAIN_FROM" --to "$TRAIN_TO" \
    --rounds "$ROUNDS" --out "$out" --json "$@"
}
echo "command: $PANORAMA train fraud --data $DATA --spec $SPEC --from $TRAIN_FROM --to $TRAIN_TO --rounds $ROUNDS --out $WORK/model.json --json"
train "$WORK/model.json" | tee "$WORK/train.json"
echo "command: (the same) --raw-only --out $WORK/model-raw.json"
train "$WORK/model-raw.json" --raw-only | tee "$WORK/train-raw.json"

backtest() {  # name, flags
  local name=$1
  shift
  echo "command: $PANORAMA backtest --data $DATA --spec $SPEC --from $TRAIN_TO --to $TEST_TO --json $*"
  $PANORAMA backtest --data "$DATA" --spec "$SPEC" --from "$TRAIN_TO" --to "$TEST_TO" --json "$@" \
    >"$WORK/backtest-$name.json"
}
backtest rules --rules "$RULES"
backtest raw --model "$WORK/model-raw.json"
backtest full --rules "$RULES" --model "$WORK/model.json"

python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
rows = [("rules alone (starter.yaml)", "rules"), ("model on raw event fields", "raw"),
        ("model on features + raw fields, with rules", "full")]
print()
print(f"| {'configuration':<44} | AUPRC  | recall @ 1% alerts | alerts/day | precision | recall |")
print(f"|{'-'*46}|--------|--------------------|------------|-----------|--------|")
for label, name in rows:
    r = json.load(open(f"{work}/backtest-{name}.json"))["report"]
    at1 = next(a for a in r["at_alert_rate"] if abs(a["rate"] - 0.01) < 1e-9)
    o = r["overall"]
    fmt = lambda v: "-" if v is None else f"{v:.3f}"
    print(f"| {label:<44} | {fmt(r['auprc'])}  | {fmt(at1['recall']):<18} | {o['alerts_per_day'] or 0:>10.1f} | {fmt(o['precision']):<9} | {fmt(o['recall'])}  |")
print(f"\n{r['transactions']} transactions, {r['frauds']} frauds in the evaluation period")
PY
