"""An org shaped unlike ours, built here: other objects, custom objects and fields, translated picklists, owners
that are queues or not exported, other currencies, a spreadsheet-saved export, and a parent that arrives a day
after its children. Silver keeps every record, flags what it cannot vouch for, and resolves late parents."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from fauxforce.core.policy import Policy
from fauxforce.core.warehouse import Warehouse
from fauxforce.silver.build import SilverPolicyError
from fauxforce.silver.parse import parse_id
from tests.conftest import load_silver


def sfid(prefix: str, n: int) -> str:
    """A valid 18-character Salesforce Id."""
    return str(parse_id(pd.Series([f"{prefix}Ec{n:010d}"]))[0].iloc[0])


ACC1, ACC2, LATE = sfid("001", 1), sfid("001", 2), sfid("001", 3)
QUEUE, USER = sfid("00G", 1), sfid("005", 9)  # a queue owns one account; no user is exported
TS = "2026-03-0{}T10:00:00.000+0000"


def write(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False)


def foreign_org(root: Path) -> None:
    audit = {"CreatedDate": TS.format(1), "SystemModstamp": TS.format(1)}
    write(
        root / "salesforce" / "Account.csv",
        [
            {
                "Id": ACC1,
                "Name": "Müller GmbH",
                "BillingCountry": "Deutschland",
                "Phone": "030 1234567",
                "OwnerId": QUEUE,
                "CurrencyIsoCode": "EUR",
                "AnnualRevenue": "1200000",
                "Region__c": "DACH",
                **audit,
            },
            {
                "Id": ACC2,
                "Name": "Lima SAC",
                "BillingCountry": "Perú",
                "Phone": "+51 1 4441234",
                "OwnerId": USER,
                "CurrencyIsoCode": "PEN",
                "AnnualRevenue": "",
                "Region__c": "LATAM",
                **audit,
            },
        ],
    )
    write(
        root / "salesforce" / "Opportunity.csv",
        [
            {
                "Id": sfid("006", 1),
                "AccountId": ACC1,
                "Name": "Rahmenvertrag",
                "StageName": "Verhandlung",
                "Amount": "50000",
                "CurrencyIsoCode": "EUR",
                "CloseDate": "2026-04-30",
                "IsClosed": "false",
                "IsWon": "false",
                "OwnerId": USER,
                **audit,
            },
            {
                "Id": sfid("006", 2),
                "AccountId": LATE,
                "Name": "Contrato",
                "StageName": "Interés",
                "Amount": "9000",
                "CurrencyIsoCode": "PEN",
                "CloseDate": "2026-05-31",
                "IsClosed": "false",
                "IsWon": "false",
                "OwnerId": USER,
                **audit,
            },
        ],
    )
    write(  # a custom object with a custom lookup to Account
        root / "salesforce" / "Invoice__c.csv",
        [
            {
                "Id": sfid("a01", 1),
                "Name": "INV-1",
                "Account__c": ACC1,
                "Total__c": "1234.50",
                "Paid__c": "true",
                "Due_Date__c": "2026-04-01",
                **audit,
            }
        ],
    )
    write(  # saved from a spreadsheet: US dates, no system columns
        root / "salesforce" / "Lead.csv",
        [
            {
                "Id": sfid("00Q", 1),
                "LastName": "Rossi",
                "Company": "Rossi Srl",
                "Status": "Aperto",
                "Country": "Italia",
                "ConvertedDate": "03/04/26",
            }
        ],
    )
    write(  # the next day brings the account the second opportunity points at
        root / "2026-03-02" / "salesforce" / "Account.csv",
        [
            {
                "Id": LATE,
                "Name": "Late Ltd",
                "BillingCountry": "UK",
                "OwnerId": USER,
                "CreatedDate": TS.format(2),
                "SystemModstamp": TS.format(2),
            }
        ],
    )


def query(wh: Warehouse, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    with wh.engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(sql).all()]


def test_a_foreign_org_reaches_silver_whole_and_flagged(warehouse_url: str, tmp_path: Path) -> None:
    foreign_org(tmp_path / "landing")
    wh = Warehouse(warehouse_url)
    try:
        results = load_silver(wh, tmp_path / "landing")
        assert sum(r.quarantined for r in results) == 0
        assert sum(r.loaded for r in results) == 2 + 2 + 1 + 1 + 1
        accounts = dict(query(wh, "SELECT account_id, billing_country_code FROM silver.account"))
        assert accounts == {ACC1: "DE", ACC2: "PE", LATE: "GB"}
        assert query(
            wh, f"SELECT phone, currency_iso_code, region FROM silver.account WHERE account_id = '{ACC1}'"
        ) == [("+49301234567", "EUR", "DACH")]
        stages = sorted(r[0] for r in query(wh, "SELECT stage_name FROM silver.opportunity"))
        assert stages == ["Interés", "Verhandlung"]  # the org's own picklist values, as they came
        invoice = query(wh, "SELECT account, total, paid, due_date FROM silver.invoice__c")
        assert invoice[0][0] == ACC1 and float(invoice[0][1]) == 1234.5 and invoice[0][2] is True
        assert str(invoice[0][3]) == "2026-04-01"
        lead = query(wh, "SELECT country_code, converted_date FROM silver.lead")
        assert lead[0][0] == "IT" and str(lead[0][1]) == "2026-03-04"
        flags = query(wh, "SELECT table_name, check_name, column_name, value FROM meta.flags ORDER BY 1, 2")
        # The spreadsheet's lead has no modification time: kept, and flagged so.
        assert ("lead", "no_cursor", "system_modstamp", None) in flags
        # The late account resolved its opportunity by itself; queues and unexported owners are not checked.
        assert not [f for f in flags if f[1] == "unresolved"], flags
    finally:
        wh.dispose()


def test_unresolved_flags_stay_until_the_parent_lands(tmp_path: Path) -> None:
    foreign_org(tmp_path / "landing")
    later = tmp_path / "landing" / "2026-03-02"
    later.rename(tmp_path / "held-back")
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    try:
        load_silver(wh, tmp_path / "landing")
        assert query(
            wh, "SELECT table_name, column_name, value, parent_table FROM meta.flags WHERE check_name = 'unresolved'"
        ) == [("opportunity", "account_id", LATE, "account")]
        (tmp_path / "held-back").rename(later)
        load_silver(wh, tmp_path / "landing")
        assert query(wh, "SELECT count(*) FROM meta.flags WHERE check_name = 'unresolved'") == [(0,)]
    finally:
        wh.dispose()


def test_rules_quarantine_or_stop_instead_of_flagging(tmp_path: Path) -> None:
    foreign_org(tmp_path / "landing")
    wh = Warehouse(f"duckdb:///{tmp_path / 'q.duckdb'}")
    try:
        results = load_silver(wh, tmp_path / "landing", "lead:no_cursor=quarantine")
        assert {r.object: r.quarantined for r in results if r.quarantined} == {"salesforce/Lead": 1}
        assert query(wh, "SELECT check_name FROM quarantine.lead") == [("no_cursor",)]
    finally:
        wh.dispose()
    wh = Warehouse(f"duckdb:///{tmp_path / 'f.duckdb'}")
    try:
        with pytest.raises(SilverPolicyError, match=r"salesforce/Lead batch \d+: the validation policy stops the run"):
            load_silver(wh, tmp_path / "landing", "Lead:no_cursor=fail")
        # The failing batch was not applied; the batches before it were.
        assert query(wh, "SELECT count(*) FROM silver.lead") == [(0,)]
        assert query(wh, "SELECT count(*) FROM silver.account")[0][0] > 0
    finally:
        wh.dispose()
    assert Policy.parse("Lead:no_cursor=fail").action("salesforce/Lead", "no_cursor") == "fail"


def test_a_multi_currency_org_never_sums_two_currencies(tmp_path: Path) -> None:
    from fauxforce.gold.build import build_gold

    foreign_org(tmp_path / "landing")  # two open deals: 50,000 EUR and 9,000 PEN
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    try:
        load_silver(wh, tmp_path / "landing")
        result = build_gold(wh)
        # No rates: the deals' most common currency reports (a tie: the first code); PEN stays apart.
        assert query(wh, "SELECT reporting_currency FROM gold.run_context") == [("EUR",)]
        got = query(wh, "SELECT currency, amount_in_currency, amount FROM gold.fact_opportunity ORDER BY 1")
        assert [(c, float(a), None if b is None else float(b)) for c, a, b in got] == [
            ("EUR", 50000.0, 50000.0),
            ("PEN", 9000.0, None),
        ]
        assert float(result.headline["open_pipeline"]) == 50000.0
        by_currency = query(
            wh, "SELECT currency_key, open_pipeline_in_currency, is_converted FROM gold.pipeline_by_currency ORDER BY 1"
        )
        assert [(c, float(p), ok) for c, p, ok in by_currency] == [("EUR", 50000.0, True), ("PEN", 9000.0, False)]
        # With the org's rates (per unit of its corporate currency), every deal converts.
        write(
            tmp_path / "landing" / "2026-03-03" / "salesforce" / "CurrencyType.csv",
            [
                {
                    "Id": sfid("02B", 1),
                    "IsoCode": "EUR",
                    "ConversionRate": "1",
                    "IsCorporate": "true",
                    "IsActive": "true",
                    "SystemModstamp": TS.format(3),
                },
                {
                    "Id": sfid("02B", 2),
                    "IsoCode": "PEN",
                    "ConversionRate": "4",
                    "IsCorporate": "false",
                    "IsActive": "true",
                    "SystemModstamp": TS.format(3),
                },
            ],
        )
        load_silver(wh, tmp_path / "landing")
        result = build_gold(wh)
        got = query(wh, "SELECT currency, amount FROM gold.fact_opportunity ORDER BY 1")
        assert [(c, float(a)) for c, a in got] == [("EUR", 50000.0), ("PEN", 2250.0)]
        assert float(result.headline["open_pipeline"]) == 52250.0
    finally:
        wh.dispose()


def test_fields_named_like_duckdb_keywords_reach_silver(warehouse_url: str, tmp_path: Path) -> None:
    """`At__c` is silver's `at`, `By__c` its `by`: words PostgreSQL takes bare and DuckDB does not."""
    audit = {"CreatedDate": TS.format(1), "SystemModstamp": TS.format(1)}
    write(
        tmp_path / "landing" / "salesforce" / "Visit__c.csv",
        [
            {"Id": sfid("a0V", 1), "Name": "V-1", "At__c": "2026-03-01", "By__c": "Ana", "Asof__c": "x", **audit},
            {"Id": sfid("a0V", 2), "Name": "V-2", "At__c": "2026-03-02", "By__c": "Ben", "Asof__c": "", **audit},
        ],
    )
    wh = Warehouse(warehouse_url)
    results = load_silver(wh, tmp_path / "landing")
    assert [(r.object, r.loaded, r.quarantined) for r in results] == [("salesforce/Visit__c", 2, 0)]
    with wh.engine.connect() as conn:
        rows = conn.exec_driver_sql(f"SELECT {wh.q('by')}, {wh.q('asof')} FROM silver.visit__c ORDER BY 1").all()
        assert [tuple(r) for r in rows] == [("Ana", "x"), ("Ben", None)]
        assert {"at", "by", "asof"} <= set(wh.columns(conn, "silver", "visit__c"))
    wh.dispose()
