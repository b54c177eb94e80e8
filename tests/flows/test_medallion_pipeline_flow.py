"""`fauxforce run` runs the medallion-pipeline flow: bronze, silver, then gold, with artifacts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from fauxforce.cli import main
from fauxforce.core import ledger
from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.org import Options, generate_org


def test_run_lands_bronze_silver_and_gold_and_reports(
    tmp_path: Path, prefect_harness: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from prefect.client.orchestration import get_client

    manifest = generate_org(Options(out=tmp_path / "landing", scale=0.01, days=30))
    (tmp_path / "landing" / "salesforce" / "Account.xlsx").write_bytes(b"PK")  # not read, and said so
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    assert main(["run", "--landing", str(tmp_path / "landing"), "--warehouse", url]) == 0
    out = capsys.readouterr().out
    assert f"bronze: {manifest.total_rows:,} new rows" in out
    assert "skipped 1 entries of" in out and "salesforce/Account.xlsx: not a .csv, .csv.gz or .parquet file" in out
    assert f"{manifest.total_rows:,} rows loaded (0 flagged), 0 quarantined, 0 duplicates" in out
    assert "checks passed, as of 2026-06-30" in out and "bookings FY2026 Q2 " in out
    report = tmp_path / "report.html"  # beside the DuckDB file unless FAUXFORCE_REPORT says otherwise
    assert f"report {report}" in out and report.stat().st_size > 1_000_000
    wh = Warehouse(url)
    with wh.engine.connect() as conn:
        runs = ledger.runs(conn)
    assert [r["status"] for r in runs] == ["completed"]
    assert runs[0]["bronze_rows"] == manifest.total_rows and runs[0]["gold_checks"] > 100
    assert wh.count("silver", "opportunity") == manifest.objects["salesforce/Opportunity"]["rows"]
    assert wh.count("silver", "customer_xref") > 0
    assert wh.count("gold", "fact_opportunity") == manifest.objects["salesforce/Opportunity"]["live_rows"]
    wh.dispose()

    async def artifacts() -> list[tuple[str, str, str]]:
        async with get_client() as client:
            return [(a.key, str(a.flow_run_id), str(a.data)) for a in await client.read_artifacts() if a.key]

    every = asyncio.run(artifacts())
    found = {key: data for key, _, data in every}
    assert "silver-counts" in found and "bronze-counts" in found and "Account.xlsx" in found["bronze-skipped"]
    assert "# Silver data quality" in found["silver-data-quality"]
    assert "gold-headline" in found and "gold-tables" in found
    # the parent run itself (meta.runs keeps its flow-run id) carries the run's summary and points to the report
    (summary,) = [data for key, run_id, data in every if key == "pipeline-summary" and run_id == runs[0]["run_id"]]
    assert f"{manifest.total_rows:,} rows landed" in summary
    assert f"file://{report}" in summary and "Bookings this quarter" in summary

    assert main(["run", "--landing", str(tmp_path / "landing"), "--warehouse", url, "--report", "none"]) == 0
    out = capsys.readouterr().out
    assert "bronze: 0 new rows" in out and "report" not in out
    wh = Warehouse(url)
    with wh.engine.connect() as conn:
        assert [r["status"] for r in ledger.runs(conn)] == ["completed", "completed"]
    wh.dispose()


def test_run_reports_a_missing_landing_folder(
    tmp_path: Path, prefect_harness: None, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    assert main(["run", "--landing", str(tmp_path / "nowhere"), "--warehouse", url]) == 1
    err = capsys.readouterr().err
    assert "does not exist" in err and "fauxforce generate" in err


def test_pipeline_runs_on_one_warehouse_never_overlap(tmp_path: Path, prefect_harness: None) -> None:
    import datetime as dt
    import threading
    import time

    from prefect import flow

    from fauxforce.core.runlock import RunLock
    from fauxforce.flows.medallion_pipeline import medallion_pipeline

    generate_org(Options(out=tmp_path / "landing", scale=0.01, days=30))
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    held, released = threading.Event(), []

    @flow
    def hold_the_warehouse() -> None:
        with RunLock(url):
            held.set()
            time.sleep(4)
            released.append(dt.datetime.now(dt.UTC))

    holder = threading.Thread(target=hold_the_warehouse)
    holder.start()
    assert held.wait(60)
    medallion_pipeline(landing=str(tmp_path / "landing"), warehouse=url)
    holder.join()
    wh = Warehouse(url)
    with wh.engine.connect() as conn:
        first_batch = conn.exec_driver_sql("SELECT min(started_at) FROM meta.load_log").scalar_one()
    wh.dispose()
    assert first_batch >= released[0]  # the pipeline waited for the other run to let go


def test_run_reads_a_live_org_by_credentials_alone(
    tmp_path: Path, prefect_harness: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--source salesforce` with SALESFORCE_* settings: CRM from the (mock) org, ERP from the landing folder."""
    from fauxforce.mock.org import MockOrg
    from fauxforce.mock.server import MockSalesforce

    options = Options(out=tmp_path / "landing", scale=0.01, days=30)
    manifest = generate_org(options)
    with MockSalesforce(MockOrg.from_landing(options.out, options), tmp_path / "certs") as mock:
        c = mock.credentials
        for name, value in {
            "SALESFORCE_USERNAME": c.username,
            "SALESFORCE_PASSWORD": c.password,
            "SALESFORCE_SECURITY_TOKEN": c.security_token,
            "SALESFORCE_LOGIN_URL": mock.instance_url,
            "SALESFORCE_CA_BUNDLE": str(mock.keys.ca_file),
            "FAUXFORCE_CRM_SOURCE": "salesforce",
        }.items():
            monkeypatch.setenv(name, value)
        url = f"duckdb:///{tmp_path / 'wh.duckdb'}"
        assert main(["run", "--landing", str(tmp_path / "landing"), "--warehouse", url]) == 0
        calls = mock.api_calls
        out = capsys.readouterr().out
        monkeypatch.setenv("SALESFORCE_PASSWORD", "wrong")
        assert main(["run", "--landing", str(tmp_path / "landing"), "--warehouse", url]) == 1
        err = capsys.readouterr().err
        assert "refused the password login" in err and "wrong" not in err
    assert f"bronze: {manifest.total_rows:,} new rows from Salesforce and" in out
    assert "0 quarantined" in out and "checks passed" in out
    wh = Warehouse(url)
    with wh.engine.connect() as conn:
        sources = dict(conn.exec_driver_sql("SELECT source, count(*) FROM meta.ingested_files GROUP BY 1").fetchall())
    assert set(sources) == {"salesforce", "csv"} and calls > 20
    assert wh.count("silver", "opportunity") == manifest.objects["salesforce/Opportunity"]["rows"]
    wh.dispose()


def test_the_parent_runs_summary_names_what_was_quarantined_and_where_the_report_is() -> None:
    from fauxforce.flows.medallion_pipeline import PipelineSummary, summary_markdown

    summary = PipelineSummary(
        bronze_rows={"salesforce/Contact": 10},
        silver_loaded=8,
        silver_quarantined=2,
        silver_duplicates=0,
        batches=1,
        silver_flagged=1,
        flags={"parse_phone": 1},
        quarantine_examples={"salesforce/Contact": ["salesforce/Contact.csv line 5: 8 fields where the header has 7"]},
        report="data/report.html",
    )
    text = summary_markdown(summary, gold_markdown="# Gold headline")
    assert "| bronze | 10 rows landed from 1 objects |" in text
    assert "8 rows loaded (1 flagged), 2 quarantined" in text and "parse_phone 1" in text
    assert "- `salesforce/Contact`: salesforce/Contact.csv line 5: 8 fields" in text
    assert f"(file://{Path('data/report.html').resolve()})" in text and text.endswith("# Gold headline")
