"""Flow `build-gold`: bring the star schema and marts up to date with silver, check them, report the headline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from fauxforce.core import ledger
from fauxforce.core.progress import Progress
from fauxforce.core.settings import resolve
from fauxforce.core.warehouse import Warehouse
from fauxforce.gold.build import GoldCheckError, GoldResult, worst_suppliers
from fauxforce.gold.build import build_gold as build


def _money(value: Any) -> str:
    return f"{Decimal(value or 0):,.0f}"


def _rate(value: Any) -> str:
    return "—" if value is None else f"{float(value):.1%}"


def headline_report(result: GoldResult, suppliers: list[dict[str, Any]]) -> str:
    """The run's headline figures as markdown."""
    h = result.headline
    lines = [
        f"# Gold headline, as of {result.as_of} ({h.get('fiscal_period', '')})",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| Bookings this quarter | {_money(h.get('bookings_this_quarter'))} |",
        f"| Bookings last quarter | {_money(h.get('bookings_last_quarter'))} |",
        f"| Won (all time) | {_money(h.get('won_amount'))} in {h.get('won_count', 0):,} deals |",
        f"| Open pipeline | {_money(h.get('open_pipeline'))} |",
        f"| Weighted pipeline | {_money(h.get('weighted_pipeline'))} |",
        f"| Win rate (count / amount) | {_rate(h.get('win_rate_by_count'))} / {_rate(h.get('win_rate_by_amount'))} |",
        f"| Invoiced revenue | {_money(h.get('invoiced_revenue'))} |",
        f"| Receivables outstanding / past due | {_money(h.get('outstanding_receivables'))} / "
        f"{_money(h.get('past_due_receivables'))} |",
        f"| Stock positions at risk of stock-out | {h.get('stock_positions_at_risk', 0):,} |",
        f"| Customers exposed to a stock-out | {h.get('customers_exposed_to_stockout', 0):,} |",
    ]
    if suppliers:
        lines += [
            "",
            "## Worst suppliers (on-time delivery)",
            "",
            "| supplier | received orders | on time | fill rate | p90 lead time (days) | return rate |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for s in suppliers:
            lines.append(
                f"| {s['supplier_name']} ({s['supplier_id']}) | {s['received_orders']:,} | {_rate(s['on_time_rate'])} "
                f"| {_rate(s['fill_rate'])} | {s['p90_lead_time_days']} | {_rate(s['return_rate'])} |"
            )
    lines += ["", f"{len(result.tables)} gold tables ({result.writes()}); {result.checks} checks passed."]
    return "\n".join(lines)


@flow(name="build-gold")
def build_gold(
    warehouse: str | None = None,
    as_of: dt.date | None = None,
    fiscal_year_start_month: int | None = None,
    full: bool = False,
) -> GoldResult:
    """Rebuild the gold tables whose inputs changed since the last build and run their checks (every table and
    every check with `full`). A failed check fails the run and leaves the previous gold."""
    run = resolve(warehouse=warehouse, fiscal_year_start_month=fiscal_year_start_month)
    wh = Warehouse(run.warehouse)
    logger = get_run_logger()
    try:
        ledger.prepare(wh)
        try:
            result = build(wh, as_of, run.fiscal_year_start_month, progress=Progress("gold  ", 1), full=full)
        except GoldCheckError as e:
            create_markdown_artifact(
                key="gold-check-failures",
                markdown="# Gold checks failed\n\nThe build was rolled back.\n\n```\n" + str(e) + "\n```",
            )
            raise
        suppliers = worst_suppliers(wh)
    finally:
        wh.dispose()
    create_table_artifact(
        key="gold-tables",
        table=[
            {
                "table": f"gold.{k}",
                "rows": v,
                "written": (
                    f"by key ({result.keys[k]:,} keys)"
                    if k in result.updated
                    else "rebuilt"
                    if k in result.rebuilt
                    else "unchanged"
                ),
                "seconds": round(result.seconds[k], 3),
            }
            for k, v in result.tables.items()
        ],
        description=f"Gold as of {result.as_of}: {result.writes()}",
    )
    create_markdown_artifact(key="gold-headline", markdown=headline_report(result, suppliers))
    logger.info(
        "gold: %s tables (%s) as of %s, %s checks passed, %.1fs",
        len(result.tables),
        result.writes(),
        result.as_of,
        result.checks,
        sum(result.seconds.values()),
    )
    return result
