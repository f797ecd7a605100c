#!/usr/bin/python3
"""Prints the timing table of run.sh from its times file.

Usage: table.py TIMES ROWS
TIMES holds one line per tool run: "tool load_s query_s wall_s threads version" (tools
panorama and ingest have load 0). Medians over the runs of each tool.
"""

import statistics
import sys


def main() -> int:
    rows = int(sys.argv[2])
    runs = {}
    info = {}
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            tool, load, query, wall, threads, version = line.split(maxsplit=5)
            runs.setdefault(tool, []).append(
                (float(load), float(query), float(load) + float(query), float(wall)))
            version = version.strip()
            info[tool] = (threads, "" if version == "-" else version)
    med = {t: [statistics.median(x[i] for x in v) for i in range(4)] for t, v in runs.items()}
    base = med.get("panorama")
    ingest = med.get("ingest")
    repeats = max(len(v) for v in runs.values())
    print(f"medians of {repeats} runs, {rows} transactions, 10 features; ratio = the tool's "
          "time / Panorama's (above 1: Panorama is faster)")
    head = (f"{'tool':<10}{'version':<9}{'threads':>8}{'load s':>9}{'query s':>9}{'l+q s':>9}"
            f"{'wall s':>9}{'rows/s':>11}{'l+q/bf':>8}{'q/bf':>8}{'l+q/(in+bf)':>13}")
    print(head)
    print("-" * len(head))
    for tool in ("panorama", "ingest", "duckdb", "postgres", "pandas"):
        if tool not in med:
            continue
        load, query, total, wall = med[tool]
        threads, version = info[tool]
        label = {"panorama": "panorama", "ingest": " +ingest"}.get(tool, tool)
        load_cell = "" if tool in ("panorama", "ingest") else f"{load:.3f}"
        line = (f"{label:<10}{version:<9}{threads:>8}{load_cell:>9}{query:>9.3f}{total:>9.3f}"
                f"{wall:>9.3f}{rows / total:>11,.0f}")
        if base and tool not in ("panorama", "ingest"):
            line += f"{total / base[2]:>8.2f}{query / base[2]:>8.2f}"
            if ingest:
                line += f"{total / (ingest[2] + base[2]):>13.2f}"
        print(line)
    print("load = CSV into the tool's table; query = features computed and written as CSV;\n"
          "l+q = load + query, which rows/s and the ratios use; wall = the whole process\n"
          "(node/python start and imports, the PostgreSQL cluster's initdb/start/stop);\n"
          "panorama = `features backfill` (log -> CSV, with ts and is_fraud columns);\n"
          "+ingest = `panorama ingest` of transactions and labels (CSV -> log), used only in\n"
          "l+q/(in+bf): CSV in, features out, for every tool.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
