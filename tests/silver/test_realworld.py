"""Real exports this project did not make (../shared/realworld/) reach silver: every record of every object
accounted for, and the values equal to the file's.

- `salesforce-demo-org-dump/`: a Salesforce CLI dump of a demo org (BOM, `1`/empty checkboxes, `+0000`
  datetimes, owners not exported, stages of its own, Task/CampaignMember/AccountContactRelation and a custom
  object `Branch__c`).
- `fivetran-synced-salesforce/`: a managed connector's tables, laid out as a landing folder
  (`sf_opportunity_line_item_data.csv` → `salesforce/OpportunityLineItem.csv`): snake_case headers, no
  `SystemModstamp` or `CreatedDate` on most objects, hashed values in Id and country columns.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from fauxforce.core import ledger
from fauxforce.core.warehouse import Warehouse
from tests.conftest import load_silver

REALWORLD = Path(__file__).resolve().parents[3] / "shared" / "realworld"
DEMO = REALWORLD / "salesforce-demo-org-dump"
FIVETRAN = REALWORLD / "fivetran-synced-salesforce"

pytestmark = pytest.mark.skipif(not REALWORLD.is_dir(), reason="../shared/realworld is not on this machine")


def records(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return sum(1 for _ in csv.DictReader(f))


def per_object(wh: Warehouse) -> pd.DataFrame:
    with wh.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT object, sum(rows_in), sum(rows_loaded), sum(rows_quarantined), sum(rows_duplicate), "
            "sum(rows_flagged) FROM meta.load_log WHERE layer = 'silver' GROUP BY object ORDER BY object"
        ).all()
    return pd.DataFrame(rows, columns=["object", "rows_in", "loaded", "quarantined", "duplicates", "flagged"]).astype(
        {c: "int64" for c in ("rows_in", "loaded", "quarantined", "duplicates", "flagged")}
    )


def load_whole(wh: Warehouse, tmp_path: Path, files: dict[str, Path]) -> None:
    """Lay `files` out as a landing folder (`salesforce/<Object>.csv`), load it into silver, and check that every
    record of every object is accounted for and at least 99% of each object's records are in silver."""
    landing = tmp_path / "landing"
    (landing / "salesforce").mkdir(parents=True)
    for name, f in files.items():
        shutil.copy(f, landing / "salesforce" / f"{name}.csv")
    load_silver(wh, landing)
    counts = per_object(wh).set_index("object")
    assert set(counts.index) == {f"salesforce/{name}" for name in files}
    for name, f in files.items():
        row = counts.loc[f"salesforce/{name}"]
        assert row.rows_in == records(f), f.name
        assert row.loaded >= 0.99 * row.rows_in, (f.name, row.to_dict())
        assert row.rows_in == row.loaded + row.quarantined + row.duplicates, f.name


def test_a_salesforce_cli_dump_reaches_silver_whole(warehouse_url: str, tmp_path: Path) -> None:
    wh = Warehouse(warehouse_url)
    try:
        # Every object of the dump, custom ones included, reaches silver, every record of it.
        load_whole(wh, tmp_path, {f.stem: f for f in sorted(DEMO.glob("*.csv"))})
        # Amounts and dates equal the file's; stages are the org's own, as they came.
        source = pd.read_csv(DEMO / "Opportunity.csv", dtype=str, encoding="utf-8-sig").set_index("Id")
        with wh.engine.connect() as conn:
            silver = pd.DataFrame(
                conn.exec_driver_sql(
                    "SELECT opportunity_id, amount, close_date, stage_name FROM silver.opportunity"
                ).all(),
                columns=["id", "amount", "close_date", "stage_name"],
            ).set_index("id")
            flags = conn.exec_driver_sql("SELECT check_name, count(*) FROM meta.flags GROUP BY check_name").all()
            branch = conn.exec_driver_sql("SELECT count(*) FROM silver.branch__c").scalar_one()
            inferred = wh.column_types(conn, "silver", "task")
        assert len(silver) == len(source)
        assert all(len(i) == 18 for i in silver.index)
        for opp_id, row in source.iterrows():
            got = silver.loc[opp_id]
            assert float(got.amount) == pytest.approx(float(row.Amount)), opp_id
            assert str(got.close_date)[:10] == row.CloseDate and got.stage_name == row.StageName
        assert branch == records(DEMO / "Branch__c.csv")
        # A custom object's and a non-catalogue object's columns are typed by name and value.
        assert inferred["is_closed"] == "BOOLEAN" and inferred["activity_date"] == "DATE"
        assert inferred["created_date"] == "TIMESTAMP WITH TIME ZONE" and inferred["who_id"] == "TEXT"
        # Owners were not exported: not checked against an empty User table, so nothing is unresolved.
        assert "unresolved" not in dict(flags)
    finally:
        wh.dispose()


def fivetran_object(path: Path) -> str:
    """`sf_opportunity_line_item_data.csv` → `OpportunityLineItem`; `sf_product_2_data.csv` → `Product2`."""
    stem = re.fullmatch(r"sf_(.+)_data", path.stem)
    assert stem
    return "".join(part.capitalize() for part in stem.group(1).split("_"))


def test_a_managed_connectors_tables_reach_silver_whole(tmp_path: Path) -> None:
    files = sorted(f for f in FIVETRAN.glob("sf_*_data.csv") if "_history_" not in f.name)
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    try:
        load_whole(wh, tmp_path, {fivetran_object(f): f for f in files})
        with wh.engine.connect() as conn:
            flags = dict(conn.exec_driver_sql("SELECT check_name, count(*) FROM meta.flags GROUP BY 1").all())
            hashed = conn.exec_driver_sql(
                "SELECT count(*) FROM meta.flags WHERE table_name = 'account' AND column_name = 'owner_id' "
                "AND check_name = 'parse_id'"
            ).scalar_one()
            owners = sorted(r[0] for r in conn.exec_driver_sql("SELECT owner_id FROM silver.account").all())
            accounts = conn.exec_driver_sql("SELECT count(*) FROM silver.account").scalar_one()
            log = ledger.source_fields(conn, "salesforce/Account", 1)
        # No SystemModstamp: each record is kept, versioned by file order, and says so.
        assert flags.get("no_cursor", 0) >= accounts
        # The hashed owner Ids are not Ids: kept as they came, each flagged with its value.
        source = pd.read_csv(FIVETRAN / "sf_account_data.csv", dtype=str)
        assert owners == sorted(source["owner_id"]) and hashed == len(source)
        assert log == {}  # files carry no describe
    finally:
        wh.dispose()
