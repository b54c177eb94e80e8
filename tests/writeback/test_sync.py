"""`fauxforce sync` with the shipped mapping (sync.yaml), against the mock org through the real simple-salesforce
client: after a second pipeline run only the Accounts whose gold values changed are sent, failed rows are sent
again on the next sync, deletes happen only when the mapping asks, and mistakes are one line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fauxforce.cli import main
from fauxforce.connectors.salesforce import SalesforceConnector
from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.org import Options, generate_org
from fauxforce.gold.build import build_gold
from fauxforce.mock.org import MockOrg
from fauxforce.mock.server import MockSalesforce
from fauxforce.writeback import sync
from fauxforce.writeback.load import Loader
from tests.conftest import load_silver
from tests.connectors.test_salesforce import settings_for
from tests.writeback.test_load_org import env_for

ROOT = Path(__file__).resolve().parents[2]
FIRST = dt.date(2026, 3, 31)
COMMON: dict[str, Any] = {"seed": 19, "scale": 0.03, "start": dt.date(2026, 1, 1)}
FIELDS = {  # what docs/writeback.md tells users to create on Account for the shipped mapping
    "Lifetime_Value__c": "currency",
    "Open_Receivables__c": "currency",
    "Last_Order_Date__c": "date",
    "ERP_Order_Count__c": "double",
    "Lifetime_Value_Tier__c": "string",
    "ERP_Status__c": "string",
}


@pytest.fixture(scope="module")
def landings(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The org's full export, the week's changes after it, and the org as it is at the end of that week."""
    root = tmp_path_factory.mktemp("sync")
    generate_org(Options(out=root / "full", as_of=FIRST, **COMMON))
    later = FIRST + dt.timedelta(days=7)
    generate_org(Options(out=root / "week", as_of=later, export="changes", since=FIRST, **COMMON))
    generate_org(Options(out=root / "org", as_of=later, **COMMON))
    return root / "full", root / "week", root / "org"


