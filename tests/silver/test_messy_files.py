"""Messy exports through bronze and silver, on DuckDB and PostgreSQL: each defect in a file, each fixed or quarantined.

One hand-written landing folder holds what Data Loader, weekly Data Export, spreadsheet and ERP
files really contain: other encodings, a BOM, CRLF, header spellings, checkbox and date formats,
currency amounts, null tokens, 15-character Ids, duplicates within and across files, keys with
stray spaces and other casing, a ragged row. Silver must hold the values they mean; what cannot be
read must be in quarantine with the file, line and column.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from fauxforce.core.warehouse import Warehouse
from tests.conftest import load_silver

USERS = (
    "ID,USERNAME,LASTNAME,EMAIL,ISACTIVE,CREATEDDATE,SYSTEMMODSTAMP,FAVOURITE_COLOUR__C\r\n"
    "0055g000002ZixsAAC,u@x.example,User,U@X.example,TRUE,2026-01-01T00:00:00+0000,2026-01-01T00:00:00+0000,teal\r\n"
)
ACCOUNTS = (  # snake_case header, BOM, CRLF, 1/0/empty checkboxes, US dates, NULL, a 15-character Id
    "\ufeffid,is_deleted,name,erp_customer_number_c,parent_id,annual_revenue,created_date,system_modstamp\r\n"
    '0015g000003ywsC,0,Acme Corp.,c-0000001,000000000000000AAA,"$1,234,500.00",'
    "01/02/26 09:30 AM,2026-01-02 09:30:00\r\n"
    " 0015g000003ywsDAAQ ,,Globex GmbH,NULL,,N/A,2026-01-02T00:00:00Z,2026-01-02T00:00:00Z\r\n"
    "0015g000003ywsEAAQ,1,Initech (old),,,null,2026-01-02T00:00:00Z,2026-01-02T00:00:00Z\r\n"
    "0015g000003ywsEAAQ,1,Initech Inc.,,,,2026-01-02T00:00:00Z,2026-01-03T00:00:00Z\r\n"
)
CONTACTS = (  # semicolon-delimited; Ids in both forms join; a ragged row; a quoted line break
    "Id;AccountId;LastName;Description__c;Birthdate;CreatedDate;SystemModstamp\n"
    '0035g000003IhElAAK;0015g000003ywsC;Smith;"likes\nline breaks";1990-05-17 00:00:00;2026-01-05;2026-01-05\n'
    "0035g000003IhEmAAK;0015g000003ywsCAAQ;Jones;;;2026-01-05;2026-01-05\n"
    "0035g000003IhEnAAK;0015g000003ywsCAAQ;Ragged;x;1990-01-01;2026-01-05;2026-01-05;extra\n"
    # no final newline; the account Id in upper case
    "0035g000003IhEoAAK;0015G000003YWSCAAQ;Upper;;05/18/1991;2026-01-05;2026-01-05"
)
CONTACTS_NEXT_DAY = (  # the same record again in a later file: one row in silver, the newer one
    "Id,AccountId,LastName,CreatedDate,SystemModstamp\n"
    "0035g000003IhEmAAK,0015g000003ywsCAAQ,Jones-Miller,2026-01-05,2026-01-06T08:00:00Z\n"
)
CUSTOMERS = (  # Windows-1252, keys with spaces and lower case, YYYYMMDD
    "CUSTOMER_NUMBER,Customer Name,credit_limit,created_at,updated_at\n"
    ' c0000001 ,Acmé Corporation,"50,000",2026-01-02 01:00:00,2026-01-02 01:00:00\n'
    "C0000002,Globex,N/A,2026-01-02 01:00:00,2026-01-02 01:00:00\n"
)
ORDERS = (
    "so_number,customer_number,order_date,order_total,status,shipped_at,created_at,updated_at\n"
    'so-00000001,C0000001,20260105,"1,250.00 USD",shipped,01/06/26 02:15 PM,2026-01-05 10:00:00,2026-01-06 14:15:00\n'
)
INVOICES = (
    "invoice_number,so_number,customer_number,invoice_date,due_date,amount,status,created_at,updated_at\n"
    'INV-1,SO-00000001,c0000001,20260106,0,"1,250.00",open,2026-01-06 00:00:00,2026-01-06 00:00:00\n'
)


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    files = {
        "salesforce/User.csv": USERS.encode("utf-8"),
        "salesforce/Account.csv": ACCOUNTS.encode("utf-8"),
        "salesforce/Contact.csv": CONTACTS.encode("utf-8"),
        "2026-01-06/salesforce/Contact.csv": CONTACTS_NEXT_DAY.encode("utf-8"),
        "erp/customers.csv": CUSTOMERS.encode("cp1252"),
        "erp/sales_orders.csv": ORDERS.encode("utf-8"),
        "erp/invoices.csv": INVOICES.encode("utf-8"),
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def frame(wh: Warehouse, sql: str) -> pd.DataFrame:
    with wh.engine.connect() as conn:
        result = conn.exec_driver_sql(sql)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def test_messy_exports_land_with_the_values_they_mean(warehouse_url: str, landing: Path) -> None:
    wh = Warehouse(warehouse_url)
    results = load_silver(wh, landing)
    # nothing lost: every record is loaded, a duplicate, or quarantined
    assert sum(r.rows_in for r in results) == 1 + 4 + 4 + 1 + 2 + 1 + 1
    assert sum(r.quarantined for r in results) == 1

    user = frame(wh, "SELECT * FROM silver.user")
    assert user["email"].tolist() == ["u@x.example"] and user["is_active"].tolist() == [True]
    bronze_user = frame(wh, "SELECT * FROM bronze.salesforce__user")
    assert {"Id", "Username", "FAVOURITE_COLOUR__C"} <= set(bronze_user.columns)  # mapped; the unknown kept

    acc = frame(wh, "SELECT * FROM silver.account ORDER BY account_id").set_index("account_id")
    assert list(acc.index) == ["0015g000003ywsCAAQ", "0015g000003ywsDAAQ", "0015g000003ywsEAAQ"]
    acme, globex, initech = (acc.loc[i] for i in acc.index)
    assert acme["is_deleted"] == False and globex["is_deleted"] == False  # noqa: E712  (0 and empty)
    assert initech["is_deleted"] == True and initech["name"] == "Initech Inc."  # noqa: E712  (newer of two)
    assert float(acme["annual_revenue"]) == 1_234_500.0 and pd.isna(globex["annual_revenue"])
    assert acme["erp_customer_number"] == "C-0000001" and pd.isna(globex["erp_customer_number"])
    assert pd.isna(acme["parent_id"])  # the all-zero lookup is no lookup
    assert pd.Timestamp(acme["created_date"]) == pd.Timestamp("2026-01-02 09:30:00", tz="UTC")

    contacts = frame(wh, "SELECT * FROM silver.contact ORDER BY contact_id").set_index("contact_id")
    assert set(contacts["account_id"]) == {"0015g000003ywsCAAQ"}  # 15-character, 18-character, upper case
    assert contacts.loc["0035g000003IhEmAAK", "last_name"] == "Jones-Miller"  # the later file's version
    assert pd.Timestamp(contacts.loc["0035g000003IhElAAK", "birthdate"]).date() == dt.date(1990, 5, 17)
    assert pd.Timestamp(contacts.loc["0035g000003IhEoAAK", "birthdate"]).date() == dt.date(1991, 5, 18)
    assert "0035g000003IhEnAAK" not in contacts.index
    bronze_contact = frame(wh, "SELECT * FROM bronze.salesforce__contact WHERE \"LastName\" = 'Smith'")
    assert bronze_contact["Description__c"][0] == "likes\nline breaks"

    q = frame(wh, "SELECT * FROM quarantine.contact")
    assert q["check_name"].tolist() == ["ragged_row"] and q["_line_number"].tolist() == [5]
    reason = q["reason"][0]
    assert reason.startswith("salesforce/Contact.csv line 5: 8 fields where the header has 7"), reason
    assert json.loads(q["record"][0])["_raw"][-1] == "extra"

    customers = frame(wh, "SELECT * FROM silver.customers ORDER BY customer_number").set_index("customer_number")
    assert list(customers.index) == ["C0000001", "C0000002"]
    assert customers.loc["C0000001", "customer_name"] == "Acmé Corporation"
    assert float(customers.loc["C0000001", "credit_limit"]) == 50_000.0
    order = frame(wh, "SELECT * FROM silver.sales_orders").iloc[0]
    assert order["so_number"] == "SO-00000001" and pd.Timestamp(order["order_date"]).date() == dt.date(2026, 1, 5)
    assert float(order["order_total"]) == 1250.0
    assert pd.Timestamp(order["shipped_at"]) == pd.Timestamp("2026-01-06 14:15:00", tz="UTC")
    invoice = frame(wh, "SELECT * FROM silver.invoices").iloc[0]
    assert (
        pd.isna(invoice["due_date"]) and float(invoice["amount"]) == 1250.0 and invoice["customer_number"] == "C0000001"
    )

    xref = frame(wh, "SELECT * FROM silver.customer_xref WHERE account_id = '0015g000003ywsCAAQ'")
    assert xref["customer_number"].tolist() == ["C0000001"] and xref["match_method"].tolist() == ["external_id"]

    files = frame(wh, "SELECT file, encoding, format FROM meta.ingested_files").set_index("file")
    assert files.loc["erp/customers.csv", "encoding"] == "cp1252"
    assert files.loc["salesforce/Account.csv", "encoding"] == "utf-8-sig"
    account_format = json.loads(files.loc["salesforce/Account.csv", "format"])
    assert account_format["newline"] == "CRLF" and account_format["columns"]["is_deleted"] == "IsDeleted"
    assert json.loads(files.loc["salesforce/Contact.csv", "format"])["delimiter"] == ";"
    wh.dispose()


def test_empty_and_header_only_files_land_as_empty_batches(warehouse_url: str, tmp_path: Path) -> None:
    root = tmp_path / "landing"
    (root / "erp").mkdir(parents=True)
    (root / "erp" / "warehouses.csv").write_bytes(b"")
    (root / "erp" / "suppliers.csv").write_bytes(b"\xef\xbb\xbfsupplier_id,supplier_name,created_at,updated_at\r\n")
    wh = Warehouse(warehouse_url)
    results = load_silver(wh, root)
    assert sum(r.rows_in for r in results) == 0  # no rows: nothing for silver to apply
    files = frame(wh, "SELECT file, row_count FROM meta.ingested_files ORDER BY file")
    assert files.values.tolist() == [["erp/suppliers.csv", 0], ["erp/warehouses.csv", 0]]  # remembered, not re-read
    (root / "2026-01-02" / "erp").mkdir(parents=True)
    (root / "2026-01-02" / "erp" / "warehouses.csv").write_text(
        "warehouse_code,warehouse_name,created_at,updated_at\nwh-01,Main,2026-01-02 00:00:00,2026-01-02 00:00:00\n"
    )
    load_silver(wh, root)
    assert frame(wh, "SELECT warehouse_code FROM silver.warehouses")["warehouse_code"].tolist() == ["WH-01"]
    wh.dispose()
