"""Incremental gold: a build rebuilds only the tables whose inputs changed, and what it leaves is what a full
build would write, on DuckDB and PostgreSQL, day after day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.org import Options, generate_org
from fauxforce.gold.build import GoldCheckError, GoldResult, build_gold
from fauxforce.gold.models import load_models
from tests.conftest import load_silver, postgres_database

START = dt.date(2026, 1, 1)
FIRST = dt.date(2026, 3, 31)
DAYS = 3
COMMON: dict[str, Any] = {"seed": 19, "scale": 0.03, "start": START}
MODELS = {m.name: m for m in load_models()}


@pytest.fixture(scope="module")
def landings(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A full export, then the changes of each of the next days."""
    root = tmp_path_factory.mktemp("incremental")
    generate_org(Options(out=root / "full", as_of=FIRST, **COMMON))
    out = [root / "full"]
    for n in range(1, DAYS + 1):
        day = FIRST + dt.timedelta(days=n)
        since = day - dt.timedelta(days=1)
        generate_org(Options(out=root / f"day{n}", as_of=day, export="changes", since=since, **COMMON))
        out.append(root / f"day{n}")
    return out


def snapshot(wh: Warehouse) -> dict[str, list[tuple[Any, ...]]]:
    """Every gold table's rows, sorted, floats to 9 significant digits (sums of doubles may differ in their last
    bits with the order rows are added in)."""

    def value(v: Any) -> Any:
        return float(f"{v:.9g}") if isinstance(v, float) else str(v) if isinstance(v, Decimal) else v

    out = {}
    with wh.engine.connect() as conn:
        for name in MODELS:
            rows = conn.exec_driver_sql(f"SELECT * FROM gold.{name}").all()
            out[name] = sorted((tuple(value(v) for v in row) for row in rows), key=repr)
    return out


def readers_of(table: str) -> set[str]:
    """The models that read `table`, directly or through other models."""
    found: set[str] = set()
    frontier = {("silver", table)}
    while frontier:
        new = {m.name for m in MODELS.values() if m.reads & frontier} - found
        found |= new
        frontier = {("gold", n) for n in new}
    return found


@pytest.mark.parametrize("engine", ["duckdb", "postgresql"])
def test_incremental_builds_day_after_day_equal_full_builds(landings: list[Path], engine: str, tmp_path: Path) -> None:
    with postgres_database() as pg_a, postgres_database() as pg_b:
        urls = (pg_a, pg_b) if engine == "postgresql" else tuple(f"duckdb:///{tmp_path / n}.duckdb" for n in "ab")
        incremental, full = Warehouse(urls[0]), Warehouse(urls[1])
        results: list[GoldResult] = []
        for landing in landings:
            for wh in (incremental, full):
                load_silver(wh, landing)
            results.append(build_gold(incremental))
            build_gold(full, full=True)
            assert snapshot(incremental) == snapshot(full), landing.name
        assert results[0].writes() == "all rebuilt"
        assert all(r.rebuilt for r in results[1:])  # each day changes deals, orders, stock

        nothing = build_gold(incremental)  # nothing new: nothing is rebuilt, nothing checked again
        assert (nothing.rebuilt, nothing.checks, nothing.writes()) == ([], 0, f"0 rebuilt, {len(MODELS)} unchanged")
        assert nothing.tables == results[-1].tables and nothing.headline == results[-1].headline

        # A change made in silver by hand is seen too: the build compares content, not the pipeline's own writes.
        rename = (
            "UPDATE silver.warehouses SET warehouse_name = warehouse_name || ' (renamed)' "
            "WHERE warehouse_code = (SELECT min(warehouse_code) FROM silver.warehouses)"
        )
        for wh in (incremental, full):
            with wh.engine.begin() as conn:
                conn.exec_driver_sql(rename)
        renamed = build_gold(incremental)
        build_gold(full, full=True)
        rebuilt = set(renamed.rebuilt)
        assert {"dim_warehouse", "dim_geography"} <= rebuilt <= readers_of("warehouses")
        if engine == "duckdb":  # dim_geography came out the same (its version is its content): no further
            assert rebuilt == {"dim_warehouse", "dim_geography"}
        assert 0 < renamed.checks < results[0].checks
        assert snapshot(incremental) == snapshot(full)
        with incremental.engine.connect() as conn:
            names = conn.exec_driver_sql("SELECT warehouse_name FROM gold.dim_warehouse").scalars().all()
        assert sum(str(n).endswith(" (renamed)") for n in names) == 1
        for wh in (incremental, full):
            wh.dispose()


