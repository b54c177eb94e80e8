"""Bronze on DuckDB and PostgreSQL: everything lands once, with lineage, atomically per batch."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from fauxforce.bronze import land as bronze
from fauxforce.connectors import ObjectRef, get_connector
from fauxforce.core import ledger
from fauxforce.core.warehouse import Warehouse, WarehouseError
from fauxforce.generators.org import Manifest, Options, generate_org


@pytest.fixture(scope="module")
def small_org(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    out = tmp_path_factory.mktemp("bronze") / "landing"
    return out, generate_org(Options(out=out, scale=0.01, days=60))


def land_all(wh: Warehouse, landing: Path) -> int:
    connector = get_connector("csv", landing=landing)
    return sum(r.rows for ref in connector.objects() for r in bronze.land_object(wh, connector, ref, "csv"))


def query(wh: Warehouse, sql: str) -> list[tuple[object, ...]]:
    with wh.engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(sql)]


def test_an_org_lands_once_with_lineage(warehouse_url: str, small_org: tuple[Path, Manifest], tmp_path: Path) -> None:
    landing, manifest = small_org
    wh = Warehouse(warehouse_url)
    ledger.prepare(wh)
    assert land_all(wh, landing) == manifest.total_rows
    for key, counts in manifest.objects.items():
        system, name = key.split("/")
        assert wh.count("bronze", bronze.bronze_table(ObjectRef(system, name))) == counts["rows"], key  # type: ignore[arg-type]
    rows = query(
        wh,
        'SELECT "Id", _batch_id, _source_uri, _row_number, _row_hash FROM bronze.salesforce__account ORDER BY 4',
    )
    assert [r[3] for r in rows] == list(range(1, len(rows) + 1))
    assert len({r[1] for r in rows}) == 1 and rows[0][2].endswith("/salesforce/Account.csv")
    assert all(len(r[4]) == 32 for r in rows) and len({r[4] for r in rows}) == len(rows)
    first_line = (landing / "salesforce" / "Account.csv").read_text().splitlines()[1]
    assert first_line.startswith(f'"{rows[0][0]}"')
    log = query(wh, "SELECT object, rows_in, rows_loaded FROM meta.load_log WHERE layer = 'bronze'")
    assert len(log) == len(manifest.objects) and sum(r[1] for r in log) == manifest.total_rows
    # A second run lands nothing and logs nothing.
    assert land_all(wh, landing) == 0
    assert len(query(wh, "SELECT * FROM meta.load_log")) == len(manifest.objects)
    wh.dispose()


def test_new_columns_are_added_and_missing_ones_recorded(warehouse_url: str, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "erp").mkdir(parents=True)
    (landing / "erp" / "widgets.csv").write_text('"id","name"\n"1","a"\n')
    wh = Warehouse(warehouse_url)
    ledger.prepare(wh)
    assert land_all(wh, landing) == 1
    day = landing / "2026-07-01" / "erp"
    day.mkdir(parents=True)
    (day / "widgets.csv").write_text('"id","colour"\n"2","red"\n')
    assert land_all(wh, landing) == 1
    rows = query(wh, "SELECT id, name, colour FROM bronze.erp__widgets ORDER BY id")
    assert rows == [("1", "a", None), ("2", None, "red")]
    (missing, new) = query(wh, "SELECT missing_columns, new_columns FROM meta.load_log ORDER BY batch_id DESC")[0]
    assert json.loads(str(missing)) == ["name"] and json.loads(str(new)) == ["colour"]
    wh.dispose()


def test_a_failed_batch_leaves_nothing_and_lands_on_the_next_run(
    warehouse_url: str, small_org: tuple[Path, Manifest], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(small_org[0], landing)
    wh = Warehouse(warehouse_url)
    ledger.prepare(wh)
    real_insert = Warehouse.insert_arrow

    def insert_then_fail(self: Warehouse, conn: sa.Connection, schema: str, table: str, data: object) -> None:
        real_insert(self, conn, schema, table, data)  # type: ignore[arg-type]
        raise ConnectionError("connection lost after the insert")

    monkeypatch.setattr(Warehouse, "insert_arrow", insert_then_fail)
    connector = get_connector("csv", landing=landing)
    with pytest.raises(ConnectionError):
        bronze.land_object(wh, connector, ObjectRef("salesforce", "Account"), "csv")
    assert query(wh, "SELECT count(*) FROM meta.ingested_files") == [(0,)]
    assert query(wh, "SELECT count(*) FROM meta.load_log") == [(0,)]
    assert wh.columns(wh.engine.connect(), "bronze", "salesforce__account") == []  # even the table was rolled back
    monkeypatch.setattr(Warehouse, "insert_arrow", real_insert)
    landed = bronze.land_object(wh, connector, ObjectRef("salesforce", "Account"), "csv")
    assert (
        wh.count("bronze", "salesforce__account")
        == landed[0].rows
        == small_org[1].objects["salesforce/Account"]["rows"]
    )
    wh.dispose()


def test_a_changed_file_lands_again_as_a_new_batch(warehouse_url: str, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "erp").mkdir(parents=True)
    path = landing / "erp" / "widgets.csv"
    path.write_text('"id"\n"1"\n')
    wh = Warehouse(warehouse_url)
    ledger.prepare(wh)
    assert land_all(wh, landing) == 1
    path.write_text('"id"\n"1"\n"2"\n')  # re-exported under the same name with new content
    assert land_all(wh, landing) == 2
    assert pd.DataFrame(query(wh, "SELECT id, _batch_id FROM bronze.erp__widgets"))[1].nunique() == 2
    wh.dispose()


def test_unusable_warehouse_urls_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="no bulk-load path"):
        Warehouse(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(WarehouseError, match="cannot reach"):
        ledger.prepare(Warehouse("postgresql+psycopg://postgres@127.0.0.1:1/nowhere"))
