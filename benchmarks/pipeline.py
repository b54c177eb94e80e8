"""Pipeline speed: seconds per layer (bronze, silver, gold, then the report) and rows/s, full and incremental, on
DuckDB and PostgreSQL. After the full load it checks that silver holds every generated row, so a fast run that
lost data cannot pass for a result.

The layers run as plain functions (what the flows' tasks call). Beside them, in the same run:
- the floor (`benchmarks/floor.py`: DuckDB alone with the same files) per layer, and the ratio;
- the whole `fauxforce run` as a process (the full export, the day after, then nothing new), Prefect included.
Each warehouse loads the full export, then the day after, then the day after again (nothing new: what an
hourly run between two exports costs).
Usage:
  python benchmarks/pipeline.py [--scales 0.1 1] [--warehouses duckdb postgresql] [--no-floor] [--no-process]
PostgreSQL: FAUXFORCE_BENCH_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test);
a database fauxforce_bench is created and dropped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from floor import layers as floor_layers

from fauxforce.bronze.land import land_object
from fauxforce.connectors import get_connector
from fauxforce.core import ledger
from fauxforce.core.catalogue import TABLES
from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.org import Options, generate_org
from fauxforce.gold.build import build_gold
from fauxforce.report import write_report
from fauxforce.silver.build import build_all, refresh_xref

AS_OF = dt.date(2026, 6, 30)
START = AS_OF - dt.timedelta(days=365)


def bronze(wh: Warehouse, landing: Path) -> int:
    connector = get_connector("csv", landing=landing)
    return sum(r.rows for ref in connector.objects() for r in land_object(wh, connector, ref, "csv"))


def silver(wh: Warehouse) -> int:
    results, _ = build_all(wh)
    refresh_xref(wh, results)
    return sum(r.rows_in for r in results)


def gold(wh: Warehouse) -> int:
    return sum(build_gold(wh).tables.values())


def silver_rows(wh: Warehouse) -> int:
    return sum(wh.count("silver", t.name) for t in TABLES)


def timed(fn, *args):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - started


def warehouse_url(kind: str, tmp: Path) -> str:
    if kind == "duckdb":
        return f"duckdb:///{tmp / 'bench.duckdb'}"
    admin_url = os.environ.get("FAUXFORCE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql("DROP DATABASE IF EXISTS fauxforce_bench WITH (FORCE)")
        conn.exec_driver_sql("CREATE DATABASE fauxforce_bench")
    admin.dispose()
    return sa.engine.make_url(admin_url).set(database="fauxforce_bench").render_as_string(hide_password=False)


def prefect_startup() -> float:
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    env.pop("PREFECT_API_URL", None)
    code = "from prefect import flow\n@flow\ndef noop(): return 1\nnoop()"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def whole_runs(tmp: Path) -> list[float]:
    """Seconds of `fauxforce run` as a process: first on an empty landing folder in a new Prefect home (what
    starting the local Prefect server costs, once), then the full export into a new DuckDB file, then the day
    after, then the day after again (nothing new: an hourly run between two exports), all on the server the
    first run left up."""
    env = {**os.environ, "PREFECT_HOME": str(tmp / "prefect"), "DO_NOT_TRACK": "1"}
    env.pop("PREFECT_API_URL", None)
    (tmp / "empty").mkdir()
    fauxforce = str(Path(sys.executable).parent / "fauxforce")
    out = []
    try:
        runs = (("empty", "empty.duckdb"), ("full", "whole.duckdb"), ("day", "whole.duckdb"), ("day", "whole.duckdb"))
        for landing, warehouse in runs:
            cmd = [fauxforce, "run", "--landing", str(tmp / landing), "--warehouse", str(tmp / warehouse)]
            started = time.perf_counter()
            subprocess.run([*cmd, "--report", "none"], env=env, check=True, capture_output=True, cwd=tmp)
            out.append(time.perf_counter() - started)
    finally:
        subprocess.run([fauxforce, "server", "stop"], env=env, check=True, capture_output=True, cwd=tmp)
    return out


def compare(layers: dict[str, float], floor: dict[str, float], whole: list[float]) -> None:
    """The pipeline's layers beside the floor's, and the whole process beside the floor's layers."""
    print(f"{'layer':>22} {'fauxforce s':>11} {'floor s':>8} {'ratio':>6}")
    for layer in ("bronze", "silver", "gold"):
        print(f"{layer:>22} {layers[layer]:>11.2f} {floor[layer]:>8.2f} {layers[layer] / floor[layer]:>6.2f}")
    total, floor_total = sum(layers[k] for k in floor), sum(floor.values())
    print(f"{'layers':>22} {total:>11.2f} {floor_total:>8.2f} {total / floor_total:>6.2f}")
    if whole:
        first, full, day, again = whole
        print(f"{'fauxforce run (full)':>22} {full:>11.2f} {floor_total:>8.2f} {full / floor_total:>6.2f}")
        print(f"{'fauxforce run (day)':>22} {day:>11.2f} {'':>8} {day / full:>6.0%} of the full run")
        print(f"{'(nothing new)':>22} {again:>11.2f} {'':>8} {again / full:>6.0%} of the full run")
        print(f"{'(first run, nothing)':>22} {first:>11.2f} {'':>8} {'':>6} a new Prefect home: starts the server")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.1, 1.0])
    parser.add_argument("--warehouses", nargs="+", default=["duckdb", "postgresql"])
    parser.add_argument("--no-floor", action="store_true", help="leave out the DuckDB floor")
    parser.add_argument("--no-process", action="store_true", help="leave out the whole `fauxforce run` processes")
    args = parser.parse_args()
    comparisons = []
    print(f"Prefect start-up (temporary API server, one flow run): {prefect_startup():.1f}s")
    print(
        f"{'warehouse':>10} {'scale':>5} {'run':>12} {'rows':>10} {'bronze s':>9} {'silver s':>9} {'rows/s':>9} "
        f"{'gold s':>7} {'gold rows':>10} {'report s':>9} {'report MB':>9}"
    )
    for scale in args.scales:
        with tempfile.TemporaryDirectory() as tmp_dir:
            tmp = Path(tmp_dir)
            common = {"scale": scale, "start": START}
            manifest = generate_org(Options(out=tmp / "full", as_of=AS_OF, **common))  # type: ignore[arg-type]
            nxt = AS_OF + dt.timedelta(days=1)
            generate_org(Options(out=tmp / "day", as_of=nxt, export="changes", since=AS_OF, **common))  # type: ignore[arg-type]
            for kind in args.warehouses:
                url = warehouse_url(kind, tmp)
                wh = Warehouse(url)
                ledger.prepare(wh)
                measured: dict[str, dict[str, float]] = {}
                runs = (("full", tmp / "full"), ("incremental", tmp / "day"), ("nothing new", tmp / "day"))
                for label, landing in runs:
                    rows, b = timed(bronze, wh, landing)
                    _, s = timed(silver, wh)
                    if label == "full" and silver_rows(wh) != manifest.total_rows:
                        raise SystemExit(f"silver holds {silver_rows(wh):,} rows, not {manifest.total_rows:,}")
                    gold_rows, g = timed(gold, wh)
                    report, r = timed(write_report, wh, tmp / "report.html")
                    measured[label] = {"bronze": b, "silver": s, "gold": g}
                    print(
                        f"{kind:>10} {scale:>5g} {label:>12} {rows:>10,} {b:>9.2f} {s:>9.2f} {rows / (b + s):>9,.0f} "
                        f"{g:>7.2f} {gold_rows:>10,} {r:>9.2f} {report.bytes / 1e6:>9.1f}"
                    )
                wh.dispose()
                full = sum(measured["full"].values())
                for label in ("incremental", "nothing new"):
                    share = sum(measured[label].values()) / full
                    print(f"{'':>10} {'':>5} {label[:12]:>12} {share:>10.0%} of the full run's layers")
                if kind == "duckdb":
                    if not args.no_floor:
                        floor = floor_layers(tmp / "full", tmp / "bench.duckdb")
                        whole = [] if args.no_process else whole_runs(tmp)
                        comparisons.append((scale, measured["full"], floor, whole))
                    (tmp / "bench.duckdb").unlink()
    for scale, layers, floor, whole in comparisons:
        print(f"\nDuckDB, scale {scale:g}: the pipeline beside the floor (benchmarks/floor.py), full load")
        compare(layers, floor, whole)


if __name__ == "__main__":
    main()
