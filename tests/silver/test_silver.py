"""Silver on DuckDB and PostgreSQL: typed, complete, incremental, and nothing lost to quarantine unseen."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from fauxforce.bronze import land as bronze
from fauxforce.connectors import get_connector
from fauxforce.core import ledger
from fauxforce.core.catalogue import TABLES
from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.org import Manifest, Options, generate_org
from fauxforce.silver.build import Keys, build_table, full_refresh
from tests.conftest import load_silver

START = dt.date(2026, 1, 1)
DAY = dt.date(2026, 3, 15)
LINEAGE = ["_batch_id", "_row_number", "_loaded_at"]


run = load_silver


def frame(wh: Warehouse, sql: str) -> pd.DataFrame:
    with wh.engine.connect() as conn:
        result = conn.exec_driver_sql(sql)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def silver_table(wh: Warehouse, name: str) -> pd.DataFrame:
    df = frame(wh, f"SELECT * FROM silver.{name}").drop(columns=LINEAGE)
    return df.sort_values(list(df.columns[:2])).reset_index(drop=True)


@pytest.fixture(scope="module")
def orgs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Manifest]]:
    base = tmp_path_factory.mktemp("silver")
    common = {"seed": 3, "scale": 0.02, "start": START}
    out = {}
    for key, options in {
        "day": {"as_of": DAY},
        "next": {"as_of": DAY + dt.timedelta(days=1)},
        "delta": {"as_of": DAY + dt.timedelta(days=1), "export": "changes", "since": DAY},
    }.items():
        out[key] = (base / key, generate_org(Options(out=base / key, **common, **options)))  # type: ignore[arg-type]
    return out


def test_a_generated_org_lands_whole_and_clean(warehouse_url: str, orgs: dict[str, tuple[Path, Manifest]]) -> None:
    landing, manifest = orgs["day"]
    wh = Warehouse(warehouse_url)
    ledger.prepare(wh)
    results = run(wh, landing)
    assert sum(r.quarantined for r in results) == 0 and sum(r.duplicates for r in results) == 0
    for t in TABLES:
        counts = manifest.objects[str(t.ref)]
        live = "WHERE NOT is_deleted" if any(c.name == "is_deleted" for c in t.columns) else ""
        assert frame(wh, f"SELECT count(*) AS n FROM silver.{t.name} {live}")["n"][0] == counts["live_rows"], t.name
        assert wh.count("silver", t.name) == counts["rows"]
    log = frame(
        wh, "SELECT rows_in, rows_loaded, rows_quarantined, rows_duplicate FROM meta.load_log WHERE layer = 'silver'"
    )
    assert (log["rows_in"] == log["rows_loaded"] + log["rows_quarantined"] + log["rows_duplicate"]).all()
    # Typed columns, snake_case names.
    opp = frame(
        wh,
        "SELECT opportunity_id, account_id, stage_name, amount, close_date, created_date, is_won "
        "FROM silver.opportunity LIMIT 1",
    )
    row = opp.iloc[0]
    assert len(row["opportunity_id"]) == 18 and row["is_won"] in (True, False)
    assert str(row["amount"]).replace(".", "").isdigit() and isinstance(row["close_date"], dt.date)
    assert row["created_date"].tzinfo is not None
    account = frame(wh, "SELECT billing_country, billing_country_code, phone FROM silver.account LIMIT 50")
    assert set(account["billing_country_code"]) <= {"US", "CA", "GB", "DE", "FR", "AU"}
    assert account["phone"].str.fullmatch(r"\+\d{8,15}").all()
    # A second run changes nothing.
    before = {t.name: silver_table(wh, t.name) for t in TABLES}
    log_rows = len(frame(wh, "SELECT * FROM meta.load_log"))
    assert run(wh, landing) == []
    assert len(frame(wh, "SELECT * FROM meta.load_log")) == log_rows
    for t in TABLES:
        pd.testing.assert_frame_equal(silver_table(wh, t.name), before[t.name], obj=t.name)
    wh.dispose()


def test_next_days_changes_give_the_next_days_silver(
    warehouse_url: str, orgs: dict[str, tuple[Path, Manifest]], tmp_path: Path
) -> None:
    incremental = Warehouse(warehouse_url)
    ledger.prepare(incremental)
    run(incremental, orgs["day"][0])
    changed = run(incremental, orgs["delta"][0])
    assert sum(r.rows_in for r in changed) == orgs["delta"][1].total_rows > 0
    reference = Warehouse(f"duckdb:///{tmp_path / 'reference.duckdb'}")
    ledger.prepare(reference)
    run(reference, orgs["next"][0])
    for t in TABLES:
        got, want = silver_table(incremental, t.name), silver_table(reference, t.name)
        for df in (got, want):  # compare values, not the engines' Python types
            for c in df.columns:
                df[c] = df[c].map(
                    lambda v: (
                        None
                        if pd.isna(v)
                        else str(pd.Timestamp(v).tz_convert("UTC"))
                        if isinstance(v, dt.datetime)
                        else str(v)
                    )
                )
        pd.testing.assert_frame_equal(got, want, obj=t.name)
    incremental.dispose()
    reference.dispose()


BAD_OPPORTUNITIES = """\
"Id","IsDeleted","AccountId","Name","StageName","Amount","CloseDate","IsClosed","IsWon","CreatedDate","SystemModstamp"
"0065g000003fVcOAAU","false","{account}","Good","Prospecting","100.00","2026-03-01","false","false","2026-01-05T10:00:00.000Z","2026-01-05T10:00:00.000Z"
"0065g000003fVcPAAU","false","{account}","Bad date","Prospecting","100.00","2026-02-30","false","false","2026-01-05T10:00:00.000Z","2026-01-05T10:00:00.000Z"
"0065g000003fVcQAAU","false","{account}",,"Prospecting","100.00","2026-03-01","false","false","2026-01-05T10:00:00.000Z","2026-01-05T10:00:00.000Z"
"0065g000003fVcRAAU","false","{account}","Bad stage","Closed Maybe","100.00","2026-03-01","false","false","2026-01-05T10:00:00.000Z","2026-01-05T10:00:00.000Z"
"0065g000003fVcSAAU","false","0015g000009zzzzAAA","Orphan","Prospecting","100.00","2026-03-01","false","false","2026-01-05T10:00:00.000Z","2026-01-05T10:00:00.000Z"
"0065g000003fVcOAAU","false","{account}","Good, older","Prospecting","90.00","2026-03-01","false","false","2026-01-05T09:00:00.000Z","2026-01-05T09:00:00.000Z"
"""  # noqa: E501


def load_bad_opportunities(wh: Warehouse, org: Path, tmp_path: Path, validation: str | None = None):  # type: ignore[no-untyped-def]
    """A clean org, then a file of BAD_OPPORTUNITIES on one of its accounts; the file's silver result."""
    ledger.prepare(wh)
    run(wh, org)
    account = frame(wh, "SELECT account_id FROM silver.account LIMIT 1")["account_id"][0]
    landing = tmp_path / "landing" / "salesforce"
    landing.mkdir(parents=True)
    (landing / "Opportunity.csv").write_text(BAD_OPPORTUNITIES.format(account=account))
    (result,) = [r for r in run(wh, tmp_path / "landing", validation) if r.object == "salesforce/Opportunity"]
    return result


