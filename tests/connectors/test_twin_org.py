"""A twin of a foreign org end to end: from its files, and served by the mock org through the real
simple-salesforce client, it reaches silver typed by the org's describe, nothing quarantined, the same silver
either way, and gold's won amounts are the files' won amounts, per currency and converted."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from fauxforce.cli import main
from fauxforce.connectors import get_connector
from fauxforce.core.describe import read_folder
from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.org import generate
from fauxforce.gold.build import build_gold
from fauxforce.mock.org import MockOrg
from fauxforce.mock.server import MockSalesforce
from fauxforce.profile import field_problems
from tests.conftest import load_silver, salesforce_auth_modes
from tests.connectors.test_salesforce import load_live, table
from tests.connectors.test_salesforce_foreign import live
from tests.generators.describe_fixture import CURRENCIES, STAGES, foreign_describe, read


@pytest.fixture(scope="module")
def twin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("twin")
    generate(root / "org", scale=0.01, describe=foreign_describe(root / "describe-in"))
    return root / "org"


@pytest.fixture(scope="module")
def mock(twin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockSalesforce]:
    with MockSalesforce(MockOrg.from_landing(twin), tmp_path_factory.getbasetemp() / "sf-certs") as server:
        yield server


def won_in_files(twin: Path) -> dict[str, Decimal]:
    """The won amounts in the twin's files, per currency as the deals state them."""
    won: dict[str, Decimal] = {}
    for d in read(twin / "salesforce" / "Opportunity.csv")[1]:
        if d["IsWon"] == "true" and d["Amount"]:
            won[d["CurrencyIsoCode"]] = won.get(d["CurrencyIsoCode"], Decimal(0)) + Decimal(d["Amount"])
    return won


def won_deals_in_files(twin: Path) -> int:
    return sum(d["IsWon"] == "true" and bool(d["Amount"]) for d in read(twin / "salesforce" / "Opportunity.csv")[1])


def assert_gold_reconciles(wh: Warehouse, twin: Path) -> None:
    """Gold's won amounts, per currency as stated, are the files'; in the corporate currency (euro), they are
    the files' converted at the org's own rates."""
    result = build_gold(wh)
    with wh.engine.connect() as conn:
        by_currency = dict(
            conn.exec_driver_sql("SELECT currency, won_amount_in_currency FROM gold.pipeline_by_currency").all()
        )
        reporting = conn.exec_driver_sql("SELECT reporting_currency FROM gold.run_context").scalar_one()
    files = won_in_files(twin)
    assert set(files) == set(CURRENCIES) and by_currency == files
    assert reporting == "EUR"
    converted = sum(amount / Decimal(str(CURRENCIES[code])) for code, amount in files.items())
    # each deal is converted and rounded to the cent on its own: at most half a cent each from the exact sum
    assert abs(result.headline["won_amount"] - converted) <= Decimal("0.005") * won_deals_in_files(twin)


def quarantined_and_flagged(wh: Warehouse) -> tuple[int, int, int]:
    """Silver's quarantined, duplicate and flagged records."""
    with wh.engine.connect() as conn:
        quarantined, duplicates = conn.exec_driver_sql(
            "SELECT coalesce(sum(rows_quarantined), 0), coalesce(sum(rows_duplicate), 0) FROM meta.load_log "
            "WHERE layer = 'silver'"
        ).one()
        flagged = conn.exec_driver_sql("SELECT count(*) FROM meta.flags").scalar_one()
    return int(quarantined), int(duplicates), int(flagged)


def test_a_twins_files_reach_silver_typed_by_its_describe_and_gold(warehouse_url: str, twin: Path) -> None:
    wh = Warehouse(warehouse_url)
    try:
        results = load_silver(wh, twin)
        assert {r.object for r in results} >= {"salesforce/Site_Visit__c", "salesforce/Region__c"}
        assert quarantined_and_flagged(wh) == (0, 0, 0)
        with wh.engine.connect() as conn:
            types = wh.column_types(conn, "silver", "site_visit__c")
            stages = {r[0] for r in conn.exec_driver_sql("SELECT DISTINCT stage_name FROM silver.opportunity")}
            described = conn.exec_driver_sql(
                "SELECT count(*) FROM meta.source_fields WHERE object = 'salesforce/Site_Visit__c'"
            ).scalar_one()
        # The folder's describe/ types what no catalogue declares, as a live org's describe does: a date, a
        # checkbox, a lookup, and a number of scale 0 whose values alone would make it an integer.
        assert described == len(read(twin / "salesforce" / "Site_Visit__c.csv")[0])
        assert "DATE" in types["visit_date"].upper() and "BOOL" in types["done"].upper()
        assert "DOUBLE" in types["visits"].upper() and types["account"].upper() in ("TEXT", "VARCHAR")
        assert "Gagnée" in stages and "Closed Won" not in stages
        assert get_connector("csv", landing=twin).skipped() == []  # describe/ is metadata, not a stray folder
        assert_gold_reconciles(wh, twin)  # won by the org's own won stage, in three currencies
    finally:
        wh.dispose()


