"""The report: one HTML file, opened in a real headless Chromium with the network shut, shows gold's figures.

A chart is read from what Plotly drew (`_fullData`: the traces as plotted, arrays decoded).

The browser is the system's Chromium (Debian's `chromium`, which `.ci/run` installs), driven by
Playwright; no browser is downloaded. Without one on the PATH these tests skip, unless
FAUXFORCE_REQUIRE_BROWSER is set (as CI sets it), where a missing browser fails them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from fauxforce.cli import main
from fauxforce.core import ledger
from fauxforce.core.warehouse import Warehouse
from fauxforce.gold.build import build_gold
from fauxforce.report import ReportError, ReportResult, write_report
from fauxforce.report.data import collect
from fauxforce.report.render import money, rate
from tests.conftest import Org, load_silver, postgres_database

CHROMIUM = os.environ.get("FAUXFORCE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
SECTIONS = ("sales", "customers", "supply", "finance", "health")


@pytest.fixture(scope="module")
def warehouse(org: Org, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """The small org through bronze, silver and gold on DuckDB, with one recorded run."""
    wh = Warehouse(f"duckdb:///{tmp_path_factory.mktemp('report') / 'wh.duckdb'}")
    load_silver(wh, org.root)
    started = dt.datetime.now(dt.UTC)
    ledger.start_run(wh, "run-1", "csv", "csv", started)
    result = build_gold(wh)
    counts = ledger.RunCounts(bronze_rows=org.manifest.total_rows, gold_as_of=result.as_of, gold_checks=result.checks)
    ledger.finish_run(wh, "run-1", "completed", started + dt.timedelta(seconds=3), counts)
    yield wh
    wh.dispose()


@pytest.fixture(scope="module")
def report(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> ReportResult:
    return write_report(warehouse, tmp_path_factory.mktemp("out") / "report.html")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """The system's Chromium, headless, through Playwright."""
    if not CHROMIUM:
        if os.environ.get("FAUXFORCE_REQUIRE_BROWSER"):
            pytest.fail("FAUXFORCE_REQUIRE_BROWSER is set but no chromium is on the PATH (apt-get install chromium)")
        pytest.skip("no chromium on the PATH (apt-get install chromium; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@contextlib.contextmanager
def opened(chromium: Any, path: Path) -> Iterator[Any]:
    """`path` open in a fresh browser context, with every request but the file itself refused and recorded
    (`tab.outside`), and console errors and uncaught exceptions kept (`tab.errors`)."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.outside, tab.errors = [], []

    def route(r: Any) -> None:
        if r.request.url == path.as_uri():
            r.continue_()
        else:
            tab.outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    tab.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    tab.goto(path.as_uri(), wait_until="load")
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture(scope="module")
def page(report: ReportResult, chromium: Any) -> Iterator[Any]:
    """The report open in headless Chromium, its charts drawn."""
    with opened(chromium, report.path) as tab:
        tab.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length > 0")
        yield tab


def gold(wh: Warehouse, sql: str) -> pd.DataFrame:
    with wh.engine.connect() as conn:
        return pd.read_sql_query(sql, conn)


def test_the_page_needs_nothing_but_itself(page: Any, report: ReportResult) -> None:
    assert page.outside == [] and page.errors == []
    policy = page.eval_on_selector("meta[http-equiv='Content-Security-Policy']", "m => m.content")
    assert "default-src 'none'" in policy  # the page itself forbids any fetch, not only this test's router
    assert 1_000_000 < report.bytes == report.path.stat().st_size  # plotly.js is inside it


def test_every_section_renders_and_every_chart_draws(page: Any, report: ReportResult) -> None:
    for section in SECTIONS:
        box = page.locator(f"#{section}").bounding_box()
        assert box and box["height"] > 100, section
    charts = page.evaluate(
        """[...document.querySelectorAll('.js-plotly-plot')].map(el => ({
            id: el.id,
            width: el.querySelector('.main-svg').getBoundingClientRect().width,
            marks: el.querySelectorAll('.point, .bars path, .scatterlayer .js-line').length,
        }))"""
    )
    assert len(charts) == report.charts == 10
    for c in charts:
        assert c["width"] > 300 and c["marks"] > 0, c


def test_the_headline_tiles_are_gold_figures(page: Any, warehouse: Warehouse) -> None:
    h = gold(warehouse, "SELECT * FROM gold.headline_kpis").iloc[0]
    shown = dict(
        page.evaluate("[...document.querySelectorAll('[data-figure]')].map(e => [e.dataset.figure, e.textContent])")
    )
    for key in ("bookings_this_quarter", "won_amount", "open_pipeline", "weighted_pipeline", "outstanding_receivables"):
        assert shown[key] == money(h[key]), key
    assert shown["win_rate_by_count"] == rate(h["win_rate_by_count"])
    assert page.text_content("#fiscal-period") == h["fiscal_period"]
    assert page.text_content("#as-of") == str(h["as_of_date"])[:10]


def test_bookings_by_quarter_and_the_leaderboard_equal_gold(page: Any, warehouse: Warehouse) -> None:
    # the chart's bars, summed from the fact table by another route than the report's query
    won = gold(
        warehouse,
        "SELECT d.fiscal_period, sum(f.amount) AS bookings FROM gold.fact_opportunity AS f "
        "JOIN gold.dim_date AS d ON d.date_key = f.close_date WHERE f.is_won GROUP BY d.fiscal_period",
    )
    bars = page.evaluate(
        "(() => { const t = document.getElementById('chart-bookings')._fullData[0]; return [t.x, Array.from(t.y)]; })()"
    )
    drawn = dict(zip(bars[0], bars[1], strict=True))
    expected = {p: float(v) for p, v in zip(won["fiscal_period"], won["bookings"], strict=True)}
    assert set(drawn) == set(expected)
    for period, value in expected.items():
        assert drawn[period] == pytest.approx(value, abs=0.01), period
    owners = gold(warehouse, "SELECT owner_name, bookings FROM gold.owner_performance")
    cells = page.evaluate(
        "[...document.querySelectorAll('#table-owners tbody tr')].map(r => "
        "[r.querySelector('[data-key=owner_name]').dataset.value, "
        "r.querySelector('[data-key=bookings]').dataset.value])"
    )
    by_owner = dict(zip(owners["owner_name"], owners["bookings"], strict=True))
    assert len(cells) == min(15, len(owners))
    for name, value in cells:
        assert Decimal(value) == Decimal(str(by_owner[name])).quantize(Decimal("0.01")), name


def test_receivables_aging_and_dso_equal_gold(page: Any, warehouse: Warehouse) -> None:
    aging = page.evaluate("Array.from(document.getElementById('chart-aging')._fullData[0].y)")
    invoices = gold(warehouse, "SELECT outstanding_amount, amount, invoice_date FROM gold.fact_invoice")
    as_of = pd.Timestamp(gold(warehouse, "SELECT as_of_date FROM gold.run_context").iloc[0, 0])
    dates = pd.to_datetime(invoices["invoice_date"])
    age = (as_of - dates).dt.days
    open_ = invoices["outstanding_amount"] > 0
    buckets = [open_ & (age <= 30), open_ & age.between(31, 60), open_ & age.between(61, 90), open_ & (age > 90)]
    assert aging == pytest.approx([float(invoices[b]["outstanding_amount"].sum()) for b in buckets], abs=0.01)
    recent = invoices[(dates > as_of - pd.Timedelta(days=90)) & (dates <= as_of)]
    dso = float(invoices["outstanding_amount"].sum()) / float(recent["amount"].sum()) * 90
    assert page.text_content("[data-figure=dso]") == f"{dso:,.1f}"


def test_the_customer_360_is_searchable(page: Any, warehouse: Warehouse) -> None:
    total = int(gold(warehouse, "SELECT count(*) FROM gold.customer_360").iloc[0, 0])
    assert page.text_content("#customer-count").startswith(f"{total:,} of {total:,} customers")
    assert page.locator("#table-customer-360 tbody tr").count() == min(100, total)
    name = gold(warehouse, "SELECT customer_name FROM gold.customer_360 ORDER BY invoiced_revenue DESC LIMIT 1")
    wanted = str(name.iloc[0, 0])
    page.fill("#customer-search", wanted)
    first = page.locator("#table-customer-360 tbody tr").first.locator("td").first.text_content()
    assert first == wanted
    assert not page.text_content("#customer-count").startswith(f"{total:,} of")  # fewer than all
    page.fill("#customer-search", "no customer is called this")
    assert page.locator("#table-customer-360 tbody tr").count() == 0


def test_data_health_shows_every_object_and_the_run(page: Any, warehouse: Warehouse, org: Org) -> None:
    objects = page.evaluate(
        "[...document.querySelectorAll('#table-objects tbody tr')].map(r => "
        "[r.querySelector('[data-key=object]').dataset.value, r.querySelector('[data-key=loaded]').dataset.value])"
    )
    assert {o for o, _ in objects} == set(org.manifest.objects)
    for obj, loaded in objects:
        assert int(loaded) == org.manifest.objects[obj]["rows"], obj
    runs = page.locator("#table-runs tbody tr")
    assert runs.count() == 1 and "completed" in runs.first.text_content()


def test_currency_and_period_are_named_on_the_figures(page: Any) -> None:
    labels = page.evaluate("[...document.querySelectorAll('.tile .label')].map(e => e.textContent)")
    currency = page.text_content("#currency")
    money_tiles = [label for label in labels if "Bookings" in label or "pipeline" in label or "Won" in label]
    assert money_tiles and all(f"({currency})" in label or "Weighted" in label for label in money_tiles)
    titles = page.evaluate("[...document.querySelectorAll('.js-plotly-plot')].map(el => el.layout.title.text || '')")
    assert all(("as of" in t) or ("all time" in t) or ("fiscal quarter" in t) or ("per month" in t) for t in titles)


def test_no_gold_yet_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wh = Warehouse(f"duckdb:///{tmp_path / 'empty.duckdb'}")
    ledger.prepare(wh)
    with pytest.raises(ReportError, match="has no gold yet"):
        collect(wh)
    wh.dispose()
    assert main(["report", "--warehouse", f"duckdb:///{tmp_path / 'empty.duckdb'}", "--out", str(tmp_path / "r")]) == 1
    assert "has no gold yet: run `fauxforce run` first" in capsys.readouterr().err
    assert main(["report", "--warehouse", f"duckdb:///{tmp_path / 'missing.duckdb'}"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no DuckDB warehouse at" in err
    assert not (tmp_path / "missing.duckdb").exists() and not (tmp_path / "r").exists()


def test_the_report_and_status_commands(
    warehouse: Warehouse, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sub" / "report.html"
    warehouse.dispose()  # as another process would: DuckDB lets one process open a file read-write, or many read it
    assert main(["report", "--warehouse", warehouse.url, "--out", str(out)]) == 0
    assert out.is_file() and f"report {out}: gold as of" in capsys.readouterr().out
    assert main(["status", "--warehouse", warehouse.url]) == 0
    lines = capsys.readouterr().out.splitlines()
    silver = warehouse.count("silver", "opportunity")
    assert lines[0] == f"warehouse {warehouse}" and any(line.split()[0] == "silver" for line in lines[1:5])
    assert silver > 0 and any("completed in 3.0s (csv, csv)" in line for line in lines)
    assert any(line.strip().startswith("gold as of  2026-06-30") for line in lines)


def test_the_report_reads_a_postgresql_warehouse(org: Org, tmp_path: Path, report: ReportResult) -> None:
    with postgres_database() as url:
        wh = Warehouse(url)
        load_silver(wh, org.root)
        build_gold(wh)
        result = write_report(wh, tmp_path / "pg.html")
        wh.dispose()
    assert result.charts == report.charts and result.as_of == report.as_of
    assert "postgresql" in result.path.read_text(encoding="utf-8")


HOSTILE = "<img src=x onerror=\"document.title='owned'\"></script><script>document.title='owned'</script>"


def test_names_from_the_data_are_text_never_markup(org: Org, tmp_path: Path, chromium: Any) -> None:
    """A customer, industry or product named like markup shows as those characters and runs nothing."""
    wh = Warehouse(f"duckdb:///{tmp_path / 'hostile.duckdb'}")
    load_silver(wh, org.root)
    build_gold(wh)
    with wh.engine.begin() as conn:
        for table, column in (
            ("customer_360", "customer_name"),
            ("revenue_by_industry", "industry"),
            ("owner_performance", "owner_name"),
            ("fact_return", "reason"),
        ):
            conn.exec_driver_sql(f"UPDATE gold.{table} SET {column} = ?", (HOSTILE,))
    result = write_report(wh, tmp_path / "hostile.html")
    wh.dispose()
    with opened(chromium, result.path) as tab:
        tab.fill("#customer-search", "<img")
        assert tab.title().startswith("fauxforce report") and tab.errors == [] and tab.outside == []
        assert tab.evaluate("document.querySelectorAll('img[src=x]').length") == 0
        assert HOSTILE in tab.text_content("#table-owners") and HOSTILE in tab.text_content("#table-customer-360")


def test_a_real_orgs_export_gets_a_whole_report(tmp_path: Path, chromium: Any) -> None:
    """The Salesforce CLI dump of a demo org (../shared/realworld): CRM only, its own stages and forecast
    categories, owners that were not exported. Every section renders; the ERP sections say they are empty."""
    from tests.silver.test_realworld import DEMO, load_whole

    if not DEMO.is_dir():
        pytest.skip("../shared/realworld is not on this machine")
    wh = Warehouse(f"duckdb:///{tmp_path / 'demo.duckdb'}")
    load_whole(wh, tmp_path, {f.stem: f for f in sorted(DEMO.glob("*.csv"))})
    build_gold(wh)
    result = write_report(wh, tmp_path / "demo.html")
    categories = set(
        gold(wh, "SELECT DISTINCT forecast_category FROM gold.fact_opportunity WHERE NOT is_closed")[
            "forecast_category"
        ]
    )
    wh.dispose()
    with opened(chromium, result.path) as tab:
        assert tab.errors == [] and tab.outside == [] and result.charts >= 5
        drawn = tab.evaluate("[...document.querySelectorAll('.js-plotly-plot')].map(el => el.id)")
        assert {"chart-bookings", "chart-pipeline", "chart-industry"} <= set(drawn)
        legend = tab.evaluate("document.getElementById('chart-pipeline')._fullData.map(t => t.name)")
        assert set(legend) == {str(c) for c in categories}  # the org's own forecast categories
        assert tab.text_content("#table-stock-empty") == "No stock position is at risk."  # no ERP: said, not broken
        assert "Unknown owner 005" in tab.text_content("#table-owners")  # owners that were not exported