def test_bad_rows_are_flagged_or_quarantined_with_reason_and_lineage(
    warehouse_url: str, orgs: dict[str, tuple[Path, Manifest]], tmp_path: Path
) -> None:
    wh = Warehouse(warehouse_url)
    result = load_bad_opportunities(wh, orgs["day"][0], tmp_path)
    # 6 in = 4 loaded (2 of them flagged; a stage of the org's own is no failure) + 1 quarantined (a required
    # date that cannot be read) + 1 duplicate (an older version of the good row, in the same file)
    assert (result.rows_in, result.loaded, result.quarantined, result.duplicates) == (6, 4, 1, 1)
    assert result.flagged == 2 and result.flags == {"not_nullable": 1, "unresolved": 1}
    good = frame(wh, "SELECT name, amount FROM silver.opportunity WHERE opportunity_id = '0065g000003fVcOAAU'")
    assert good["name"].tolist() == ["Good"] and float(good["amount"][0]) == 100.0
    q = frame(wh, f"SELECT * FROM quarantine.opportunity WHERE _batch_id = {result.batch_id} ORDER BY _row_number")
    assert list(q["_row_number"]) == [2] and list(q["check_name"]) == ["parse_date"]
    assert list(q["column_name"]) == ["close_date"] and q["failure_value"][0] == "2026-02-30"
    assert json.loads(q["record"][0])["Name"] == "Bad date" and q["_source_uri"][0].endswith("Opportunity.csv")
    flags = frame(
        wh,
        "SELECT record_key, _row_number, check_name, column_name, value, parent_table, reason FROM meta.flags "
        f"WHERE _batch_id = {result.batch_id} ORDER BY _row_number",
    )
    assert flags[["record_key", "check_name", "column_name", "value", "parent_table"]].fillna("-").values.tolist() == [
        ["0065g000003fVcQAAU", "not_nullable", "name", "-", "-"],
        ["0065g000003fVcSAAU", "unresolved", "account_id", "0015g000009zzzzAAA", "account"],
    ]
    assert flags["reason"][1].startswith("salesforce/Opportunity.csv line 6, column AccountId")
    log = frame(wh, f"SELECT * FROM meta.load_log WHERE layer = 'silver' AND batch_id = {result.batch_id}")
    assert json.loads(log["reasons"][0]) == {"parse_date": 1} and int(log["rows_flagged"][0]) == 2
    assert json.loads(log["flags"][0]) == {"not_nullable": 1, "unresolved": 1}
    wh.dispose()


