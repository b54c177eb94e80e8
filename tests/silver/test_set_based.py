"""Silver typed in the warehouse equals silver typed record by record, on DuckDB and PostgreSQL.

The same bronze goes through `build_all(set_based=True)` and `build_all(set_based=False)` (every record through
`conform`, the semantics the other silver tests pin), and every silver and quarantine table, the flags and the
load log must be the same, row for row. The exports are a generated org with defects, the messy files, the
foreign-shaped org, a real org's CLI dump, and a file of values on each edge of what SQL reads by itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from fauxforce.bronze import land as bronze
from fauxforce.connectors import get_connector
from fauxforce.core import ledger
from fauxforce.core.salesforce import to_18
from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.org import Options, generate_org
from fauxforce.silver.build import SilverResult, build_all
from tests.conftest import postgres_database
from tests.silver import test_messy_files as messy
from tests.silver.test_foreign_org import foreign_org, write
from tests.silver.test_realworld import DEMO


def sfid(prefix: str, n: int) -> str:
    return to_18(f"{prefix}5g{n:010d}")


ACCOUNT = "0015g"
WS = "\u00a0"  # a no-break space: whitespace to Python, not to SQL's trim()


def edges(root: Path) -> None:
    """One account per edge: a value SQL reads itself beside one it must leave to `conform`."""
    base = {"IsDeleted": "false", "Name": "Edge", "CreatedDate": "2026-01-01T00:00:00Z"}
    values: list[dict[str, str]] = [
        {"Id": sfid("001", 1)[:15]},  # a 15-character Id gets its checksum
        {"Id": sfid("001", 2).upper()},  # recased: only the checksum tells the case back
        {"Id": sfid("001", 3), "ParentId": "000000000000000AAA"},  # the all-zero Id is no lookup
        {"Id": sfid("001", 4), "ParentId": sfid("001", 1)[:15]},  # a lookup within the batch, in 15 characters
        {"Id": sfid("001", 5), "ParentId": sfid("001", 99)},  # an unresolved lookup: flagged
        {"Id": sfid("001", 6), "SystemModstamp": "2026-01-02T03:04:05.123456+05:30"},
        {"Id": sfid("001", 7), "SystemModstamp": "2026-01-02 03:04:05"},  # no offset: UTC
        {"Id": sfid("001", 8), "SystemModstamp": "2026-01-02T03:04:05.1234567Z"},  # seven digits of a second
        {"Id": sfid("001", 9), "SystemModstamp": "2023-02-29T00:00:00Z"},  # no such day: quarantined
        {"Id": sfid("001", 10), "SystemModstamp": "2024-02-29T00:00:00-0800"},  # a leap day
        {"Id": sfid("001", 11), "SystemModstamp": "01/02/26 09:30 PM"},  # US spreadsheet text
        {"Id": sfid("001", 12), "SystemModstamp": "2026-01-02T24:00:00Z"},
        {"Id": sfid("001", 13), "NumberOfEmployees": "1234567890123456"},  # 16 digits
        {"Id": sfid("001", 14), "NumberOfEmployees": "12.0"},
        {"Id": sfid("001", 15), "NumberOfEmployees": "-0"},
        {"Id": sfid("001", 16), "AnnualRevenue": "2.675"},  # three decimals: rounded as `conform` rounds
        {"Id": sfid("001", 17), "AnnualRevenue": "-1234567890123.45"},
        {"Id": sfid("001", 18), "AnnualRevenue": "$1,234.50"},
        {"Id": sfid("001", 19), "BillingLatitude": "0.1234567890123456789"},
        {"Id": sfid("001", 20), "BillingLatitude": "-45.5", "BillingLongitude": "1e3"},
        {"Id": sfid("001", 21), "IsDeleted": "TRUE", "Name": f"{WS}Padded{WS}"},
        {"Id": sfid("001", 22), "IsDeleted": "", "Name": "Tab\tinside", "Description": "line\nbreak"},
        {"Id": sfid("001", 23), "IsDeleted": "maybe", "Name": " spaced "},
        {"Id": sfid("001", 24), "Name": "N/A"},  # a required value given as a null token
        {"Id": sfid("001", 25), "Description": "NULL", "Website": "#n/a"},
        {"Id": sfid("001", 26), "Name": "Ünïcödé ÆØÅ 東京", "Description": "\u3000ideographic\u3000"},
        {"Id": sfid("001", 27), "Phone": "(613) 727-2586", "BillingCountry": "Canada"},
        {"Id": sfid("001", 28), "Phone": "(613) 727-2586", "BillingCountry": "Deutschland"},
        {"Id": sfid("001", 29), "Phone": "+44 20 7946 0958", "Fax": "+49 (0)30 1234567"},
        {"Id": sfid("001", 30), "Phone": "030 1234567", "BillingCountry": "DE", "ShippingCountry": "Narnia"},
        {"Id": sfid("001", 31), "Phone": "555-0100", "Fax": "1 (212) 555-0100"},
        {"Id": sfid("001", 32), "ERP_Customer_Number__c": " c0000001 "},
        {"Id": sfid("001", 33), "ERP_Customer_Number__c": "c-0000002", "Website": "x@y.example"},
        {"Id": sfid("001", 34), "CreatedDate": "2026-01-01T00:00:00Z", "SystemModstamp": "2026-01-03T00:00:00Z"},
        {"Id": sfid("001", 34), "CreatedDate": "2026-01-01T00:00:00Z", "SystemModstamp": "2026-01-02T00:00:00Z"},
        {"Id": sfid("001", 35), "SystemModstamp": "2026-01-02T00:00:00Z", "Name": "first of a tie"},
        {"Id": sfid("001", 35), "SystemModstamp": "2026-01-02T00:00:00Z", "Name": "second of a tie"},
        {"Id": sfid("001", 36).lower(), "Name": "recased in a later row"},
        {"Id": sfid("001", 36), "Name": "as it is", "SystemModstamp": "2026-01-01T00:00:00Z"},
        {"Id": f" {sfid('001', 37)}", "Name": "a key to trim"},
        {"Id": sfid("001", 37), "Name": "the same key", "SystemModstamp": "2026-01-05T00:00:00Z"},
        {"Id": "not-an-id", "Name": "no key"},
    ]
    rows = [{**base, "SystemModstamp": "2026-01-01T00:00:00Z", **v} for v in values]
    write(root / "salesforce" / "Account.csv", rows)
    write(
        root / "salesforce" / "Contact.csv",
        [
            {
                "Id": sfid("003", 1),
                "AccountId": sfid("001", 1),
                "LastName": "Doe",
                "Email": "Jane.DOE@Example.COM",
                "Birthdate": "1990-05-17T00:00:00Z",
                "CreatedDate": "2026-01-01T00:00:00Z",
                "SystemModstamp": "2026-01-01T00:00:00Z",
            },
            {
                "Id": sfid("003", 2),
                "AccountId": sfid("001", 2),
                "LastName": "Roe",
                "Email": "josé@exämple.com",
                "Birthdate": "1990-02-30",
                "CreatedDate": "2026-01-01T00:00:00Z",
                "SystemModstamp": "2026-01-01T00:00:00Z",
            },
            {
                "Id": sfid("003", 3),
                "AccountId": "",
                "LastName": "Poe",
                "Email": "not an address",
                "Birthdate": "19900517",
                "CreatedDate": "2026-01-01T00:00:00Z",
                "SystemModstamp": "",
            },
        ],
    )
    write(
        root / "erp" / "invoices.csv",
        [
            {"invoice_number": "inv-1", "customer_number": "C1", "invoice_date": "2026-01-02", "due_date": "0"},
            {"invoice_number": "INV-2", "customer_number": "C1", "invoice_date": "00000000", "due_date": "2026-13-01"},
            {"invoice_number": "INV-3", "customer_number": "C1", "invoice_date": "2026-01-02", "amount": "-5"},
        ],
    )


def dirty_org(root: Path) -> None:
    generate_org(Options(out=root, seed=11, scale=0.02, as_of=dt.date(2026, 6, 30), dirty=0.05))


def messy_files(root: Path) -> None:
    files = {
        "salesforce/User.csv": messy.USERS.encode("utf-8"),
        "salesforce/Account.csv": messy.ACCOUNTS.encode("utf-8"),
        "salesforce/Contact.csv": messy.CONTACTS.encode("utf-8"),
        "2026-01-06/salesforce/Contact.csv": messy.CONTACTS_NEXT_DAY.encode("utf-8"),
        "erp/customers.csv": messy.CUSTOMERS.encode("cp1252"),
        "erp/sales_orders.csv": messy.ORDERS.encode("utf-8"),
        "erp/invoices.csv": messy.INVOICES.encode("utf-8"),
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)


def demo_org_dump(root: Path) -> None:
    """The Salesforce CLI dump of a demo org (../shared/realworld), as a landing folder."""
    if not DEMO.is_dir():
        pytest.skip("../shared/realworld is not on this machine")
    (root / "salesforce").mkdir(parents=True)
    for path in DEMO.glob("*.csv"):
        shutil.copy(path, root / "salesforce" / path.name)


def land(wh: Warehouse, root: Path) -> None:
    ledger.prepare(wh)
    connector = get_connector("csv", landing=root)
    for ref in connector.objects():
        bronze.land_object(wh, connector, ref, "csv")


def contents(wh: Warehouse) -> dict[str, pd.DataFrame]:
    """Every silver and quarantine table, the flags and the load log, without the times they were written."""
    out = {}
    with wh.engine.connect() as conn:
        names = [(s, t) for s in ("silver", "quarantine") for t in wh.tables(conn, s)]
        for schema, table in [*names, ("meta", "flags"), ("meta", "load_log")]:
            if schema not in wh.schemas_with(conn, table):
                continue
            result = conn.exec_driver_sql(f"SELECT * FROM {wh.q(schema, table)}")
            frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
            frame = frame.drop(columns=[c for c in frame.columns if c in TIMES])
            for column in frame.columns:  # an instant, whatever the session's time zone
                present = frame[column].dropna()
                if len(present) and isinstance(present.iloc[0], dt.datetime) and present.iloc[0].tzinfo:
                    frame[column] = pd.to_datetime(frame[column], utc=True)
            frame = frame.astype("string").fillna("<null>")
            out[f"{schema}.{table}"] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return out


TIMES = ("_loaded_at", "quarantined_at", "flagged_at", "started_at", "finished_at", "source_uri", "_source_uri")
EXPORTS: dict[str, Callable[[Path], None]] = {
    "edges": edges,
    "dirty org": dirty_org,
    "messy files": messy_files,
    "foreign org": foreign_org,
    "demo org dump": demo_org_dump,
}


@pytest.mark.parametrize("export", list(EXPORTS))
def test_silver_in_sql_equals_silver_record_by_record(export: str, warehouse_url: str, tmp_path: Path) -> None:
    EXPORTS[export](tmp_path / "landing")
    results: dict[bool, list[SilverResult]] = {}
    seen: dict[bool, dict[str, pd.DataFrame]] = {}
    with contextlib.ExitStack() as stack:
        for set_based in (False, True):
            url = warehouse_url
            if set_based:  # a second warehouse of the same kind
                duck = warehouse_url.startswith("duckdb")
                url = f"duckdb:///{tmp_path / 'in_sql.duckdb'}" if duck else stack.enter_context(postgres_database())
            wh = Warehouse(url)
            if set_based and not duck:  # a server in another time zone: a time without an offset is still UTC
                with wh.engine.begin() as conn:
                    conn.exec_driver_sql(f"ALTER DATABASE {wh.engine.url.database} SET timezone TO 'Asia/Kolkata'")
                wh.dispose()
            try:
                land(wh, tmp_path / "landing")
                results[set_based], _ = build_all(wh, set_based=set_based)
                seen[set_based] = contents(wh)
            finally:
                wh.dispose()
    assert seen[True].keys() == seen[False].keys()
    for name, expected in seen[False].items():
        pd.testing.assert_frame_equal(seen[True][name], expected, obj=name)
    rows = sum(r.rows_in for r in results[True])
    conformed = sum(r.conformed for r in results[True])
    assert sum(r.conformed for r in results[False]) == rows  # the reference took every record itself
    assert 0 < conformed < rows  # both ways were taken: some records typed in SQL, some in Python
    if export == "dirty org":
        assert conformed < 0.5 * rows, (conformed, rows)
