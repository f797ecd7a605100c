#!/usr/bin/python3
"""pandas peer: the features of examples/features/peers.yaml with groupby + rolling.

Usage: /usr/bin/python3 pandas_peer.py TRANSACTIONS.csv OUT.csv
Prints one JSON line: {"tool":"pandas","load_s":..,"query_s":..,"rows":..}.

Each feature is df.groupby(entity).rolling(window, on="ts", closed="left").<agg>().
closed="left" is [t - W, t) by time at the left edge but only "rows before this one" at the
right edge: an earlier row with the same timestamp is inside. So every row takes the value
of the first row of its (entity, ts) run, whose window holds exactly the strictly earlier
events. count and sum use min_periods=0 (empty window = 0); mean, min, max and std keep
pandas' default for time windows (min_periods=1: empty window = NaN). std uses ddof=0.
"""

import json
import sys
import time

import numpy as np
import pandas as pd

# ISO 4217 exponents other than 2 (as Panorama's core/money.cc): minor units are the
# decimal amount with its point moved this many places, computed exactly from the text.
EXPONENTS = {c: 0 for c in "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF "
             "XPF".split()}
EXPONENTS.update({c: 3 for c in "BHD IQD JOD KWD LYD OMR TND".split()})
EXPONENTS.update({"CLF": 4, "UYW": 4})

WINDOWS = {"1h": "1h", "24h": "24h", "7d": "7d", "30d": "30d"}


def minor_units(amount: pd.Series, currency: pd.Series) -> np.ndarray:
    exponent = currency.map(EXPONENTS).fillna(2).astype(np.int64).to_numpy()
    parts = amount.str.partition(".")
    whole = parts[0].astype(np.int64).to_numpy()
    frac = parts[2]
    out = np.empty(len(amount), dtype=np.int64)
    for e in np.unique(exponent):
        rows = exponent == e
        f = frac[rows]
        if e == 0:
            if (f.str.strip("0") != "").any():
                raise ValueError("decimals on an amount of a zero-exponent currency")
            out[rows] = whole[rows]
        else:
            if (f.str.len() > e).any() and (f.str[int(e):].str.strip("0") != "").any():
                raise ValueError(f"more than {e} decimals on an amount")
            digits = f.str[: int(e)].str.ljust(int(e), "0").astype(np.int64).to_numpy()
            out[rows] = whole[rows] * 10 ** int(e) + digits
    return out


def load(path: str) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""],
                     usecols=["tx_id", "ts", "customer_id", "card_id", "merchant_id",
                              "channel", "amount", "currency"])
    ts = pd.to_datetime(df["ts"], utc=True)
    # Naive UTC datetimes at microsecond precision, as Panorama keeps time.
    df["ts"] = ts.dt.tz_localize(None).dt.floor("us")
    df["amount"] = minor_units(df["amount"], df["currency"]).astype(np.float64)
    df["online"] = (df["channel"].str.upper() == "ONLINE").astype(np.float64)
    # groupby().rolling(on="ts") needs ts ascending inside each group; a stable sort keeps
    # file order among equal timestamps.
    return df.sort_values("ts", kind="stable")


def per_entity(df: pd.DataFrame, key: str, specs: list) -> dict:
    """specs: (feature name, window, column, agg); returns name -> Series on df's index."""
    # Sorted by (entity, ts), stable: the order groupby(sort=True).rolling() returns its
    # rows in. Its result is indexed by (entity, ts) only, so the order is checked below.
    sub = df.loc[df[key].notna(), [key, "ts", "amount", "online"]].sort_values(
        [key, "ts"], kind="stable")
    keys = sub[key].to_numpy()
    ts = sub["ts"].to_numpy()
    # A run of equal (entity, ts) is contiguous; each row takes its run's first value.
    starts = np.ones(len(sub), dtype=bool)
    starts[1:] = (keys[1:] != keys[:-1]) | (ts[1:] != ts[:-1])
    tie_first = np.maximum.accumulate(np.where(starts, np.arange(len(sub)), 0))
    out = {}
    for name, window, column, agg in specs:
        min_periods = 0 if agg in ("count", "sum") else None
        rolling = sub.groupby(key, sort=True).rolling(
            WINDOWS[window], on="ts", closed="left", min_periods=min_periods)[column]
        if agg == "count":
            res = rolling.count()
        elif agg == "sum":
            res = rolling.sum()
        elif agg == "mean":
            res = rolling.mean()
        elif agg == "min":
            res = rolling.min()
        elif agg == "max":
            res = rolling.max()
        elif agg == "std":
            res = rolling.std(ddof=0)
        else:
            raise ValueError(agg)
        if not (np.array_equal(res.index.get_level_values(0).to_numpy(), keys) and
                np.array_equal(res.index.get_level_values(1).to_numpy(), ts)):
            raise RuntimeError(f"{name}: rolling rows are not in (entity, ts) order")
        # Values depend only on (entity, ts) once ties take the run's first value, so the
        # order of rows inside a run does not matter.
        out[name] = pd.Series(res.to_numpy()[tie_first], index=sub.index)
    return out


FEATURES = [
    ("customer_id", [
        ("customer_count_1h", "1h", "amount", "count"),
        ("customer_amount_sum_24h", "24h", "amount", "sum"),
        ("customer_amount_mean_7d", "7d", "amount", "mean"),
        ("customer_amount_min_24h", "24h", "amount", "min"),
        ("customer_amount_max_24h", "24h", "amount", "max"),
        ("customer_amount_stddev_30d", "30d", "amount", "std"),
        ("customer_online_count_24h", "24h", "online", "sum"),
    ]),
    ("card_id", [
        ("card_count_24h", "24h", "amount", "count"),
        ("card_amount_sum_1h", "1h", "amount", "sum"),
    ]),
    ("merchant_id", [
        ("merchant_count_1h", "1h", "amount", "count"),
    ]),
]
INTEGER_FEATURES = {"customer_count_1h", "customer_amount_sum_24h", "customer_amount_min_24h",
                    "customer_amount_max_24h", "customer_online_count_24h", "card_count_24h",
                    "card_amount_sum_1h", "merchant_count_1h"}


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.splitlines()[2].strip(), file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    df = load(sys.argv[1])
    t1 = time.perf_counter()
    columns = {}
    for key, specs in FEATURES:
        columns.update(per_entity(df, key, specs))
    result = pd.DataFrame({"tx_id": df["tx_id"]})
    for _, specs in FEATURES:
        for name, *_ in specs:
            col = columns[name].reindex(df.index)
            # Integral values (counts, sums, min, max of integer minor units) print as
            # integers; float64 holds them exactly below 2^53.
            result[name] = col.round().astype("Int64") if name in INTEGER_FEATURES else col
    result.to_csv(sys.argv[2], index=False, na_rep="")
    t2 = time.perf_counter()
    print(json.dumps({"tool": "pandas", "version": pd.__version__, "threads": 1,
                      "load_s": t1 - t0, "query_s": t2 - t1, "rows": len(df)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