def test_a_stricter_policy_quarantines_what_the_defaults_flag(
    orgs: dict[str, tuple[Path, Manifest]], tmp_path: Path
) -> None:
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    result = load_bad_opportunities(wh, orgs["day"][0], tmp_path, "not_nullable=quarantine,unresolved=quarantine")
    assert (result.loaded, result.quarantined, result.flagged) == (2, 3, 0)
    q = frame(wh, f"SELECT check_name FROM quarantine.opportunity WHERE _batch_id = {result.batch_id} ORDER BY 1")
    assert list(q["check_name"]) == ["not_nullable", "parse_date", "unresolved"]
    wh.dispose()


def test_customer_xref_matches_by_external_id_then_by_name(warehouse_url: str, tmp_path: Path) -> None:
    sf = tmp_path / "landing" / "salesforce"
    erp = tmp_path / "landing" / "erp"
    sf.mkdir(parents=True)
    erp.mkdir(parents=True)
    (sf / "User.csv").write_text(
        '"Id","Username","LastName","Email","IsActive","CreatedDate","SystemModstamp"\n'
        '"0055g000002ZixsAAC","u@x.example","User","u@x.example","true","2026-01-01T00:00:00.000Z","2026-01-01T00:00:00.000Z"\n'
    )
    head = '"Id","IsDeleted","Name","ERP_Customer_Number__c","CreatedDate","SystemModstamp"\n'
    stamp = '"2026-01-02T00:00:00.000Z","2026-01-02T00:00:00.000Z"'
    (sf / "Account.csv").write_text(
        head
        + f'"0015g000003ywsCAAQ","false","Acme Corp.","C0000001",{stamp}\n'
        + f'"0015g000003ywsDAAQ","false","Globex GmbH",,{stamp}\n'
        + f'"0015g000003ywsEAAQ","false","Initech Inc.",,{stamp}\n'
    )
    (erp / "customers.csv").write_text(
        '"customer_number","customer_name","created_at","updated_at"\n'
        '"C0000001","ACME CORPORATION","2026-01-02 01:00:00","2026-01-02 01:00:00"\n'
        '"C0000002","GLOBEX","2026-01-02 01:00:00","2026-01-02 01:00:00"\n'
        '"C0000003","Umbrella Ltd","2026-01-02 01:00:00","2026-01-02 01:00:00"\n'
    )
    wh = Warehouse(warehouse_url)
    ledger.prepare(wh)
    run(wh, tmp_path / "landing")
    with wh.engine.connect() as conn:
        got = {
            tuple(r)
            for r in conn.exec_driver_sql("SELECT account_id, customer_number, match_method FROM silver.customer_xref")
        }
    assert got == {
        ("0015g000003ywsCAAQ", "C0000001", "external_id"),
        ("0015g000003ywsDAAQ", "C0000002", "name"),
        ("0015g000003ywsEAAQ", None, "unmatched_crm"),
        (None, "C0000003", "unmatched_erp"),
    }
    wh.dispose()


