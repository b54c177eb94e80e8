"""ERP from a live database: `generate --erp-url` writes the tables, the `erp-sql` connector reads them.

Against PostgreSQL: the same org loaded with its ERP from files and from the database gives
identical silver; a day later only the changed rows come from the database, and silver equals the
next day's full export.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from fauxforce.bronze import land as bronze
from fauxforce.cli import main
from fauxforce.connectors import get_connector
from fauxforce.connectors.erp_sql import ErpSourceError, ErpSqlConnector
from fauxforce.core import ledger
from fauxforce.core.catalogue import TABLES
from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.erp_db import write_erp
from fauxforce.generators.org import Options, generate_org
from fauxforce.silver.build import Keys, build_table, build_xref
from tests.conftest import load_silver, postgres_database

AS_OF = dt.date(2026, 6, 30)
START = AS_OF - dt.timedelta(days=120)
LINEAGE = ["_batch_id", "_row_number", "_loaded_at"]


def _options(out: Path, as_of: dt.date) -> Options:
    return Options(out=out, seed=9, scale=0.02, as_of=as_of, start=START)


@pytest.fixture(scope="module")
def erp_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


def load(wh: Warehouse, landing: Path, erp: ErpSqlConnector) -> None:
    ledger.prepare(wh)
    files = get_connector("csv", landing=landing)
    for ref in files.objects():
        if ref.system == "salesforce":
            bronze.land_object(wh, files, ref, "csv")
    for ref in erp.objects():
        bronze.land_object(wh, erp, ref, "erp-sql")
    keys = Keys(wh)
    for t in TABLES:
        build_table(wh, t, keys)
    build_xref(wh)


def table(wh: Warehouse, name: str) -> pd.DataFrame:
    with wh.engine.connect() as conn:
        df = pd.read_sql_query(f"SELECT * FROM silver.{name}", conn).drop(columns=LINEAGE)
    return df.sort_values(list(df.columns)).reset_index(drop=True)


def test_erp_from_the_database_equals_erp_from_files_and_follows_the_next_day(erp_url: str, tmp_path: Path) -> None:
    day, next_day = _options(tmp_path / "day", AS_OF), _options(tmp_path / "next", AS_OF + dt.timedelta(days=1))
    generate_org(day)
    generate_org(next_day)
    counts = write_erp(erp_url, day)
    assert counts["sales_orders"] > 0 and set(counts) == {t.ref.name for t in TABLES if t.ref.system == "erp"}

    from_files = Warehouse(f"duckdb:///{tmp_path / 'files.duckdb'}")
    load_silver(from_files, day.out)
    live = Warehouse(f"duckdb:///{tmp_path / 'live.duckdb'}")
    erp = ErpSqlConnector(url=erp_url, batch_rows=100)
    load(live, day.out, erp)
    for t in TABLES:
        pd.testing.assert_frame_equal(table(from_files, t.name), table(live, t.name), obj=t.name)
    with live.engine.connect() as conn:
        first = conn.exec_driver_sql("SELECT count(*) FROM bronze.erp__sales_orders").scalar_one()
        batches = conn.exec_driver_sql(
            "SELECT count(*) FROM meta.ingested_files WHERE object = 'erp/sales_order_lines'"
        ).scalar_one()
    assert batches > 1  # streamed in batches

    write_erp(erp_url, next_day)  # the ERP a day later
    load(live, next_day.out, ErpSqlConnector(url=erp_url, batch_rows=100))
    with live.engine.connect() as conn:
        second = conn.exec_driver_sql("SELECT count(*) FROM bronze.erp__sales_orders").scalar_one() - first
    assert 0 < second < first / 5  # what changed (and the boundary's rows), not the whole table again
    expected = Warehouse(f"duckdb:///{tmp_path / 'expected.duckdb'}")
    load_silver(expected, next_day.out)
    for t in TABLES:
        pd.testing.assert_frame_equal(table(expected, t.name), table(live, t.name), obj=t.name)
    for wh in (from_files, live, expected):
        wh.dispose()


def test_generate_writes_the_erp_database_and_errors_are_clear(tmp_path: Path) -> None:
    target = f"duckdb:///{tmp_path / 'erp.duckdb'}"
    assert (
        main(
            [
                "generate",
                "--scale",
                "0.01",
                "--days",
                "30",
                "--out",
                str(tmp_path / "l"),
                "--erp-url",
                target,
                "--quiet",
            ]
        )
        == 0
    )
    engine = sa.create_engine(target)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM customers").scalar_one() > 0
        kind = conn.exec_driver_sql(
            "SELECT data_type FROM information_schema.columns WHERE table_name = 'invoices' AND column_name = 'amount'"
        ).scalar_one()
    engine.dispose()
    assert kind.startswith("DECIMAL")
    refs = ErpSqlConnector(url=target).objects()
    assert {r.name for r in refs} >= {"customers", "sales_orders", "inventory"}
    with pytest.raises(ErpSourceError, match="FAUXFORCE_ERP_URL"):
        ErpSqlConnector(url="")


def test_run_reads_the_erp_from_its_database(
    tmp_path: Path, prefect_harness: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    erp_db = f"duckdb:///{tmp_path / 'erp.duckdb'}"
    landing = tmp_path / "landing"
    assert (
        main(["generate", "--scale", "0.01", "--days", "30", "--out", str(landing), "--erp-url", erp_db, "--quiet"])
        == 0
    )
    for path in (landing / "erp").iterdir():
        path.unlink()  # the ERP now lives only in its database
    monkeypatch.setenv("FAUXFORCE_ERP_URL", erp_db)
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    assert main(["run", "--landing", str(landing), "--warehouse", url, "--erp-source", "erp-sql"]) == 0
    out = capsys.readouterr().out
    assert "new rows from the ERP database and" in out and "0 quarantined" in out and "checks passed" in out
    wh = Warehouse(url)
    with wh.engine.connect() as conn:
        sources = dict(conn.exec_driver_sql("SELECT source, count(*) FROM meta.ingested_files GROUP BY 1").fetchall())
    assert set(sources) == {"csv", "erp-sql"} and wh.count("silver", "sales_orders") > 0
    wh.dispose()
