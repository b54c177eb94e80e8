"""The `csv` connector reads a landing folder in the generator's layout, full or by day."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pyarrow as pa
import pytest

from fauxforce.connectors import ObjectRef, get_connector
from fauxforce.connectors.files import SourceFileError
from fauxforce.generators.org import Options, generate_org


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("files") / "landing"
    generate_org(Options(out=out, scale=0.01, days=30))
    return out


def test_lists_every_object_of_both_systems(landing: Path) -> None:
    refs = get_connector("csv", landing=landing).objects()
    assert ObjectRef("salesforce", "OpportunityLineItem") in refs and ObjectRef("erp", "sales_orders") in refs
    assert len(refs) == 26
    assert ObjectRef("salesforce", "OpportunityLineItem").table == "opportunity_line_item"


def test_a_file_is_one_batch_of_text_with_api_names(landing: Path) -> None:
    connector = get_connector("csv", landing=landing)
    (batch,) = list(connector.extract(ObjectRef("salesforce", "Opportunity"), lambda state: False))
    assert batch.data.column_names[:3] == ["Id", "IsDeleted", "AccountId"]
    data = batch.data.drop_columns(["_line_number", "_issue", "_raw"])
    assert all(pa.types.is_string(t) for t in data.schema.types)
    assert batch.data.column("_line_number").to_pylist()[:2] == [2, 3]  # the header is line 1
    assert batch.data.column("_issue").null_count == batch.data.num_rows
    assert batch.info["encoding"] == "utf-8" and batch.info["parser"] == "arrow"
    assert batch.state["file"] == "salesforce/Opportunity.csv" and len(batch.state["sha256"]) == 64
    assert batch.source_uri.startswith("file://")
    assert batch.data.column("CampaignId").null_count > 0  # empty fields are null, not ""
    assert list(connector.extract(ObjectRef("salesforce", "Opportunity"), lambda state: True)) == []


def test_day_folders_follow_the_full_export_in_date_order(tmp_path: Path) -> None:
    start = dt.date(2026, 1, 1)
    generate_org(
        Options(out=tmp_path / "l", scale=0.01, start=start, as_of=start + dt.timedelta(days=3), export="changes")
    )
    folders = [p.parent.parent.name for _, p in get_connector("csv", landing=tmp_path / "l").files()]
    assert folders == sorted(folders) and len(set(folders)) == 4


def test_parquet_is_read_as_text_too(tmp_path: Path) -> None:
    generate_org(Options(out=tmp_path / "p", scale=0.01, days=30, format="parquet"))
    (batch,) = get_connector("csv", landing=tmp_path / "p").extract(
        ObjectRef("salesforce", "Opportunity"), lambda s: False
    )
    data = batch.data.drop_columns(["_line_number", "_issue", "_raw"])
    assert all(pa.types.is_string(t) for t in data.schema.types)
    assert batch.info["encoding"] == "parquet" and batch.data.column("_line_number").null_count == data.num_rows
    assert batch.data.column("CreatedDate")[0].as_py().endswith(".000Z")
    assert batch.data.column("IsWon")[0].as_py() in {"true", "false"}


def test_errors_name_the_folder_or_file(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match="does not exist"):
        get_connector("csv", landing=tmp_path / "nowhere")
    with pytest.raises(ValueError, match=r"unknown source 'sap'"):
        get_connector("sap", landing=tmp_path)
    (tmp_path / "salesforce").mkdir()
    (tmp_path / "salesforce" / "Account.parquet").write_bytes(b"not parquet")
    connector = get_connector("csv", landing=tmp_path)
    (batch,) = connector.extract(ObjectRef("salesforce", "Account"), lambda s: False)  # the file is not read ...
    assert batch.data.num_rows == 0 and batch.error and "Account.parquet" in batch.error  # ... and says why


def test_the_landing_folder_rules(tmp_path: Path) -> None:
    """Data files in any case and gzipped are read; everything else is reported with its reason, and no link
    leads the reader out of the folder."""
    root = tmp_path / "landing"
    sf, erp, day = root / "salesforce", root / "erp", root / "2026-07-01" / "salesforce"
    for folder in (sf, erp, day, sf / "old", root / "backup"):
        folder.mkdir(parents=True)
    (sf / "Account.CSV").write_text("Id,Name\n001A,Acme\n")
    (sf / "Contact.csv.gz").write_bytes(gzip.compress(b"Id,LastName\n003A,Ng\n003B,Li\n"))
    (sf / "notes.txt").write_text("not data")
    (sf / "old" / "Account.csv").write_text("Id,Name\n001Z,Old\n")
    (erp / "customers.csv").write_text("customer_number\nC1\n")
    (day / "Account.csv").write_text("Id,Name\n001B,Beta\n")
    (root / "README.md").write_text("about this export")
    (root / "manifest.json").write_text("{}")
    outside = tmp_path / "secret.csv"
    outside.write_text("user,password\nroot,hunter2\n")
    (sf / "Secret.csv").symlink_to(outside)
    (root / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    (root / "cases.csv").write_text("Id\n500A\n")
    (sf / "Case.csv").symlink_to(root / "cases.csv")  # a link inside the folder is fine

    connector = get_connector("csv", landing=root)
    assert [(str(r), p.relative_to(root).as_posix()) for r, p in connector.files()] == [
        ("salesforce/Account", "salesforce/Account.CSV"),
        ("salesforce/Case", "salesforce/Case.csv"),
        ("salesforce/Contact", "salesforce/Contact.csv.gz"),
        ("erp/customers", "erp/customers.csv"),
        ("salesforce/Account", "2026-07-01/salesforce/Account.csv"),
    ]
    skipped = dict(connector.skipped())
    assert skipped == {
        "README.md": "a file outside salesforce/ and erp/",
        "backup": "a folder that is neither salesforce nor erp nor a day (YYYY-MM-DD)",
        "cases.csv": "a file outside salesforce/ and erp/",
        "elsewhere": "a link that leads outside the landing folder",
        "salesforce/Secret.csv": "a link that leads outside the landing folder",
        "salesforce/notes.txt": "not a .csv, .csv.gz or .parquet file",
        "salesforce/old": "a folder inside a system folder (only its files are read)",
    }
    (batch,) = connector.extract(ObjectRef("salesforce", "Contact"), lambda s: False)
    assert batch.data.column("LastName").to_pylist() == ["Ng", "Li"] and batch.info["compression"] == "gzip"
    batches = list(connector.extract(ObjectRef("salesforce", "Account"), lambda s: False))
    assert [b.data.column("Name").to_pylist() for b in batches] == [["Acme"], ["Beta"]]