def test_full_refresh_rebuilds_silver_from_bronze(orgs: dict[str, tuple[Path, Manifest]], tmp_path: Path) -> None:
    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    ledger.prepare(wh)
    run(wh, orgs["day"][0])
    before = silver_table(wh, "opportunity")
    full_refresh(wh)
    with wh.engine.connect() as conn:
        assert wh.columns(conn, "silver", "opportunity") == []
        assert conn.execute(sa.text("SELECT count(*) FROM meta.watermark WHERE layer = 'silver'")).scalar_one() == 0
    run(wh, orgs["day"][0])
    pd.testing.assert_frame_equal(silver_table(wh, "opportunity"), before)
    wh.dispose()


def test_customer_xref_is_rebuilt_only_when_its_inputs_change(
    orgs: dict[str, tuple[Path, Manifest]], tmp_path: Path
) -> None:
    from fauxforce.silver.build import SilverResult, refresh_xref

    wh = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    ledger.prepare(wh)
    run(wh, orgs["day"][0])
    unrelated = [SilverResult("salesforce/Case", 1, 5, 5, 0, 0, {})]
    assert refresh_xref(wh, unrelated) is None
    with wh.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM silver.customer_xref")
    assert refresh_xref(wh, unrelated) is None  # nothing it reads changed: left as it is
    assert refresh_xref(wh, [SilverResult("salesforce/Account", 2, 1, 1, 0, 0, {})]) == len(
        frame(wh, "SELECT * FROM silver.account WHERE NOT is_deleted")
    ) + len(frame(wh, "SELECT * FROM silver.customer_xref WHERE match_method = 'unmatched_erp'"))
    wh.dispose()


def test_a_failed_silver_batch_leaves_nothing_and_is_applied_next_run(
    warehouse_url: str, orgs: dict[str, tuple[Path, Manifest]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fauxforce.silver import build

    wh = Warehouse(warehouse_url)
    ledger.prepare(wh)
    connector = get_connector("csv", landing=orgs["day"][0])
    for ref in connector.objects():
        bronze.land_object(wh, connector, ref, "csv")
    account = next(t for t in TABLES if t.name == "account")
    user = next(t for t in TABLES if t.name == "user")
    keys = Keys(wh)
    build_table(wh, user, keys)

    def fail_after_upsert(*args: object, **kwargs: object) -> None:
        raise ConnectionError("connection lost while logging")

    monkeypatch.setattr(build, "_log", fail_after_upsert)
    with pytest.raises(ConnectionError):
        build_table(wh, account, keys)
    assert wh.count("silver", "account") == 0  # the upsert was rolled back with the log
    with wh.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM meta.watermark WHERE object = 'account'")).scalar_one() == 0
    monkeypatch.undo()
    (result,) = build_table(wh, account, Keys(wh))
    assert wh.count("silver", "account") == result.loaded == orgs["day"][1].objects["salesforce/Account"]["rows"]
    wh.dispose()


def test_a_batch_larger_than_a_row_group_lands_whole(warehouse_url: str, tmp_path: Path) -> None:
    # DuckDB stores ~122k rows per row group; a batch past that once vanished between stage and silver
    rows = 130_000
    erp = tmp_path / "landing" / "erp"
    erp.mkdir(parents=True)
    pd.DataFrame(
        {
            "warehouse_code": [f"WH-{i:06d}" for i in range(rows)],
            "warehouse_name": "Depot",
            "city": "Leeds",
            "country": "GB",
            "created_at": "2026-01-05T10:00:00.000Z",
            "updated_at": "2026-01-05T10:00:00.000Z",
        }
    ).to_csv(erp / "warehouses.csv", index=False)
    wh = Warehouse(warehouse_url)
    ledger.prepare(wh)
    (result,) = [r for r in run(wh, tmp_path / "landing") if r.object == "erp/warehouses"]
    assert (result.rows_in, result.loaded) == (rows, rows)
    assert wh.count("silver", "warehouses") == rows
    wh.dispose()
