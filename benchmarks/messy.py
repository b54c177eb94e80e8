"""Messy exports: what reading them robustly costs, clean against dirty, and how much is lost (nothing).

For each scale it generates the same org clean and with `--dirty RATE`, then prints:
- the CSV reader alone over every file: rows, seconds, rows/s, and how many files each parser took;
- bronze + silver on embedded DuckDB: seconds, rows loaded (and of them flagged) / quarantined /
  duplicate, and the check that rows in = loaded + quarantined + duplicates, and that the quarantine
  holds exactly the injected unfixable defects the default validation policy quarantines and the
  flags exactly those it flags.
Usage:
  python benchmarks/messy.py [--scales 1] [--rate 0.05]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from collections import Counter
from pathlib import Path

from fauxforce.bronze.land import land_object
from fauxforce.connectors import get_connector
from fauxforce.connectors.csvfile import read_csv
from fauxforce.core import ledger
from fauxforce.core.catalogue import BY_REF, ObjectRef
from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.dirty import FIXED, read_defects
from fauxforce.generators.org import Options, generate_org
from fauxforce.silver.build import build_all, refresh_xref
from fauxforce.silver.conform import action_at

AS_OF = dt.date(2026, 6, 30)
UNFIXABLE_EXPECTED = ("duplicate", "dialect", FIXED)


def read_all(landing: Path) -> tuple[int, float, Counter[str]]:
    files = sorted(p for system in ("salesforce", "erp") for p in (landing / system).glob("*.csv"))
    started = time.perf_counter()
    rows, parsers = 0, Counter[str]()
    for path in files:
        table, fmt = read_csv(path)
        rows += table.num_rows
        parsers[fmt.parser] += 1
    return rows, time.perf_counter() - started, parsers


def load(landing: Path, folder: Path) -> tuple[float, float, dict[str, int]]:
    wh = Warehouse(f"duckdb:///{folder / 'wh.duckdb'}")
    ledger.prepare(wh)
    started = time.perf_counter()
    connector = get_connector("csv", landing=landing)
    for ref in connector.objects():
        land_object(wh, connector, ref, "csv")
    bronze_s = time.perf_counter() - started
    started = time.perf_counter()
    results, _ = build_all(wh)
    refresh_xref(wh, results)
    silver_s = time.perf_counter() - started
    counts = ("rows_in", "loaded", "flagged", "quarantined", "duplicates")
    totals = {k: sum(getattr(r, k) for r in results if not r.bronze_only) for k in counts}
    wh.dispose()
    return bronze_s, silver_s, totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0])
    parser.add_argument("--rate", type=float, default=0.05)
    args = parser.parse_args()
    print(
        "| scale | export | rows | read s | rows/s | parsers | bronze s | silver s | loaded | of them flagged "
        "| quarantined | dup |"
    )
    print("|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for scale in args.scales:
        for dirty in (0.0, args.rate):
            with tempfile.TemporaryDirectory(prefix="fauxforce-messy-") as tmp:
                landing = Path(tmp) / "landing"
                generate_org(Options(out=landing, seed=42, scale=scale, as_of=AS_OF, dirty=dirty))
                rows, read_s, parsers = read_all(landing)
                bronze_s, silver_s, t = load(landing, Path(tmp))
                assert t["rows_in"] == t["loaded"] + t["quarantined"] + t["duplicates"]
                if dirty:
                    defects = read_defects(landing / "defects.csv")
                    unfixable = Counter(
                        action_at(BY_REF[ObjectRef(*d.object.split("/"))], d.column, d.expected)  # type: ignore[arg-type]
                        for d in defects
                        if d.expected not in UNFIXABLE_EXPECTED
                    )
                    duplicates = sum(1 for d in defects if d.expected == "duplicate")
                    assert t["quarantined"] == unfixable["quarantine"], (t, unfixable)
                    assert t["flagged"] == unfixable["flag"], (t, unfixable)
                    assert t["duplicates"] == duplicates, (t, duplicates)
                label = f"dirty {dirty:g}" if dirty else "clean"
                mix = ", ".join(f"{k} {v}" for k, v in sorted(parsers.items()))
                print(
                    f"| {scale:g} | {label} | {rows:,} | {read_s:.2f} | {rows / read_s:,.0f} | {mix} | {bronze_s:.2f} "
                    f"| {silver_s:.2f} | {t['loaded']:,} | {t['flagged']:,} | {t['quarantined']:,} "
                    f"| {t['duplicates']:,} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