@pytest.fixture
def mock(landings: tuple[Path, Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockSalesforce]:
    """The org the exports came from, with the fields the mapping writes created on Account."""
    org = MockOrg.from_landing(landings[2])
    for name, kind in FIELDS.items():
        entry = {"name": name, "label": name, "type": kind, "custom": True, "nillable": True}
        org.objects["Account"].fields.append(entry | {"createable": True, "updateable": True, "length": 255})
    with MockSalesforce(org, tmp_path_factory.getbasetemp() / "sf-certs") as server:
        yield server


def holds(mock: MockSalesforce, header: list[str], rows: list[list[str]]) -> bool:
    """Whether each Account of `rows` holds in the org the values the sync sent (null as #N/A)."""
    records = {str(r["Id"]): r for r in mock.org.objects["Account"].records}

    def same(field: str, text: str, value: Any) -> bool:
        if text == sync.NULL or value is None:
            return text == sync.NULL and value is None
        if FIELDS[field] in ("currency", "double"):
            return abs(float(text) - value) < 0.005
        return str(value) == text

    return all(same(f, t, records[r[0]].get(f)) for r in rows for f, t in zip(header[1:], r[1:], strict=True))


def test_only_changed_accounts_are_sent_and_failed_rows_go_again(
    landings: tuple[Path, Path, Path], mock: MockSalesforce, tmp_path: Path
) -> None:
    (entry,) = entries = sync.read_mapping(ROOT / "sync.yaml")
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    sf = SalesforceConnector(settings=settings_for(mock), backoff=0.01)
    loader = Loader(sf, wh, poll=0)
    try:
        load_silver(wh, landings[0])
        build_gold(wh)
        header, rows = sync.rows_of(wh, entry)
        (first,) = sync.sync(sf, wh, entries, loader)
        assert first.sent == first.updated == len(rows) > 50 and first.created == 0
        assert holds(mock, header, rows)

        load_silver(wh, landings[1])  # the second pipeline run: a week of changes
        build_gold(wh)
        _, after = sync.rows_of(wh, entry)
        changed = {tuple(r) for r in after} - {tuple(r) for r in rows}
        assert 0 < len(changed) < len(after)
        mock.faults.ingest_fail_every = 2
        (second,) = sync.sync(sf, wh, entries, loader)
        assert second.sent == len(changed) and second.failed == len(changed) // 2
        assert second.unchanged == len(after) - len(changed)
        (third,) = sync.sync(sf, wh, entries, loader)  # gold did not change: only the failed rows go again
        assert third.sent == second.failed and third.not_landed == 0
        assert sync.sync(sf, wh, entries, loader)[0].sent == 0
        assert holds(mock, header, after) and not holds(mock, header, rows)
    finally:
        wh.dispose()


def test_records_are_deleted_only_when_the_mapping_says_so(
    landings: tuple[Path, Path, Path], mock: MockSalesforce, tmp_path: Path
) -> None:
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    sf = SalesforceConnector(settings=settings_for(mock), backoff=0.01)
    loader = Loader(sf, wh, poll=0)
    mapping = tmp_path / "sync.yaml"

    def write(where: str, delete: bool) -> list[sync.Entry]:
        mapping.write_text(
            f"- name: tiers\n  object: Account\n  table: gold.customer_360\n  where: {where}\n"
            f"  match: {{column: account_id, field: Id}}\n  fields: {{lifetime_value_tier: Lifetime_Value_Tier__c}}\n"
            f"  delete: {str(delete).lower()}\n"
        )
        return sync.read_mapping(mapping)

    try:
        load_silver(wh, landings[0])
        build_gold(wh)
        everyone = "account_id is not null"
        sync.sync(sf, wh, write(everyone, False), loader)
        some = "account_id is not null and order_count > 0"
        kept = {r[0] for r in sync.rows_of(wh, write(some, False)[0])[1]}
        sync.sync(sf, wh, write(some, False), loader)
        assert not any(r["IsDeleted"] for r in mock.org.objects["Account"].records)  # no delete: nothing deleted
        results = sync.sync(sf, wh, write(some, True), loader)
        deleted = {str(r["Id"]) for r in mock.org.objects["Account"].records if r["IsDeleted"]}
        synced = {r[0] for r in sync.rows_of(wh, write(everyone, False)[0])[1]}
        assert deleted == synced - kept and deleted and results[1].step == "sync:tiers:delete"
        assert sync.sync(sf, wh, write(some, True), loader)[1].sent == 0  # deleted once
    finally:
        wh.dispose()


def test_mistakes_are_one_line(
    landings: tuple[Path, Path, Path],
    mock: MockSalesforce,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env_for(mock, monkeypatch, tmp_path)
    wh = Warehouse(f"duckdb:///{tmp_path / 'ledger.duckdb'}")  # the warehouse env_for points at, with gold
    try:
        load_silver(wh, landings[0])
        build_gold(wh)
    finally:
        wh.dispose()
    mapping = tmp_path / "m.yaml"
    cases = {
        "- object: Account\n  table: silver.account\n  match: {column: id, field: Id}\n  fields: {name: Name}\n": (
            "table must be a gold table"
        ),
        "- object: Account\n  table: gold.customer_360\n  match: {column: account_id, field: Id}\n": "needs object",
        "object: Account\n": "a sync mapping is a list",
        "- object: Account\n  table: gold.customer_360\n  match: {column: account_id, field: Id}\n"
        "  fields: {won_amount: Won__c}\n": "Account.Won__c does not exist",
        "- object: Account\n  table: gold.nope\n  match: {column: account_id, field: Id}\n"
        "  fields: {won_amount: Lifetime_Value__c}\n": "cannot read gold.nope",
        "- object: Account\n  table: gold.fact_opportunity\n  where: account_id is not null\n"
        "  match: {column: account_id, field: Id}\n  fields: {amount: Lifetime_Value__c}\n": "rows repeat another",
    }
    for text, expected in cases.items():
        mapping.write_text(text)
        assert main(["sync", "--mapping", str(mapping)]) == 1
        err = capsys.readouterr().err.strip()
        assert expected in err and "\n" not in err, err
    assert main(["sync", "--mapping", str(tmp_path / "absent.yaml")]) == 1
    assert "no sync mapping at" in capsys.readouterr().err
    assert not any(r.get("Lifetime_Value__c") for r in mock.org.objects["Account"].records)