def test_a_twin_served_by_the_mock_org_gives_the_same_silver_as_its_files(
    twin: Path, mock: MockSalesforce, tmp_path: Path
) -> None:
    sf = live(mock)
    assert {"Site_Visit__c", "Visit_Note__c", "Region__c"} <= {r.name for r in sf.objects()}
    # The mock answers describe with the twin's own: the restricted picklist and its inactive value included.
    tier = next(f for f in sf._call("describe", lambda c: c.Account.describe())["fields"] if f["name"] == "Tier__c")
    assert tier["restrictedPicklist"] and "Platine" in {v["value"] for v in tier["picklistValues"]}
    from_files = Warehouse(f"duckdb:///{tmp_path / 'files.duckdb'}")
    served = Warehouse(f"duckdb:///{tmp_path / 'live.duckdb'}")
    try:
        load_silver(from_files, twin)
        load_live(served, sf, twin, every_object=True)
        assert quarantined_and_flagged(served) == (0, 0, 0)
        with from_files.engine.connect() as conn:
            names = sorted(r[0] for r in conn.exec_driver_sql(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'silver'"
            ))  # fmt: skip
        assert "site_visit__c" in names and "visit_note__c" in names
        for name in names:
            a, b = table(from_files, "silver", name), table(served, "silver", name)
            assert list(a.columns) == list(b.columns), name
            assert a.equals(b), name
        assert_gold_reconciles(served, twin)
    finally:
        from_files.dispose()
        served.dispose()


def test_a_twin_of_a_live_org_is_made_from_its_metadata_alone(
    twin: Path,
    mock: MockSalesforce,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`generate --describe-from-org` against the served twin: a twin of the twin, with every field and the
    French stages of the org it read, from describe and OpportunityStage calls only."""
    for name, value in salesforce_auth_modes(mock)["password"].items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SALESFORCE_LOGIN_URL", mock.instance_url)
    monkeypatch.setenv("SALESFORCE_CA_BUNDLE", str(mock.keys.ca_file))
    before = mock.api_calls
    out = tmp_path / "again"
    assert main(["generate", "--describe-from-org", "--scale", "0.01", "--out", str(out), "--quiet"]) == 0
    served = read_folder(twin / "describe")
    again = read_folder(out / "describe")
    # Every object the org serves was described (OpportunityStage is metadata, not an object to generate).
    assert set(again.objects) == set(served.objects)
    assert field_problems(out, served) == []
    stages = {d["StageName"] for d in read(out / "salesforce" / "Opportunity.csv")[1]}
    assert stages == {s[0] for s in STAGES}
    # Metadata only: describe global, one describe per object, the OpportunityStage and CurrencyType records;
    # never a record of the objects.
    assert mock.api_calls - before == 1 + len(served.objects) + 2
    assert again.currencies is not None and {r["IsoCode"] for r in again.currencies} == set(CURRENCIES)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["describe"]["folder"].startswith("the Salesforce org at 127.0.0.1:")
    assert not any(p.name.startswith("fauxforce-describe-") for p in Path(tempfile.gettempdir()).iterdir())
    # Both ways at once, or an org that cannot be reached: one line each.
    assert main(["generate", "--describe", str(twin), "--describe-from-org", "--out", str(tmp_path / "x")]) == 2
    monkeypatch.setenv("SALESFORCE_PASSWORD", "wrong")
    assert main(["generate", "--describe-from-org", "--out", str(tmp_path / "y"), "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "not both" in err[0] and "refused the password login" in err[1]
    assert not (tmp_path / "y").exists()
