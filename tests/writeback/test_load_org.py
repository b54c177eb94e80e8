"""`fauxforce load-org` against the mock org's Bulk API 2.0 ingest, through the real simple-salesforce client: a
generated org loaded and read back gives the export's silver; interrupted loads (aborted and failed jobs, row
failures, a used-up API limit) finish on a re-run with every record exactly once; a dry run writes nothing."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from fauxforce.cli import main
from fauxforce.connectors.salesforce import SalesforceConnector
from fauxforce.core.catalogue import BY_REF, ObjectRef
from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.org import generate
from fauxforce.mock.org import MockOrg
from fauxforce.mock.server import MockSalesforce
from fauxforce.writeback import load
from tests.conftest import load_silver
from tests.connectors.test_salesforce import load_live, settings_for, table
from tests.connectors.test_salesforce_foreign import live
from tests.silver.test_realworld import DEMO

KEY = "Fauxforce_Id__c"


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("load") / "org"
    generate(out, scale=0.05)
    return out


@pytest.fixture
def sandbox(export: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockSalesforce]:
    """A fresh, empty sandbox of the export's org (same objects and fields, an external id on each)."""
    org = MockOrg.from_landing(export).sandbox(KEY)
    with MockSalesforce(org, tmp_path_factory.getbasetemp() / "sf-certs") as server:
        yield server


def loader(mock: MockSalesforce, wh: Warehouse, **kwargs: object) -> load.Loader:
    sf = SalesforceConnector(settings=settings_for(mock), backoff=0.01)
    return load.Loader(sf, wh, poll=0, **kwargs)  # type: ignore[arg-type]


def expected(export: Path, plan: load.Plan) -> dict[str, set[str]]:
    """The external ids each loaded object must hold: the export's records that are not deleted."""
    return {p.name: {r["Id"] for r in p.rows} for p in plan.objects}


def held(mock: MockSalesforce, name: str) -> Counter[str]:
    """How many records of `name` the org holds per external id."""
    return Counter(str(r[KEY]) for r in mock.org.objects[name].records if r.get(KEY))


def test_a_generated_org_loaded_and_read_back_gives_the_exports_silver(
    export: Path, sandbox: MockSalesforce, tmp_path: Path
) -> None:
    ledger_wh = Warehouse(f"duckdb:///{tmp_path / 'ledger.duckdb'}")
    run = loader(sandbox, ledger_wh)
    plan = load.prepare(export, run.sf)
    names = [p.name for p in plan.objects]
    # parents before children; the org's own history and users stay behind, each with its reason
    assert names.index("Account") < names.index("Contact") < names.index("OpportunityContactRole")
    assert names.index("Opportunity") < names.index("OpportunityLineItem")
    assert plan.skipped["OpportunityHistory"] == "the org writes it itself" and "User" in plan.skipped
    assert set(plan.objects[names.index("Account")].links) == {"ParentId"}  # a self-lookup: second step
    results = run.run(plan)
    assert sum(r.not_landed for r in results) == 0
    for name, ids in expected(export, plan).items():
        assert held(sandbox, name) == Counter(ids), name  # every record exactly once
    files = load.read_export(export)

    from_files, read_back = (Warehouse(f"duckdb:///{tmp_path / n}.duckdb") for n in ("files", "org"))
    try:
        load_silver(from_files, export)
        load_live(read_back, live(sandbox, ",".join(names)), export)
        org_ids = {}  # the org's Id of each record → its Id in the export
        for p in plan.objects:
            org_ids |= {str(r["Id"]): str(r[KEY]) for r in sandbox.org.objects[p.name].records}
        compared = 0
        for p in plan.objects:
            t = BY_REF[ObjectRef("salesforce", p.name)]
            sent = [c for c in t.columns if c.source in p.fields or c.source in p.refs or c.source in p.links]
            # what is not compared is exactly what the plan says the org sets, and the key
            header = set(files[p.name][0])
            assert {c.source for c in t.columns} & header - {c.source for c in sent} <= set(p.left_out) | {"Id"}
            a, b = table(from_files, "silver", t.name), table(read_back, "silver", t.name)
            key = t.by_source["Id"].name
            b[key] = b[key].map(org_ids)
            for c in sent:
                if c.source in p.refs or c.source in p.links:
                    b[c.name] = b[c.name].map(lambda v: org_ids.get(v, v) if isinstance(v, str) else v)
            columns = [key] + [c.name for c in sent]
            a = a[a[key].isin({r["Id"] for r in p.rows})]  # deleted records are not loaded (the plan says so)
            a = a[columns].sort_values(key).reset_index(drop=True)
            b = b[columns].sort_values(key).reset_index(drop=True)
            pd.testing.assert_frame_equal(a, b, obj=p.name, check_dtype=False)
            compared += len(a) * len(columns)
        assert compared > 100_000
    finally:
        for wh in (from_files, read_back, ledger_wh):
            wh.dispose()