def test_an_edited_model_is_rebuilt_and_a_failed_build_keeps_no_signature(landings: list[Path], tmp_path: Path) -> None:
    gold_sql = Path(__file__).parents[2] / "warehouse_sql" / "gold"
    folder = tmp_path / "models"
    folder.mkdir()
    for name in ("dim_warehouse", "dim_geography"):
        (folder / f"{name}.sql").write_text((gold_sql / f"{name}.sql").read_text(encoding="utf-8"), encoding="utf-8")
    wh = Warehouse(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    load_silver(wh, landings[0])
    models = load_models(folder)  # type: ignore[arg-type]
    assert build_gold(wh, models=models).writes() == "all rebuilt"
    assert build_gold(wh, models=models).rebuilt == []
    assert build_gold(wh, models=models, full=True).writes() == "all rebuilt"

    edited = (folder / "dim_warehouse.sql").read_text(encoding="utf-8").replace("    city,", "    upper(city) as city,")
    (folder / "dim_warehouse.sql").write_text(edited, encoding="utf-8")
    models = load_models(folder)  # type: ignore[arg-type]
    assert build_gold(wh, models=models).rebuilt == ["dim_warehouse"]

    with wh.engine.begin() as conn:  # a warehouse without a name: the build fails its check and keeps nothing
        conn.exec_driver_sql("INSERT INTO silver.warehouses (warehouse_code) VALUES ('W-NONAME')")
    with pytest.raises(GoldCheckError, match=r"not_null:dim_warehouse"):
        build_gold(wh, models=models)
    with wh.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM silver.warehouses WHERE warehouse_code = 'W-NONAME'")
    assert build_gold(wh, models=models).rebuilt == []  # silver is as it was for the last build that passed
    with wh.engine.connect() as conn:
        cities = conn.exec_driver_sql("SELECT city FROM gold.dim_warehouse WHERE city IS NOT NULL").scalars().all()
    assert cities and all(c == c.upper() for c in cities)
    wh.dispose()


def test_versions_follow_content_on_both_engines(tmp_path: Path) -> None:
    """`Warehouse.versions` changes with any insert, update or delete, and only then."""
    changes = (
        "",
        "UPDATE s.t SET v = 'c' WHERE k = 1",
        "DELETE FROM s.t WHERE k = 2",
        "INSERT INTO s.t VALUES (3, 'b')",
        "",
    )
    with postgres_database() as url:
        for wh in (Warehouse(f"duckdb:///{tmp_path / 'v.duckdb'}"), Warehouse(url)):
            with wh.engine.begin() as conn:
                conn.exec_driver_sql("CREATE SCHEMA s")
                conn.exec_driver_sql("CREATE TABLE s.t (k INTEGER, v TEXT)")
                conn.exec_driver_sql("INSERT INTO s.t VALUES (1, 'a'), (2, 'b')")
            seen = []
            for change in changes:
                if change:
                    with wh.engine.begin() as conn:
                        conn.exec_driver_sql(change)
                with wh.engine.begin() as conn:
                    seen.append(wh.versions(conn, [("s", "t"), ("s", "missing")]))
            marks = [v["s", "t"] for v in seen]
            assert len(set(marks[:4])) == 4 and marks[4] == marks[3], (wh.dialect, marks)
            assert {v["s", "missing"] for v in seen} == {"absent"}
            wh.dispose()
