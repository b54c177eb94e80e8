"""The `salesforce` connector against the mock org, through the real simple-salesforce client over HTTPS.

The same generated org is loaded once from its CSV export and once from the mock org: silver and gold
must be identical. Then: every auth mode extracts; a day later only what changed comes (and silver
equals the next day's full export); 503s are retried, expired sessions renewed where the auth mode
can, the request limit stops the run with what landed kept and the watermark not past it; and no
credential or session id appears in a log, an error or the warehouse.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from fauxforce.bronze import land as bronze
from fauxforce.connectors import get_connector
from fauxforce.connectors.salesforce import ApiLimitReached, SalesforceConnector, SalesforceSourceError
from fauxforce.core import ledger
from fauxforce.core.catalogue import TABLES
from fauxforce.core.settings import Settings
from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.org import Options, generate_org
from fauxforce.gold.build import build_gold
from fauxforce.mock.org import MockOrg
from fauxforce.mock.server import Faults, MockSalesforce
from fauxforce.report.data import collect
from fauxforce.silver.build import Keys, build_all, build_table, build_xref
from tests.conftest import load_silver, salesforce_auth_modes

AS_OF = dt.date(2026, 6, 30)
START = AS_OF - dt.timedelta(days=120)
LINEAGE = ["_batch_id", "_row_number", "_loaded_at"]


@dataclass
class Org:
    landing: Path
    options: Options


def _options(out: Path, as_of: dt.date) -> Options:
    return Options(out=out, seed=5, scale=0.02, as_of=as_of, start=START)


@pytest.fixture(scope="module")
def orgs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Org]:
    base = tmp_path_factory.mktemp("sf-orgs")
    out = {}
    for name, as_of in (("day", AS_OF), ("next", AS_OF + dt.timedelta(days=1))):
        options = _options(base / name, as_of)
        generate_org(options)
        out[name] = Org(base / name, options)
    return out


@pytest.fixture
def mock(orgs: dict[str, Org], tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockSalesforce]:
    org = MockOrg.from_landing(orgs["day"].landing, orgs["day"].options)
    with MockSalesforce(org, tmp_path_factory.getbasetemp() / "sf-certs") as server:
        yield server


def settings_for(mock: MockSalesforce, mode: str = "password") -> Settings:
    common = {"SALESFORCE_LOGIN_URL": mock.instance_url, "SALESFORCE_CA_BUNDLE": str(mock.keys.ca_file)}
    return Settings(**common, **salesforce_auth_modes(mock)[mode])  # type: ignore[arg-type]


def connector(mock: MockSalesforce, mode: str = "password", **kwargs: object) -> SalesforceConnector:
    # a small org: small thresholds, so that both APIs, several pages and several batches are used
    options: dict[str, object] = {
        "bulk_threshold": 400,
        "batch_rows": 300,
        "page_size": 200,
        "backoff": 0.01,
        "bulk_poll": 0,
    }
    options.update(kwargs)
    return SalesforceConnector(settings=settings_for(mock, mode), **options)  # type: ignore[arg-type]


def load_live(wh: Warehouse, sf: SalesforceConnector, landing: Path, every_object: bool = False) -> None:
    """Salesforce objects from the org, ERP tables from the landing folder, then silver (of the declared
    objects, or with `every_object` of every object landed, as the flow builds it)."""
    ledger.prepare(wh)
    for ref in sf.objects():
        bronze.land_object(wh, sf, ref, "salesforce")
    files = get_connector("csv", landing=landing)
    for ref in files.objects():
        if ref.system == "erp":
            bronze.land_object(wh, files, ref, "csv")
    if every_object:
        build_all(wh)
    else:
        keys = Keys(wh)
        for t in TABLES:
            build_table(wh, t, keys)
    build_xref(wh)


def table(wh: Warehouse, schema: str, name: str) -> pd.DataFrame:
    with wh.engine.connect() as conn:
        df = pd.read_sql_query(f"SELECT * FROM {schema}.{name}", conn)
    df = df.drop(columns=[c for c in LINEAGE if c in df.columns])
    return df.sort_values(list(df.columns)).reset_index(drop=True)


def assert_same_silver(a: Warehouse, b: Warehouse) -> None:
    for t in TABLES:
        pd.testing.assert_frame_equal(table(a, "silver", t.name), table(b, "silver", t.name), obj=t.name)


def test_csv_and_salesforce_give_identical_silver_and_gold(
    mock: MockSalesforce, orgs: dict[str, Org], tmp_path: Path
) -> None:
    from_files = Warehouse(f"duckdb:///{tmp_path / 'csv.duckdb'}")
    load_silver(from_files, orgs["day"].landing)
    live = Warehouse(f"duckdb:///{tmp_path / 'sf.duckdb'}")
    sf = connector(mock)
    load_live(live, sf, orgs["day"].landing)
    assert_same_silver(from_files, live)
    with live.engine.connect() as conn:
        apis = {
            r[0] for r in conn.exec_driver_sql("SELECT format FROM meta.ingested_files WHERE source = 'salesforce'")
        }
        batches = dict(
            conn.exec_driver_sql(
                "SELECT object, count(*) FROM meta.ingested_files WHERE source = 'salesforce' GROUP BY object"
            ).fetchall()
        )
    assert any('"api": "bulk2"' in a for a in apis) and any('"api": "rest"' in a for a in apis), apis
    assert batches["salesforce/OpportunityHistory"] > 1  # streamed in batches, not one object at once
    gold_files, gold_live = build_gold(from_files, AS_OF), build_gold(live, AS_OF)
    assert gold_files.tables == gold_live.tables
    for name in gold_files.tables:
        pd.testing.assert_frame_equal(table(from_files, "gold", name), table(live, "gold", name), obj=name)
    # the org's API usage reached the ledger with the last batch, for the report's data health
    usage = collect(live).api_usage
    assert collect(from_files).api_usage is None
    assert usage is not None and 0 < usage[0] <= mock.api_calls and usage[1] > usage[0]
    from_files.dispose()
    live.dispose()


@pytest.mark.parametrize("mode", ["password", "oauth password", "client credentials", "jwt", "session id"])
def test_every_auth_mode_extracts(mock: MockSalesforce, mode: str) -> None:
    sf = connector(mock, mode)
    refs = sf.objects()
    assert {r.name for r in refs} >= {"Account", "Opportunity", "User"}
    (batch,) = list(sf.extract(next(r for r in refs if r.name == "User"), lambda s: False))
    assert batch.data.num_rows == len(mock.org.objects["User"].records)
    assert "BillingAddress" not in sf.fields(next(r for r in refs if r.name == "Account"))
    assert "BillingCity" in sf.fields(next(r for r in refs if r.name == "Account"))


def test_unusable_settings_are_clear_errors(mock: MockSalesforce) -> None:
    with pytest.raises(SalesforceSourceError, match="no complete Salesforce credentials"):
        SalesforceConnector(settings=Settings(SALESFORCE_USERNAME="someone"))  # type: ignore[call-arg]
    c = mock.credentials
    with pytest.raises(SalesforceSourceError, match="My Domain"):
        SalesforceConnector(
            settings=Settings(
                SALESFORCE_CONSUMER_KEY=c.consumer_key,  # type: ignore[call-arg]
                SALESFORCE_CONSUMER_SECRET=c.consumer_secret,
            )
        )
    wrong = Settings(  # type: ignore[call-arg]
        SALESFORCE_LOGIN_URL=mock.instance_url,
        SALESFORCE_CA_BUNDLE=str(mock.keys.ca_file),
        SALESFORCE_USERNAME=c.username,
        SALESFORCE_PASSWORD="wrong",
        SALESFORCE_SECURITY_TOKEN="x",
    )
    with pytest.raises(SalesforceSourceError, match="refused the password login"):
        SalesforceConnector(settings=wrong).objects()
    untrusted = Settings(
        SALESFORCE_LOGIN_URL=mock.instance_url,
        SALESFORCE_USERNAME=c.username,  # type: ignore[call-arg]
        SALESFORCE_PASSWORD=c.password,
        SALESFORCE_SECURITY_TOKEN=c.security_token,
    )
    with pytest.raises(SalesforceSourceError, match="SALESFORCE_CA_BUNDLE"):
        SalesforceConnector(settings=untrusted).objects()


def test_a_day_later_only_changes_come_and_silver_matches_the_next_export(
    mock: MockSalesforce, orgs: dict[str, Org], tmp_path: Path
) -> None:
    live = Warehouse(f"duckdb:///{tmp_path / 'sf.duckdb'}")
    load_live(live, connector(mock), orgs["day"].landing)
    with live.engine.connect() as conn:
        first = conn.exec_driver_sql("SELECT count(*) FROM bronze.salesforce__opportunity").scalar_one()
        marks = dict(
            conn.exec_driver_sql(
                "SELECT object, value FROM meta.watermark WHERE layer = 'bronze:salesforce'"
            ).fetchall()
        )
    assert marks["salesforce/Opportunity"] > "2026-06-"
    assert mock.org.advance(1) > 0
    load_live(live, connector(mock), orgs["next"].landing)
    with live.engine.connect() as conn:
        second = conn.exec_driver_sql("SELECT count(*) FROM bronze.salesforce__opportunity").scalar_one() - first
    assert 0 < second < first / 10  # the changes, and the boundary's repeats, not the whole object again
    next_day = Warehouse(f"duckdb:///{tmp_path / 'next.duckdb'}")
    load_silver(next_day, orgs["next"].landing)
    assert_same_silver(next_day, live)
    live.dispose()
    next_day.dispose()


def test_503s_are_retried_and_expired_sessions_renewed(mock: MockSalesforce, caplog: pytest.LogCaptureFixture) -> None:
    sf = connector(mock)
    refs = {r.name: r for r in sf.objects()}
    mock.faults = Faults(unavailable=2)
    with caplog.at_level(logging.WARNING, logger="fauxforce.salesforce"):
        rows = sum(b.data.num_rows for b in sf.extract(refs["Account"], lambda s: False))
    assert rows == len(mock.org.objects["Account"].records)
    assert sum("retry" in r.message for r in caplog.records) == 2
    mock.faults = Faults(unavailable=1, unavailable_status=429)  # too many requests: also retried
    assert sum(b.data.num_rows for b in sf.extract(refs["User"], lambda s: False)) == len(
        mock.org.objects["User"].records
    )
    mock.faults = Faults(expire_sessions_after=1)  # mid-extraction, for REST and for Bulk
    assert sum(b.data.num_rows for b in sf.extract(refs["Contact"], lambda s: False)) == len(
        mock.org.objects["Contact"].records
    )
    mock.faults = Faults(expire_sessions_after=2)  # describe, first page; then the bulk job finds it expired
    assert sum(b.data.num_rows for b in sf.extract(refs["OpportunityHistory"], lambda s: False)) == len(
        mock.org.objects["OpportunityHistory"].records
    )
    mock.faults = Faults(unavailable=10)
    with pytest.raises(SalesforceSourceError, match="try again later"):
        list(connector(mock, retries=2).extract(refs["User"], lambda s: False))
    mock.faults = Faults()
    direct = connector(mock, "session id")
    mock.faults = Faults(expire_sessions_after=0)
    with pytest.raises(SalesforceSourceError, match="cannot log in again"):
        list(direct.extract(refs["User"], lambda s: False))
    mock.faults = Faults()


def test_the_request_limit_stops_cleanly_and_the_next_run_finishes(
    mock: MockSalesforce, orgs: dict[str, Org], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    live = Warehouse(f"duckdb:///{tmp_path / 'sf.duckdb'}")
    ledger.prepare(live)
    sf = connector(mock, batch_rows=200, bulk_threshold=100_000)  # REST pages of 200, a batch each
    ref = next(r for r in sf.objects() if r.name == "OpportunityHistory")
    mock.faults = Faults(request_limit=mock.api_calls + 3)  # describe, and two pages
    with caplog.at_level(logging.INFO), pytest.raises(ApiLimitReached, match="request limit is used up"):
        bronze.land_object(live, sf, ref, "salesforce")
    landed = live.count("bronze", "salesforce__opportunity_history")
    assert 0 < landed < len(mock.org.objects["OpportunityHistory"].records)
    with live.engine.connect() as conn:
        mark = ledger.watermark(conn, ledger.source_layer("salesforce"), str(ref))
        newest = conn.exec_driver_sql('SELECT max("SystemModstamp") FROM bronze.salesforce__opportunity_history')
        assert mark is not None and mark[:19] <= str(newest.scalar_one())[:19].replace(" ", "T")
    mock.faults = Faults()
    bronze.land_object(live, connector(mock), ref, "salesforce")
    with live.engine.connect() as conn:
        ids = conn.exec_driver_sql('SELECT count(DISTINCT "Id") FROM bronze.salesforce__opportunity_history')
        assert ids.scalar_one() == len(mock.org.objects["OpportunityHistory"].records)  # all of it, at last
    secrets = [mock.credentials.password, mock.credentials.security_token, mock.session_id, *mock.state.sessions]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    with live.engine.connect() as conn:
        meta = str(conn.exec_driver_sql("SELECT * FROM meta.ingested_files").fetchall())
        meta += str(conn.exec_driver_sql("SELECT * FROM meta.load_log").fetchall())
    assert "API usage" in logged
    for secret in secrets:
        assert secret not in logged and secret not in meta
    live.dispose()


def test_credentials_from_a_prefect_secret_block(mock: MockSalesforce, prefect_harness: None) -> None:
    from prefect.blocks.system import Secret

    c = mock.credentials
    Secret(
        value={
            "SALESFORCE_USERNAME": c.username,
            "SALESFORCE_PASSWORD": c.password,  # type: ignore[arg-type]
            "SALESFORCE_SECURITY_TOKEN": c.security_token,
        }
    ).save("fauxforce-sf", overwrite=True)
    settings = Settings(  # type: ignore[call-arg]
        SALESFORCE_SECRET_BLOCK="fauxforce-sf",
        SALESFORCE_LOGIN_URL=mock.instance_url,
        SALESFORCE_CA_BUNDLE=str(mock.keys.ca_file),
    )
    sf = SalesforceConnector(settings=settings)
    assert sf.auth.mode == "password" and {r.name for r in sf.objects()} >= {"Account"}
    with pytest.raises(ValueError, match="SALESFORCE_SECRET_BLOCK"):
        SalesforceConnector(settings=Settings(SALESFORCE_SECRET_BLOCK="no-such-block"))  # type: ignore[call-arg]


def test_custom_fields_land_in_silver_typed_by_describe(
    orgs: dict[str, Org], tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    org = MockOrg.from_landing(orgs["day"].landing, orgs["day"].options)
    account = org.objects["Account"]
    custom = {
        "Loyalty_Tier__c": "picklist",
        "Churn_Score__c": "double",
        "Renewal_Date__c": "date",
        "Is_Strategic__c": "boolean",
        "Key_Contact__c": "reference",
    }
    for name, kind in custom.items():
        account.fields.append(
            {
                "name": name,
                "label": name,
                "type": kind,
                "custom": True,
                "nillable": True,
                "referenceTo": [],
                "compoundFieldName": None,
                "length": 0,
            }
        )
    for i, r in enumerate(account.records):
        r.update(
            {
                "Loyalty_Tier__c": ("Gold", "Silver", None)[i % 3],
                "Churn_Score__c": i / 10,
                "Renewal_Date__c": f"2027-0{1 + i % 9}-15",
                "Is_Strategic__c": i % 2 == 0,
                "Key_Contact__c": "0035g000003IhEl",
            }
        )
    with MockSalesforce(org, tmp_path_factory.getbasetemp() / "sf-certs") as server:
        live = Warehouse(f"duckdb:///{tmp_path / 'sf.duckdb'}")
        load_live(live, connector(server), orgs["day"].landing)
    with live.engine.connect() as conn:
        types = dict(
            conn.exec_driver_sql(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'silver' AND table_name = 'account'"
            ).fetchall()
        )
        rows = pd.read_sql_query("SELECT * FROM silver.account ORDER BY account_id", conn)
    assert types["loyalty_tier"] == "VARCHAR" and types["churn_score"] == "DOUBLE"
    assert types["renewal_date"] == "DATE" and types["is_strategic"] == "BOOLEAN"
    want = sorted(account.records, key=lambda r: r["Id"])
    assert rows["churn_score"].tolist() == [r["Churn_Score__c"] for r in want]
    assert rows["is_strategic"].tolist() == [r["Is_Strategic__c"] for r in want]
    assert rows["key_contact"].str.len().eq(18).all()  # an Id by describe: 15 characters become 18
    assert str(rows["renewal_date"].iloc[0])[:10] == want[0]["Renewal_Date__c"]
    live.dispose()


def test_a_per_object_policy_overrides_the_size_threshold(mock: MockSalesforce) -> None:
    settings = settings_for(mock).model_copy(
        update={"salesforce_api": "User=bulk, OpportunityHistory=rest", "salesforce_bulk_threshold": 10}
    )
    sf = SalesforceConnector(settings=settings, bulk_poll=0, batch_rows=300)
    refs = {r.name: r for r in sf.objects()}
    apis = {
        name: {b.info["api"] for b in sf.extract(refs[name], lambda s: False)}
        for name in ("User", "OpportunityHistory", "Contact")
    }
    assert apis == {"User": {"bulk2"}, "OpportunityHistory": {"rest"}, "Contact": {"bulk2"}}  # Contact: > 10
    with pytest.raises(SalesforceSourceError, match="FAUXFORCE_SALESFORCE_API"):
        SalesforceConnector(settings=settings.model_copy(update={"salesforce_api": "User=soap"}))
