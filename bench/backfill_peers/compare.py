#!/usr/bin/python3
"""Compares feature CSVs value by value against a reference CSV.

Usage: compare.py --spec SPEC.yaml --ref NAME=FILE [--sample N] [--seed S] NAME=FILE...

Files have a header with tx_id and the spec's feature names (other columns, such as ts and
is_fraud, are ignored); rows may come in any order and are matched by tx_id. A seeded
sample of N reference tx_ids is checked (N = 0: all rows), and every file must hold exactly
the reference's rows. count, sum, min and max must be equal; mean and stddev must agree to a
relative 1e-9 (absolute 1e-9 near zero); a missing (empty) value must be missing in both.
Prints the first mismatches and exits 1 on any.
"""

import argparse
import csv
import decimal
import random
import re
import sys

EXACT = {"count", "sum", "min", "max", "distinct_count", "count_value"}
TOLERANCE = 1e-9
SHOWN = 5


def spec_features(path: str) -> list:
    """(name, agg) of each feature, in order: a small reader for the flat spec layout."""
    features = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].rstrip()
            m = re.match(r"^\s*-\s*name:\s*(\S+)$", line)
            if m:
                features.append([m.group(1), None])
                continue
            m = re.match(r"^\s+agg:\s*(\S+)$", line)
            if m and features:
                features[-1][1] = m.group(1)
    for name, agg in features:
        if agg is None:
            sys.exit(f"compare.py: {path}: feature {name} has no agg")
    return [tuple(x) for x in features]


def read_rows(path: str, names: list, wanted):
    """Returns (rows read, {tx_id: [values]} for tx_ids in `wanted`, or all if None)."""
    csv.field_size_limit(1 << 24)
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        try:
            cols = [header.index("tx_id")] + [header.index(n) for n in names]
        except ValueError as e:
            sys.exit(f"compare.py: {path}: {e}")
        count = 0
        found = {}
        for row in reader:
            count += 1
            tx = row[cols[0]]
            if wanted is None or tx in wanted:
                if tx in found:
                    sys.exit(f"compare.py: {path}: tx_id {tx} twice")
                found[tx] = [row[c] for c in cols[1:]]
    return count, found


def differs(agg: str, a: str, b: str):
    """None when equal under the rules, else the relative difference (inf for shape)."""
    if a == "" or b == "":
        return None if a == b else float("inf")
    if agg in EXACT:
        return None if decimal.Decimal(a) == decimal.Decimal(b) else float("inf")
    x, y = float(a), float(b)
    diff = abs(x - y)
    scale = max(abs(x), abs(y))
    if diff <= TOLERANCE or diff <= TOLERANCE * scale:
        return None
    return diff / scale


def max_relative(agg: str, a: str, b: str) -> float:
    if agg in EXACT or a == "" or b == "":
        return 0.0
    x, y = float(a), float(b)
    scale = max(abs(x), abs(y))
    return abs(x - y) / scale if scale > 0 else 0.0


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--spec", required=True)
    p.add_argument("--ref", required=True, help="NAME=FILE")
    p.add_argument("--sample", type=int, default=10000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("peers", nargs="+", help="NAME=FILE")
    args = p.parse_args()

    features = spec_features(args.spec)
    names = [n for n, _ in features]
    ref_name, ref_path = args.ref.split("=", 1)
    ref_count, ref_rows = read_rows(ref_path, names, None)
    ids = sorted(ref_rows)
    if 0 < args.sample < len(ids):
        ids = random.Random(args.seed).sample(ids, args.sample)
        ref_rows = {tx: ref_rows[tx] for tx in ids}
    wanted = set(ids)

    failed = False
    for peer in args.peers:
        peer_name, peer_path = peer.split("=", 1)
        count, rows = read_rows(peer_path, names, wanted)
        problems = []
        if count != ref_count:
            problems.append(f"{count} rows, {ref_name} has {ref_count}")
        missing = wanted.difference(rows)
        if missing:
            problems.append(f"{len(missing)} sampled tx_ids absent, e.g. {sorted(missing)[:3]}")
        mismatches = 0
        worst = {n: 0.0 for n, agg in features if agg not in EXACT}
        for tx in ids:
            got = rows.get(tx)
            if got is None:
                continue
            want = ref_rows[tx]
            for (name, agg), a, b in zip(features, want, got):
                if name in worst:
                    worst[name] = max(worst[name], max_relative(agg, a, b))
                if differs(agg, a, b) is not None:
                    mismatches += 1
                    if mismatches <= SHOWN:
                        problems.append(f"{tx} {name}: {ref_name} '{a}' {peer_name} '{b}'")
        if mismatches > SHOWN:
            problems.append(f"... {mismatches} mismatching values in all")
        worst_text = ", ".join(f"{n} {v:.1e}" for n, v in worst.items())
        if problems:
            failed = True
            print(f"compare: {peer_name} vs {ref_name}: MISMATCH on {len(ids)} rows x "
                  f"{len(names)} features")
            for line in problems:
                print(f"  {line}")
        else:
            print(f"compare: {peer_name} vs {ref_name}: {len(ids)} rows x {len(names)} "
                  f"features equal (max relative difference: {worst_text or 'none'})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
