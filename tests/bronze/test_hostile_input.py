"""Any header, any size, any file name: bronze takes what a source sends on both warehouses, renames only what
a warehouse cannot keep (and records how), never drops a column, and quarantines a file it cannot land
without stopping the others."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fauxforce.bronze import land as bronze
from fauxforce.connectors import ObjectRef, get_connector
from fauxforce.core import ledger
from fauxforce.core.catalogue import RESERVED_COLUMNS
from fauxforce.core.warehouse import Warehouse, query_arrow, read_batch

_objects = itertools.count()


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerows([header, *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _land(wh: Warehouse, landing: Path) -> list[bronze.Landed]:
    connector = get_connector("csv", landing=landing)
    return [r for ref in connector.objects() for r in bronze.land_object(wh, connector, ref, "csv")]


def _bronze_columns(wh: Warehouse, landed: bronze.Landed) -> tuple[list[str], pa.Table]:
    """The batch's source columns (bronze's own left out), in order, and the batch as Arrow."""
    with wh.engine.connect() as conn:
        data = read_batch(wh, conn, "bronze", bronze.bronze_table(landed.ref), landed.batch_id)
    return [c for c in data.column_names if c not in RESERVED_COLUMNS], data


def _recorded_names(wh: Warehouse, landed: bronze.Landed) -> dict[str, str]:
    """Original header → bronze column, as the ledger records it (the reader's renames, then bronze's)."""
    with wh.engine.connect() as conn:
        fmt = json.loads(
            conn.exec_driver_sql(
                "SELECT format FROM meta.ingested_files WHERE batch_id = %s"
                if wh.dialect == "postgresql"
                else "SELECT format FROM meta.ingested_files WHERE batch_id = ?",
                (landed.batch_id,),
            ).scalar_one()
        )
    reader, bronze_names = fmt.get("header", {}), fmt.get("columns", {})
    return {h: bronze_names.get(reader.get(h, h), reader.get(h, h)) for h in {*reader, *bronze_names}}


headers = st.lists(
    st.one_of(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=90),
        st.sampled_from(["Discount %", "%s", "a\nb", "Name", "NAME", "name", " ", "", *RESERVED_COLUMNS]),
        st.text(alphabet="abcdefghij", min_size=64, max_size=80),  # past PostgreSQL's 63-byte identifiers
    ),
    min_size=1,
    max_size=6,
)
cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), min_size=1)


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=headers, data=st.data())
def test_any_header_and_any_cell_size_lands_whole(
    warehouse_url: str, tmp_path: Path, header: list[str], data: st.DataObject
) -> None:
    big = data.draw(st.sampled_from([0, 0, 1_500_000]))  # past Arrow's 1 MiB read block
    rows = [[data.draw(cells) for _ in header] for _ in range(2)]
    if big:
        rows[0][0] = "x" * big + rows[0][0]
    landing = tmp_path / uuid.uuid4().hex
    name = f"Obj{next(_objects)}"
    _write_csv(landing / "salesforce" / f"{name}.csv", header, rows)
    wh = Warehouse(warehouse_url)
    try:
        ledger.prepare(wh)
        (landed,) = _land(wh, landing)
        assert landed.quarantined is None and landed.rows == 2
        columns, batch = _bronze_columns(wh, landed)
        assert len(columns) == len(header)  # no column dropped
        for i, column in enumerate(columns):  # every value as written, in order
            assert batch.column(column).to_pylist() == [row[i] for row in rows], (header, column)
        assert len({c.lower() for c in columns}) == len(columns)
        assert all(len(c.encode()) <= 63 and "%" not in c and "\n" not in c for c in columns)
        recorded = _recorded_names(wh, landed)
        for original, column in zip(header, columns, strict=True):  # the ledger says where each header went
            if header.count(original) == 1 and original.strip():  # (a repeated header maps by position)
                assert recorded.get(original, original) == column, (original, recorded)
    finally:
        wh.dispose()


def test_hostile_names_on_both_warehouses(warehouse_url: str, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    long_a, long_b = "A" * 70 + "_one", "A" * 70 + "_two"  # share PostgreSQL's first 63 bytes
    _write_csv(landing / "salesforce" / f"{long_a}.csv", ["Id"], [["1"]])
    _write_csv(landing / "salesforce" / f"{long_b}.csv", ["Id"], [["2"], ["3"]])
    _write_csv(
        landing / "salesforce" / "%s.csv",
        ["Discount %", "_batch_id", "_row_hash", "x" * 70, "x" * 70 + "y"],
        [["10 %", "b", "h", "1", "2"]],
    )
    wh = Warehouse(warehouse_url)
    ledger.prepare(wh)
    landed = {str(r.ref): r for r in _land(wh, landing)}
    a, b = (bronze.bronze_table(ObjectRef("salesforce", n)) for n in (long_a, long_b))
    assert a != b and wh.count("bronze", a) == 1 and wh.count("bronze", b) == 2
    odd = landed["salesforce/%s"]
    columns, batch = _bronze_columns(wh, odd)
    assert [batch.column(c)[0].as_py() for c in columns] == ["10 %", "b", "h", "1", "2"]
    assert _land(wh, landing) == []  # a second run: nothing new, and no error on the odd names
    wh.dispose()


def test_a_20_mb_cell_lands_and_reads_back(warehouse_url: str, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    huge = "d" * 20_000_000
    _write_csv(landing / "salesforce" / "Note.csv", ["Id", "Body"], [["1", huge], ["2", "short"]])
    wh = Warehouse(warehouse_url)
    ledger.prepare(wh)
    (landed,) = _land(wh, landing)
    with wh.engine.connect() as conn:
        data = query_arrow(wh, conn, 'SELECT "Body" FROM bronze.salesforce__note ORDER BY "Id"')
    assert data.column(0).to_pylist() == [huge, "short"]
    assert landed.rows == 2
    wh.dispose()


def test_a_file_the_warehouse_refuses_is_quarantined_and_the_rest_lands(postgres_url: str, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    wide = [f"c{i}" for i in range(1_700)]  # PostgreSQL takes at most 1,600 columns
    _write_csv(landing / "salesforce" / "Wide.csv", wide, [[str(i) for i in range(1_700)]])
    (landing / "salesforce" / "Broken.parquet").write_bytes(b"PAR1 not really")
    _write_csv(landing / "erp" / "customers.csv", ["customer_number", "customer_name"], [["C1", "Acme"]])
    wh = Warehouse(postgres_url)
    ledger.prepare(wh)
    before = dt.datetime.now(dt.UTC)
    landed = {str(r.ref): r for r in _land(wh, landing)}
    assert landed["erp/customers"].rows == 1 and wh.count("bronze", "erp__customers") == 1
    assert "columns" in str(landed["salesforce/Wide"].quarantined)
    assert "Broken.parquet" in str(landed["salesforce/Broken"].quarantined)
    recorded = {obj: reason for obj, _, reason in ledger.quarantined_files(wh, since=before)}
    assert set(recorded) == {"salesforce/Wide", "salesforce/Broken"}
    assert _land(wh, landing) == []  # not tried again while unchanged
    _write_csv(landing / "salesforce" / "Wide.csv", wide[:10], [[str(i) for i in range(10)]])  # fixed
    (again,) = _land(wh, landing)
    assert again.quarantined is None and again.rows == 1
    wh.dispose()


def test_nested_parquet_lands_as_json_text(warehouse_url: str, tmp_path: Path) -> None:
    landing = tmp_path / "landing" / "salesforce"
    landing.mkdir(parents=True)
    table = pa.table(
        {
            "Id": ["1", "2"],
            "Address": pa.array([{"city": "Lima", "zip": 15001}, None]),
            "Tags": pa.array([["a", "b"], []]),
            "Scores": pa.array([[("q1", 1.5)], [("q2", 2.0)]], type=pa.map_(pa.string(), pa.float64())),
            "Name": ["x", "y"],
            "name": ["twin", "twin2"],
            "": ["no name", "still none"],
        }
    )
    pq.write_table(table, landing / "Thing.parquet")
    wh = Warehouse(warehouse_url)
    ledger.prepare(wh)
    (landed,) = _land(wh, landing.parent)
    assert landed.quarantined is None and landed.rows == 2
    columns, batch = _bronze_columns(wh, landed)
    assert len(columns) == 7
    values = {c: batch.column(c).to_pylist() for c in columns}
    assert json.loads(values["Address"][0]) == {"city": "Lima", "zip": 15001} and values["Address"][1] is None
    assert json.loads(values["Tags"][0]) == ["a", "b"] and json.loads(values["Scores"][1]) == [["q2", 2.0]]
    assert sorted(values["Name"] + values[next(c for c in columns if c.lower().startswith("name_"))]) == [
        "twin",
        "twin2",
        "x",
        "y",
    ]
    assert values["column_7"] == ["no name", "still none"]
    wh.dispose()
