"""The mock org's Bulk API 2.0 ingest as the real simple-salesforce client drives it, on objects the generator
does not make: each row checked as the describe says, references by external id (polymorphic too), the
results unordered; and load-org's plan for such an org: cycles of lookups, polymorphic columns."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fauxforce.connectors.salesforce import Ingest, SalesforceConnector, SalesforceSourceError
from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.ids import ids_for
from fauxforce.mock.org import MockOrg, SObject
from fauxforce.mock.server import MockSalesforce
from fauxforce.writeback import load
from tests.connectors.test_salesforce import settings_for

KEY = "Fauxforce_Id__c"


def field(name: str, kind: str = "string", **facts: Any) -> dict[str, Any]:
    base = {"name": name, "label": name, "type": kind, "nillable": True, "createable": True, "updateable": True}
    return base | facts


def key() -> dict[str, Any]:
    return field(KEY, length=18, externalId=True, unique=True, idLookup=True)


def foreign_org() -> MockOrg:
    """Sites and site visits (a master-detail and a lookup back: a cycle), and tasks whose WhatId points at either."""
    system = [
        field("Id", "id", nillable=False, createable=False, updateable=False),
        field("IsDeleted", "boolean", createable=False, updateable=False),
        field("SystemModstamp", "datetime", createable=False, updateable=False),
    ]
    site = SObject(
        "Site__c",
        [
            *system,
            key(),
            field("Name", length=20, nillable=False),
            field(
                "Kind__c",
                "picklist",
                restrictedPicklist=True,
                picklistValues=[
                    {"value": "Büro", "active": True},
                    {"value": "Lager", "active": True},
                    {"value": "Alt", "active": False},
                ],
            ),
            field("Opened__c", "date"),
            field("Staff__c", "double"),
            field("Last_Visit__c", "reference", referenceTo=["Visit__c"], relationshipName="Last_Visit__r"),
        ],
        meta={"keyPrefix": "a01"},
    )
    visit = SObject(
        "Visit__c",
        [
            *system,
            key(),
            field("Site__c", "reference", nillable=False, referenceTo=["Site__c"], relationshipName="Site__r"),
            field("At__c", "datetime"),
        ],
        meta={"keyPrefix": "a02"},
    )
    task = SObject(
        "Task",
        [
            *system,
            key(),
            field("Subject"),
            field("WhatId", "reference", referenceTo=["Site__c", "Visit__c"], relationshipName="What"),
        ],
        meta={"keyPrefix": "00T"},
    )
    return MockOrg({o.name: o for o in (site, visit, task)})


@pytest.fixture
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockSalesforce]:
    with MockSalesforce(foreign_org(), tmp_path_factory.getbasetemp() / "sf-certs") as server:
        yield server


def ingest(mock: MockSalesforce) -> Ingest:
    return Ingest(SalesforceConnector(settings=settings_for(mock), backoff=0.01), poll=0)


def csv(*rows: str) -> str:
    return "\n".join(rows) + "\n"


def test_rows_are_checked_as_the_describe_says_and_results_come_back_by_key(mock: MockSalesforce) -> None:
    job = ingest(mock).run(
        "Site__c",
        "upsert",
        csv(
            f"{KEY},Name,Kind__c,Opened__c,Staff__c",
            "s1,Zürich,Büro,2026-01-31,12",
            "s2,Basel,Alt,,",  # an inactive value of a restricted picklist
            "s3,,Lager,,",  # a required field missing
            "s4,A name far longer than twenty,Lager,,",
            "s5,Bern,Lager,31/01/2026,",  # not a date
            "s6,Genf,Lager,,zwölf",  # not a number
            ",Chur,Lager,,",  # no external id
            "s8,Sion,Lager,,3.5",
        ),
        external_id=KEY,
    )
    assert job.state == "JobComplete" and job.processed == 8 and job.failed == 6
    ok = {r[KEY]: r for r in job.results["successfulResults"]}
    assert set(ok) == {"s1", "s8"} and all(r["sf__Created"] == "true" and r["sf__Id"][:3] == "a01" for r in ok.values())
    errors = {r[KEY]: r["sf__Error"].split(":")[0] for r in job.results["failedResults"]}
    assert errors == {
        "s2": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "s3": "REQUIRED_FIELD_MISSING",
        "s4": "STRING_TOO_LONG",
        "s5": "INVALID_FIELD_FOR_INSERT_UPDATE",
        "s6": "INVALID_FIELD_FOR_INSERT_UPDATE",
        "": "MISSING_ARGUMENT",
    }
    stored = {r[KEY]: r for r in mock.org.objects["Site__c"].records}
    assert stored["s1"]["Kind__c"] == "Büro" and stored["s1"]["Opened__c"] == "2026-01-31"
    assert stored["s1"]["Staff__c"] == 12.0 and stored["s1"]["IsDeleted"] is False

    # an upsert of the same key updates; #N/A empties a field; an empty value leaves it as it was
    again = ingest(mock).run("Site__c", "upsert", csv(f"{KEY},Name,Staff__c,Opened__c", "s1,Zürich HB,#N/A,"), KEY)
    assert again.results["successfulResults"][0]["sf__Created"] == "false"
    assert stored["s1"]["Name"] == "Zürich HB" and stored["s1"]["Staff__c"] is None
    assert stored["s1"]["Opened__c"] == "2026-01-31" and len(mock.org.objects["Site__c"].records) == 2


def test_references_by_external_id_polymorphic_ones_by_type(mock: MockSalesforce) -> None:
    client = ingest(mock)
    client.run("Site__c", "upsert", csv(f"{KEY},Name", "s1,Zürich", "s2,Basel"), KEY)
    visits = client.run(
        "Visit__c",
        "upsert",
        csv(f"{KEY},Site__r.{KEY},At__c", "v1,s1,2026-01-31T08:00:00.000Z", "v2,nope,", "v3,,"),
        KEY,
    )
    errors = {r[KEY]: r["sf__Error"] for r in visits.results["failedResults"]}
    assert errors["v2"].startswith("INVALID_FIELD:Foreign key external ID: nope not found")
    assert errors["v3"].startswith("REQUIRED_FIELD_MISSING")  # a master-detail is required
    sites = {r[KEY]: r["Id"] for r in mock.org.objects["Site__c"].records}
    (v1,) = mock.org.objects["Visit__c"].records
    assert v1["Site__c"] == sites["s1"] and v1["At__c"] == "2026-01-31T08:00:00.000+0000"
    tasks = client.run(
        "Task",
        "upsert",
        csv(f"{KEY},Subject,Site__c:What.{KEY},Visit__c:What.{KEY}", "t1,Call,s2,", "t2,Note,,v1"),
        KEY,
    )
    assert tasks.failed == 0
    what = {r[KEY]: r["WhatId"] for r in mock.org.objects["Task"].records}
    assert what == {"t1": sites["s2"], "t2": v1["Id"]}
    # what is written is read back by SOQL like any record
    sf = SalesforceConnector(settings=settings_for(mock))
    assert sf._records(f"SELECT {KEY}, WhatId FROM Task WHERE WhatId = '{v1['Id']}'")[0][KEY] == "t2"


def test_a_job_the_org_cannot_take_ends_failed_with_its_reason(mock: MockSalesforce) -> None:
    bad_column = ingest(mock).run("Site__c", "upsert", csv(f"{KEY},Nope__c", "s1,x"), KEY)
    assert bad_column.state == "Failed" and "Field name not found : Nope__c" in str(bad_column.error)
    read_only = ingest(mock).run("Site__c", "upsert", csv(f"{KEY},SystemModstamp", "s1,2026-01-01T00:00:00Z"), KEY)
    assert read_only.state == "Failed" and "Unable to create/update fields: SystemModstamp" in str(read_only.error)
    with pytest.raises(SalesforceSourceError, match="INVALIDJOB"):
        ingest(mock).run("Site__c", "upsert", csv("Name", "x"), "Name")  # not an external id
    assert not mock.org.objects["Site__c"].records


def test_the_plan_breaks_a_cycle_of_lookups_and_writes_polymorphic_columns(
    mock: MockSalesforce, tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "Site__c.csv").write_text("Id,Name,Last_Visit__c,IsDeleted\na01A,Zürich,a02A,false\na01B,Basel,,true\n")
    (folder / "Visit__c.csv").write_text("Id,Site__c,At__c\na02A,a01A,2026-01-31T08:00:00.000Z\n")
    (folder / "Task.csv").write_text("Id,Subject,WhatId\n00TA,Call,a01A\n00TB,Note,a02A\n00TC,Old,a01B\n")
    sf = SalesforceConnector(settings=settings_for(mock), backoff=0.01)
    plan = load.prepare(folder, sf)
    assert [p.name for p in plan.objects] == ["Site__c", "Visit__c", "Task"]
    site, visit, task = plan.objects
    assert list(site.links) == ["Last_Visit__c"] and site.deleted == 1  # the lookup that may be empty waits
    assert visit.refs == {"Site__c": [("Site__c", f"Site__r.{KEY}")]}
    assert task.refs["WhatId"] == [("Site__c", f"Site__c:What.{KEY}"), ("Visit__c", f"Visit__c:What.{KEY}")]
    assert task.dangling == {"WhatId": 1}  # points at a deleted site: left empty, and said so
    assert site.left_out == {"IsDeleted": "the org sets it"}
    wh = Warehouse(f"duckdb:///{tmp_path / 'ledger.duckdb'}")
    try:
        results = load.Loader(sf, wh, poll=0).run(plan)
    finally:
        wh.dispose()
    assert sum(r.not_landed for r in results) == 0
    org = mock.org.objects
    visit_id = org["Visit__c"].records[0]["Id"]
    (zurich,) = org["Site__c"].records
    assert zurich["Last_Visit__c"] == visit_id and org["Visit__c"].records[0]["Site__c"] == zurich["Id"]
    assert {r[KEY]: r["WhatId"] for r in org["Task"].records} == {"00TA": zurich["Id"], "00TB": visit_id, "00TC": None}


def test_a_cycle_of_required_lookups_is_one_clear_error() -> None:
    def required_lookup(to: str) -> dict[str, Any]:
        return field(to, "reference", nillable=False, referenceTo=[to], relationshipName=to.replace("__c", "__r"))

    describes = {
        "A__c": {"fields": [key(), required_lookup("B__c")]},
        "B__c": {"fields": [key(), required_lookup("A__c")]},
    }
    export = {
        "A__c": (["Id", "B__c"], [{"Id": "a1", "B__c": "b1"}]),
        "B__c": (["Id", "A__c"], [{"Id": "b1", "A__c": "a1"}]),
    }
    with pytest.raises(load.LoadError, match="form a cycle of required fields"):
        load.plan(export, describes, (KEY, {}))


def test_a_spreadsheet_mangled_export_loads_each_record_once(mock: MockSalesforce, tmp_path: Path) -> None:
    """15- and 18-character forms of one Id are one record; a repeated Id loads its last row; a row without an Id
    or deleted (`1`) is counted, not loaded."""
    site = ids_for("a01", np.array([7], dtype=np.int64))[0].as_py()
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "Site__c.csv").write_text(
        f"Id,Name,IsDeleted\n{site},Zürich old,0\n{site[:15]},Zürich,0\n,No key,0\na01000000000009AAA,Gone,1\n"
    )
    (folder / "Visit__c.csv").write_text(f"Id,Site__c\na02000000000001AAA,{site[:15]}\n")
    sf = SalesforceConnector(settings=settings_for(mock), backoff=0.01)
    plan = load.prepare(folder, sf)
    sites, visits = plan.objects
    assert (sites.repeated, sites.without_id, sites.deleted, len(sites.rows)) == (1, 1, 1, 1)
    assert visits.dangling == {}
    wh = Warehouse(f"duckdb:///{tmp_path / 'ledger.duckdb'}")
    try:
        assert sum(r.not_landed for r in load.Loader(sf, wh, poll=0).run(plan)) == 0
    finally:
        wh.dispose()
    (stored,) = mock.org.objects["Site__c"].records
    assert stored[KEY] == site and stored["Name"] == "Zürich"
    assert mock.org.objects["Visit__c"].records[0]["Site__c"] == stored["Id"]
