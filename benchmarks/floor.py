"""The floor: what DuckDB alone does with the same files, layer by layer, so the pipeline's figures have
something to be measured against.

- bronze: each export file into a table of text (`read_csv(all_varchar)`) with the lineage bronze keeps
  (batch, row number, source, load time) and an md5 of the row, one `CREATE TABLE … AS` per file;
- silver: each declared table typed (`TRY_CAST`, trimmed text), deduplicated on its key by its cursor
  (`QUALIFY row_number()`), and the values that failed to cast counted, one statement per table;
- gold: the gold models' own queries (`CREATE TABLE … AS`), run over a copy of the pipeline's silver, with
  no checks and no row counts.

No quarantine, no flags, no lookups checked, no reasons written: a floor, not a pipeline. Usage:
  python benchmarks/floor.py [--scale 1]
`benchmarks/pipeline.py` runs the same functions beside the pipeline and prints the ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from fauxforce.bronze.land import land_object
from fauxforce.connectors import get_connector
from fauxforce.core import ledger
from fauxforce.core.catalogue import TABLES, Table
from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.org import Options, generate_org
from fauxforce.gold.build import (
    RECONCILIATION,
    build_gold,
    reconciliation_sql,
    reporting_currency,
    write_rates,
)
from fauxforce.gold.models import load_models
from fauxforce.silver.build import build_all, refresh_xref

CAST = {
    "bool": "BOOLEAN",
    "int": "BIGINT",
    "float": "DOUBLE",
    "money": "DECIMAL(18, 2)",
    "date": "DATE",
    "ts": "TIMESTAMPTZ",
}


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def files(landing: Path) -> list[tuple[str, Path]]:
    """(bronze table name, file) for every CSV of an export folder."""
    return [(f"{p.parent.name}__{p.stem}", p) for p in sorted(landing.glob("*/*.csv"))]


def bronze(con: duckdb.DuckDBPyConnection, landing: Path) -> int:
    """Every file into `floor_bronze.<system>__<object>`: text columns, lineage and a row hash."""
    con.execute("CREATE SCHEMA IF NOT EXISTS floor_bronze")
    rows = 0
    for batch, (name, path) in enumerate(files(landing), start=1):
        con.execute(
            f"CREATE OR REPLACE TABLE floor_bronze.{q(name)} AS SELECT *, {batch} AS _batch_id, "
            "row_number() OVER () AS _row_number, ? AS _source_uri, now() AS _ingested_at, "
            "md5(concat_ws(chr(31), *COLUMNS(*))) AS _row_hash "
            "FROM read_csv(?, all_varchar = true, header = true)",
            [path.as_uri(), str(path)],
        )
        rows += con.execute(f"SELECT count(*) FROM floor_bronze.{q(name)}").fetchone()[0]  # type: ignore[index]
    return rows


def _typed(t: Table, have: set[str]) -> tuple[list[str], list[str]]:
    """The typed select list of `t` and the expressions counting each column's failed casts."""
    select, failed = [], []
    for c in t.columns:
        source = q(c.source) if c.source in have else "NULL"
        text = f"nullif(trim({source}), '')"
        if c.type in CAST:
            select.append(f"TRY_CAST({text} AS {CAST[c.type]}) AS {q(c.name)}")
            failed.append(f"count({text}) - count(TRY_CAST({text} AS {CAST[c.type]}))")
        else:
            select.append(f"{text} AS {q(c.name)}")
    return select, failed


def silver(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """Every declared table bronze holds, typed and deduplicated; returns (rows, values that failed to cast)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS floor_silver")
    rows = failed = 0
    for t in TABLES:
        source = f"floor_bronze.{q(f'{t.ref.system}__{t.ref.name}')}"
        try:
            have = {r[0] for r in con.execute(f"DESCRIBE {source}").fetchall()}
        except duckdb.CatalogException:
            continue
        select, fails = _typed(t, have)
        keys = ", ".join(q(k) for k in t.key_columns)
        con.execute(
            f"CREATE OR REPLACE TABLE floor_silver.{q(t.name)} AS SELECT {', '.join(select)}, _batch_id, _row_number "
            f"FROM {source} QUALIFY row_number() OVER (PARTITION BY {keys} "
            f"ORDER BY {q(t.modstamp_column)} DESC NULLS LAST, _row_number DESC) = 1"
        )
        rows += con.execute(f"SELECT count(*) FROM floor_silver.{q(t.name)}").fetchone()[0]  # type: ignore[index]
        if fails:
            failed += con.execute(f"SELECT {' + '.join(fails)} FROM {source}").fetchone()[0]  # type: ignore[index]
    return rows, failed


def gold(database: Path) -> float:
    """Seconds for the gold models' queries over a copy of the pipeline's warehouse file (silver built)."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "floor.duckdb"
        shutil.copy(database, copy)
        wh = Warehouse(f"duckdb:///{copy}")
        try:
            with wh.engine.begin() as conn:  # the rates the models read beside silver (the run context is there)
                wh.use_utc(conn)
                write_rates(wh, conn, reporting_currency(wh, conn))
            started = time.perf_counter()
            with wh.engine.begin() as conn:
                conn.exec_driver_sql(f"CREATE OR REPLACE TABLE gold.{RECONCILIATION} AS {reconciliation_sql(wh)}")
                for model in load_models():
                    conn.exec_driver_sql(f"CREATE OR REPLACE TABLE gold.{q(model.name)} AS {model.sql}")
            return time.perf_counter() - started
        finally:
            wh.dispose()


def layers(landing: Path, built: Path | None = None) -> dict[str, float]:
    """Seconds per layer of the floor for one export folder; `built`: a pipeline warehouse file with gold built
    (for the gold floor; left out without one)."""
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "floor.duckdb"))
        try:
            started = time.perf_counter()
            bronze(con, landing)
            con.commit()
            seconds["bronze"] = time.perf_counter() - started
            started = time.perf_counter()
            silver(con)
            seconds["silver"] = time.perf_counter() - started
        finally:
            con.close()
    if built is not None:
        seconds["gold"] = gold(built)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    as_of = dt.date(2026, 6, 30)
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        start = as_of.replace(year=as_of.year - 1)
        manifest = generate_org(Options(out=tmp / "full", scale=args.scale, as_of=as_of, start=start))
        wh = Warehouse(f"duckdb:///{tmp / 'built.duckdb'}")
        ledger.prepare(wh)
        connector = get_connector("csv", landing=tmp / "full")
        for ref in connector.objects():
            land_object(wh, connector, ref, "csv")
        results, _ = build_all(wh)
        refresh_xref(wh, results)
        build_gold(wh)
        wh.dispose()
        seconds = layers(tmp / "full", tmp / "built.duckdb")
    print(f"floor, scale {args.scale:g} ({manifest.total_rows:,} rows), DuckDB {duckdb.__version__}:")
    for layer, s in seconds.items():
        print(f"  {layer:<7} {s:6.2f} s")
    print(f"  {'layers':<7} {sum(seconds.values()):6.2f} s")


if __name__ == "__main__":
    main()
