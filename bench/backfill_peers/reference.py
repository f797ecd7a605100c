#!/usr/bin/python3
"""Brute-force reference for examples/features/peers.yaml, for small worlds.

Usage: /usr/bin/python3 reference.py TRANSACTIONS.csv OUT.csv

Straight from the definition, with exact integer arithmetic: for each transaction e (in file
order) and each feature, the entity's events x earlier in the file with
e.ts - W <= x.ts < e.ts (microseconds). mean = sum / n, correctly rounded; stddev =
sqrt((n * sum(x^2) - sum(x)^2) / n^2) from exact integers, rounded once. O(n * k): meant for
worlds of a few thousand customers.
"""

import csv
import datetime
import decimal
import sys

EXPONENTS = {c: 0 for c in "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF "
             "XPF".split()}
EXPONENTS.update({c: 3 for c in "BHD IQD JOD KWD LYD OMR TND".split()})
EXPONENTS.update({"CLF": 4, "UYW": 4})

US = {"1h": 3600 * 10**6, "24h": 86400 * 10**6, "7d": 7 * 86400 * 10**6,
      "30d": 30 * 86400 * 10**6}

# (name, entity field, window, agg, filter on the event or None)
FEATURES = [
    ("customer_count_1h", "customer_id", "1h", "count", None),
    ("customer_amount_sum_24h", "customer_id", "24h", "sum", None),
    ("customer_amount_mean_7d", "customer_id", "7d", "mean", None),
    ("customer_amount_min_24h", "customer_id", "24h", "min", None),
    ("customer_amount_max_24h", "customer_id", "24h", "max", None),
    ("customer_amount_stddev_30d", "customer_id", "30d", "stddev", None),
    ("customer_online_count_24h", "customer_id", "24h", "count", "online"),
    ("card_count_24h", "card_id", "24h", "count", None),
    ("card_amount_sum_1h", "card_id", "1h", "sum", None),
    ("merchant_count_1h", "merchant_id", "1h", "count", None),
]

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def micros(text: str) -> int:
    t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    d = t - EPOCH
    return (d.days * 86400 + d.seconds) * 10**6 + d.microseconds


def minor(amount: str, currency: str) -> int:
    e = EXPONENTS.get(currency, 2)
    value = decimal.Decimal(amount).scaleb(e)
    if value != value.to_integral_value():
        raise ValueError(f"{amount} {currency}: more decimals than the currency has")
    return int(value)


def value(agg: str, xs: list):
    n = len(xs)
    if agg == "count":
        return str(n)
    if agg == "sum":
        return str(sum(xs))
    if n == 0:
        return ""
    if agg == "min":
        return str(min(xs))
    if agg == "max":
        return str(max(xs))
    s1 = sum(xs)
    if agg == "mean":
        return repr(s1 / n)
    s2 = sum(x * x for x in xs)
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        variance = decimal.Decimal(n * s2 - s1 * s1) / decimal.Decimal(n * n)
        return repr(float(variance.sqrt()))


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: reference.py TRANSACTIONS.csv OUT.csv", file=sys.stderr)
        return 2
    with open(sys.argv[1], newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    events = []
    for r in rows:
        events.append((r["tx_id"], micros(r["ts"]), minor(r["amount"], r["currency"]),
                       r["channel"].upper() == "ONLINE",
                       {k: r[k] for k in ("customer_id", "card_id", "merchant_id")}))
    in_order = all(events[i][1] <= events[i + 1][1] for i in range(len(events) - 1))
    history = {}  # (field, id) -> [(ts, amount, online)] in file order
    with open(sys.argv[2], "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["tx_id"] + [name for name, *_ in FEATURES])
        for tx_id, ts, amount, online, ids in events:
            out = [tx_id]
            for name, field, window, agg, flt in FEATURES:
                if not ids[field]:
                    out.append("")
                    continue
                lo = ts - US[window]
                xs = []
                for x_ts, x_amount, x_online in reversed(history.get((field, ids[field]), [])):
                    if in_order and x_ts < lo:
                        break
                    if lo <= x_ts < ts and (flt is None or x_online):
                        xs.append(x_amount)
                out.append(value(agg, xs))
            w.writerow(out)
            for field in ("customer_id", "card_id", "merchant_id"):
                if ids[field]:
                    history.setdefault((field, ids[field]), []).append((ts, amount, online))
    if not in_order:
        print("reference.py: the file is not in ts order", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