def test_an_interrupted_load_then_a_rerun_lands_every_record_exactly_once(
    export: Path, sandbox: MockSalesforce, warehouse_url: str
) -> None:
    wh = Warehouse(warehouse_url)  # the ledger, on each engine
    run = loader(sandbox, wh, rows_per_job=400)
    plan = load.prepare(export, run.sf)
    want = expected(export, plan)
    try:
        # 1: the first job fails every 7th row and is aborted after 300; a later one ends Failed after 50
        sandbox.faults.ingest_fail_every, sandbox.faults.ingest_abort_after = 7, 300
        first = {r.object: r for r in run.run(plan) if r.step == "records"}
        account = first["Account"]
        assert account.failed == 300 // 7 and account.unprocessed == 100 and "Aborted" in account.job_states
        assert sum(r.not_landed for r in first.values()) > account.not_landed  # children of what did not land
        assert any("INVALID_FIELD" in code for r in first.values() for code in r.errors)
        sandbox.faults.ingest_fail_after = 50
        second = run.run(plan)
        assert "Failed" in second[0].job_states and second[0].unprocessed > 0
        # 3: no fault; only what did not land is sent, and afterwards every record is there once
        third = run.run(plan)
        assert sum(r.not_landed for r in third) == 0
        assert sum(r.sent for r in third) < sum(len(v) for v in want.values())
        for name, ids in want.items():
            assert held(sandbox, name) == Counter(ids), name
        # the ledger matched each record to its result by key, not by the (shuffled) order of the results
        with wh.engine.connect() as conn:
            ledger = dict(
                conn.exec_driver_sql(
                    "SELECT external_id, sf_id FROM meta.load_rows WHERE object = 'Contact' AND step = 'records'"
                ).all()
            )
            states = {s for (s,) in conn.exec_driver_sql("SELECT DISTINCT state FROM meta.load_jobs").all()}
        assert ledger == {r[KEY]: r["Id"] for r in sandbox.org.objects["Contact"].records}
        assert {"Aborted", "Failed", "JobComplete"} <= states
        assert sum(r.sent for r in run.run(plan)) == 0  # nothing changed: nothing is sent again
    finally:
        wh.dispose()


def test_a_load_stops_before_the_api_limit_and_a_rerun_finishes_it(
    export: Path, sandbox: MockSalesforce, tmp_path: Path
) -> None:
    wh = Warehouse(f"duckdb:///{tmp_path / 'ledger.duckdb'}")
    run = loader(sandbox, wh)
    plan = load.prepare(export, run.sf)
    try:
        sandbox.faults.request_limit = sandbox.api_calls + 40  # room for two or three jobs
        with pytest.raises(load.LoadStopped, match="daily API calls left"):
            run.run(plan)
        landed = {name for name in expected(export, plan) if held(sandbox, name)}
        assert landed and landed != set(expected(export, plan))
        sandbox.faults.request_limit = None  # the next day
        assert sum(r.not_landed for r in run.run(plan)) == 0
        for name, ids in expected(export, plan).items():
            assert held(sandbox, name) == Counter(ids), name
    finally:
        wh.dispose()


