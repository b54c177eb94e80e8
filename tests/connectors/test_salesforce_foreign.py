"""A foreign org served live: the `salesforce` connector reads the objects the selection names, custom and
undeclared ones included, falls back to REST where Bulk refuses an object, reads an object without
SystemModstamp whole every run, and the org reaches silver typed by its describe, and gold."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fauxforce.bronze import land as bronze
from fauxforce.connectors.salesforce import SalesforceConnector, SalesforceSourceError
from fauxforce.core import ledger
from fauxforce.core.warehouse import Warehouse
from fauxforce.gold.build import build_gold
from fauxforce.mock.org import MockOrg
from fauxforce.mock.server import MockSalesforce
from fauxforce.silver.build import build_all, build_xref
from tests.connectors.test_salesforce import settings_for
from tests.silver.test_foreign_org import ACC1, TS, foreign_org, sfid, write


@pytest.fixture
def org(tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    foreign_org(landing)
    (landing / "2026-03-02").rename(tmp_path / "later")  # the mock serves one folder's files
    write(
        landing / "salesforce" / "Task.csv",
        [
            {
                "Id": sfid("00T", 1),
                "WhatId": ACC1,
                "WhoId": "",
                "Subject": "Anruf",
                "ActivityDate": "2026-03-05",
                "IsClosed": "false",
                "OwnerId": sfid("005", 9),
                "CreatedDate": TS.format(1),
                "SystemModstamp": TS.format(1),
            }
        ],
    )
    write(  # a custom object without SystemModstamp: nothing says what changed, so it is read whole
        landing / "salesforce" / "Territory__c.csv",
        [{"Id": sfid("a02", n), "Name": f"T{n}", "Quota__c": str(1000 * n)} for n in (1, 2)],
    )
    return landing


@pytest.fixture
def mock(org: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockSalesforce]:
    served = MockOrg.from_landing(org)
    served.no_bulk = {"Invoice__c"}
    with MockSalesforce(served, tmp_path_factory.getbasetemp() / "sf-certs") as server:
        yield server


def live(mock: MockSalesforce, objects: str | None = None) -> SalesforceConnector:
    settings = settings_for(mock).model_copy(update={"salesforce_objects": objects})
    return SalesforceConnector(settings=settings, bulk_threshold=0, bulk_poll=0, backoff=0.01)  # Bulk for all


def land(wh: Warehouse, sf: SalesforceConnector) -> dict[str, set[str]]:
    """Every selected object into bronze, then silver as the flow builds it; the APIs used, per object."""
    ledger.prepare(wh)
    apis: dict[str, set[str]] = {}
    for ref in sf.objects():
        bronze.land_object(wh, sf, ref, "salesforce")
    with wh.engine.connect() as conn:
        for obj, fmt in conn.exec_driver_sql("SELECT object, format FROM meta.ingested_files").all():
            apis.setdefault(obj, set()).add(json.loads(fmt).get("api", ""))
    build_all(wh)
    build_xref(wh)
    return apis


def test_a_foreign_org_read_live_reaches_silver_and_gold(mock: MockSalesforce, tmp_path: Path) -> None:
    sf = live(mock)
    names = [r.name for r in sf.objects()]
    # The declared objects first, in load order, then the others by name; every custom object by default.
    assert names == ["Account", "Opportunity", "Lead", "Invoice__c", "Task", "Territory__c"]
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    try:
        apis = land(wh, sf)
        assert apis["salesforce/Invoice__c"] == {"rest (no bulk)"} and apis["salesforce/Account"] == {"bulk2"}
        with wh.engine.connect() as conn:
            types = wh.column_types(conn, "silver", "invoice__c")
            invoice = conn.exec_driver_sql("SELECT account, total, paid, due_date FROM silver.invoice__c").one()
            task = conn.exec_driver_sql("SELECT what_id, subject, is_closed FROM silver.task").one()
            quarantined = conn.exec_driver_sql(
                "SELECT sum(rows_quarantined) FROM meta.load_log WHERE layer = 'silver'"
            ).scalar_one()
            no_cursor = conn.exec_driver_sql(
                "SELECT table_name, count(*) FROM meta.flags WHERE check_name = 'no_cursor' GROUP BY 1"
            ).all()
        # Typed by the org's describe: a custom lookup, an amount, a checkbox, a date.
        assert types["total"] == "DOUBLE" and types["paid"] == "BOOLEAN" and types["due_date"] == "DATE"
        assert invoice[0] == ACC1 and float(invoice[1]) == 1234.5 and invoice[2] is True
        assert task == (ACC1, "Anruf", False) and quarantined == 0
        assert sorted(no_cursor) == [("lead", 1), ("territory__c", 2)]  # kept, versioned by read order, and said so
        # Gold builds from a CRM alone, with the owners nobody exported as inferred members.
        result = build_gold(wh)
        assert result.tables["fact_opportunity"] == 2
        with wh.engine.connect() as conn:
            inferred = conn.exec_driver_sql("SELECT count(*) FROM gold.dim_user WHERE is_inferred").scalar_one()
        assert inferred >= 1
        # The object without SystemModstamp is read whole again; the others bring nothing new.
        again = {
            ref.name: sum(b.data.num_rows for b in sf.extract(ref, lambda s: False, since=TS.format(9)[:19] + "Z"))
            for ref in sf.objects()
        }
        assert again["Territory__c"] == 2 and again["Account"] == 0
    finally:
        wh.dispose()


def test_the_selection_chooses_objects_and_bad_patterns_are_one_line(mock: MockSalesforce) -> None:
    assert [r.name for r in live(mock, "default,!Task,!*__c").objects()] == ["Account", "Opportunity", "Lead"]
    assert [r.name for r in live(mock, "Task, Terr*").objects()] == ["Task", "Territory__c"]
    assert [r.name for r in live(mock, "!Lead").objects()] == [
        "Account",
        "Opportunity",
        "Invoice__c",
        "Task",
        "Territory__c",
    ]
    with pytest.raises(SalesforceSourceError, match="FAUXFORCE_SALESFORCE_OBJECTS: 'Acc ount'") as e:
        live(mock, "Acc ount")
    assert "\n" not in str(e.value)


def test_picklist_values_are_checked_against_the_orgs_own_describe(
    org: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    served = MockOrg.from_landing(org)
    stage = next(f for f in served.objects["Opportunity"].fields if f["name"] == "StageName")
    stage.update(type="picklist", picklistValues=[{"value": "Verhandlung", "active": True}])
    with MockSalesforce(served, tmp_path_factory.getbasetemp() / "sf-certs") as server:
        wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
        try:
            land(wh, live(server, "Opportunity"))
            with wh.engine.connect() as conn:
                flags = conn.exec_driver_sql(
                    "SELECT column_name, value FROM meta.flags WHERE check_name = 'picklist'"
                ).all()
                stages = sorted(r[0] for r in conn.exec_driver_sql("SELECT stage_name FROM silver.opportunity"))
        finally:
            wh.dispose()
    # The org's own list says `Verhandlung` only: the other stage is kept, and flagged.
    assert flags == [("stage_name", "Interés")] and stages == ["Interés", "Verhandlung"]