def env_for(mock: MockSalesforce, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = settings_for(mock)
    monkeypatch.setenv("SALESFORCE_LOGIN_URL", mock.instance_url)
    monkeypatch.setenv("SALESFORCE_CA_BUNDLE", str(mock.keys.ca_file))
    monkeypatch.setenv("SALESFORCE_USERNAME", str(settings.salesforce_username))
    for name in ("password", "security_token"):
        value = getattr(settings, f"salesforce_{name}")
        monkeypatch.setenv(f"SALESFORCE_{name.upper()}", value.get_secret_value())
    monkeypatch.setenv("FAUXFORCE_WAREHOUSE_URL", f"duckdb:///{tmp_path / 'ledger.duckdb'}")


def test_the_command_dry_run_then_load_with_anchored_dates(
    export: Path,
    sandbox: MockSalesforce,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env_for(sandbox, monkeypatch, tmp_path)
    assert main(["load-org", str(export), "--objects", "Account,Opportunity", "--dry-run"]) == 0
    out = capsys.readouterr().out
    accounts = sum(1 for r in load.read_export(export)["Account"][1] if r["IsDeleted"] != "true")
    assert f"{accounts:,}: {accounts:,} to create, 0 to update" in out
    assert "not loaded: Contact (not selected)" in out and "dry run: about" in out and "fits" in out
    assert not sandbox.org.objects["Account"].records  # nothing written

    assert main(["load-org", str(export), "--objects", "Account,Opportunity", "--anchor-date", "2026-12-30"]) == 0
    out = capsys.readouterr().out
    assert "dates moved by +183 days (the export is as of 2026-06-30)" in out
    source = {r["Id"]: r for r in load.read_export(export)["Opportunity"][1]}
    for r in sandbox.org.objects["Opportunity"].records[:50]:
        was = pd.Timestamp(source[r[KEY]]["CloseDate"])
        assert pd.Timestamp(r["CloseDate"]) - was == pd.Timedelta(days=183)

    # a dry run after the load: the accounts are in the org now, and the ledger says they are unchanged
    assert main(["load-org", str(export), "--objects", "Account", "--anchor-date", "2026-12-30", "--dry-run"]) == 0
    assert f"{accounts:,}: 0 to create, 0 to update, {accounts:,} unchanged" in capsys.readouterr().out
    # the same export anchored elsewhere moves every deal's dates: the deals would be updated, none created;
    # accounts have no dates to move, so they stay unchanged
    assert main(["load-org", str(export), "--objects", "Account,Opportunity", "--dry-run"]) == 0
    out = capsys.readouterr().out
    deals = sum(1 for r in source.values() if r["IsDeleted"] != "true")
    assert f"{deals:,}: 0 to create, {deals:,} to update, 0 unchanged" in out
    assert f"{accounts:,}: 0 to create, 0 to update, {accounts:,} unchanged" in out


def test_an_org_without_the_external_id_field_is_one_line_and_writes_nothing(
    export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    org = MockOrg.from_landing(export).sandbox("Other_Key__c")
    with MockSalesforce(org, tmp_path / "certs") as mock:
        env_for(mock, monkeypatch, tmp_path)
        assert main(["load-org", str(export)]) == 1
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and "no external id field Fauxforce_Id__c" in err and "Account" in err
        assert not any(o.records for n, o in mock.org.objects.items() if n != "User")
        monkeypatch.setenv("FAUXFORCE_SALESFORCE_EXTERNAL_ID", "Other_Key__c")
        assert main(["load-org", str(export), "--objects", "Account"]) == 0
        assert len(mock.org.objects["Account"].records) > 0


@pytest.mark.skipif(not DEMO.is_dir(), reason="../shared/realworld is not on this machine")
def test_a_real_cli_dump_loads_into_a_sandbox_of_its_org_with_its_references(tmp_path: Path) -> None:
    """A Salesforce CLI dump this project did not make (a flat folder, a BOM, custom objects, Tasks whose WhoId
    and WhatId point at several objects) loads whole, and each reference points at the same record it did."""
    landing = tmp_path / "landing"
    (landing / "salesforce").mkdir(parents=True)
    for f in DEMO.glob("*.csv"):
        shutil.copy(f, landing / "salesforce" / f.name)
    org = MockOrg.from_landing(landing).sandbox(KEY)
    wh = Warehouse(f"duckdb:///{tmp_path / 'ledger.duckdb'}")
    with MockSalesforce(org, tmp_path / "certs") as mock:
        run = loader(mock, wh)
        plan = load.prepare(DEMO, run.sf)  # the dump's own folder, as the CLI wrote it
        try:
            results = run.run(plan)
        finally:
            wh.dispose()
        assert sum(r.not_landed for r in results) == 0
        assert {p.name for p in plan.objects} >= {"Account", "Contact", "Branch__c", "Task", "Opportunity"}
        org_ids = {str(r["Id"]): str(r[KEY]) for o in mock.org.objects.values() for r in o.records if r.get(KEY)}
        checked = 0
        for p in plan.objects:
            assert held(mock, p.name) == Counter(r["Id"] for r in p.rows), p.name
            stored = {r[KEY]: r for r in mock.org.objects[p.name].records}
            for f in [*p.refs, *p.links]:
                for r in p.rows:
                    target = r[f] if plan.owner_of.get(r[f]) else None  # dangling ones are left empty
                    assert org_ids.get(stored[r["Id"]][f]) == target, (p.name, f)
                    checked += target is not None
        assert checked > 100
