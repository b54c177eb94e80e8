"""What the report shows, read from gold and the run ledger in one read-only pass.

Every figure comes from a gold table (or `meta.*` for data health) by a query written here, in SQL both
DuckDB and PostgreSQL run. Nothing is recomputed from silver: where the report needs a figure gold does
not hold as such (days sales outstanding, a supplier's defect rate, the customers exposed to a stock-out)
the query states its definition next to it, and `DEFINITIONS` carries it onto the page.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fauxforce.core import ledger
from fauxforce.core.warehouse import Warehouse, WarehouseError, db_reason

CUSTOMER_COLUMNS = (
    "customer_name",
    "customer_number",
    "account_id",
    "industry",
    "segment",
    "country",
    "won_amount",
    "open_pipeline",
    "invoiced_revenue",
    "outstanding_receivables",
    "open_cases",
    "lifetime_value_tier",
)

DEFINITIONS = {
    "dso": "Days sales outstanding: receivables outstanding on the as-of date ÷ invoiced revenue of the 90 days "
    "ending on it × 90.",
    "defect_rate": "Defect rate: units returned as defective ÷ units sold, per supplier's products.",
    "weighted": "Weighted pipeline: amount × probability ÷ 100 of each open deal.",
    "win_rate": "Win rate: won deals ÷ closed deals (won + lost), by count.",
    "exposed": "Exposed: customers who ordered an at-risk product from that warehouse in the 90 days ending on "
    "the as-of date.",
    "ltv": "Lifetime value: invoiced revenue to date; tiers by rank among customers with any (platinum: top 10%, "
    "gold: next 20%, silver: next 30%, bronze: the rest).",
    "cover": "Days of cover: available stock ÷ average daily demand of the last 90 days; at risk when below the "
    "reorder point or shorter than the supplier's lead time.",
}

QUERIES: dict[str, str] = {
    "headline": "SELECT * FROM gold.headline_kpis",
    "context": "SELECT as_of_date, fiscal_year_start_month, reporting_currency FROM gold.run_context",
    "currencies": "SELECT currency, deals, is_reporting_currency, is_converted FROM gold.pipeline_by_currency "
    "ORDER BY deals DESC",
    "erp_currencies": "SELECT currency, count(*) AS invoices FROM gold.fact_invoice GROUP BY currency "
    "ORDER BY count(*) DESC",
    # bookings and win rate per fiscal quarter, from the marts' own definitions
    "quarters": """
        SELECT fiscal_year, fiscal_quarter, fiscal_period, sum(bookings) AS bookings, sum(won_count) AS won_count,
               sum(lost_count) AS lost_count
        FROM gold.sales_pipeline GROUP BY fiscal_year, fiscal_quarter, fiscal_period
        HAVING sum(won_count) + sum(lost_count) > 0 ORDER BY fiscal_year, fiscal_quarter""",
    "pipeline": """
        SELECT stage_name, forecast_category, sum(open_count) AS open_count, sum(pipeline) AS pipeline,
               sum(weighted_pipeline) AS weighted_pipeline
        FROM gold.sales_pipeline GROUP BY stage_name, forecast_category HAVING sum(open_count) > 0
        ORDER BY sum(pipeline) DESC""",
    "industry": "SELECT industry, won_amount, open_pipeline, win_rate_by_count FROM gold.revenue_by_industry "
    "ORDER BY won_amount DESC",
    "geography": "SELECT region, country, won_amount, open_pipeline, win_rate_by_count FROM gold.revenue_by_geography "
    "ORDER BY won_amount DESC",
    "segment": "SELECT segment, customers, won_amount, open_pipeline, invoiced_revenue, win_rate_by_count "
    "FROM gold.customer_segmentation ORDER BY won_amount DESC",
    "owners": "SELECT owner_name, manager_name, won_count, bookings, pipeline, weighted_pipeline, win_rate_by_count "
    "FROM gold.owner_performance ORDER BY bookings DESC, owner_name",
    "managers": "SELECT manager_name, direct_reports, won_count, bookings, pipeline, win_rate_by_count "
    "FROM gold.manager_performance ORDER BY bookings DESC, manager_name",
    "customers": f"SELECT {', '.join(CUSTOMER_COLUMNS)} FROM gold.customer_360 "
    "ORDER BY invoiced_revenue DESC, won_amount DESC, customer_name",
    "tiers": "SELECT lifetime_value_tier, count(*) AS customers, sum(invoiced_revenue) AS invoiced_revenue "
    "FROM gold.customer_360 GROUP BY lifetime_value_tier ORDER BY CASE lifetime_value_tier WHEN 'platinum' THEN 1 "
    "WHEN 'gold' THEN 2 WHEN 'silver' THEN 3 WHEN 'bronze' THEN 4 ELSE 5 END",
    "exposed": """
        SELECT c.customer_name, c.customer_number, r.product_name, r.warehouse_code, sum(l.quantity) AS units_90d
        FROM gold.fact_sales_order_line AS l
        JOIN gold.low_stock_risk AS r ON r.product_key = l.product_key AND r.warehouse_code = l.warehouse_code
        JOIN gold.dim_customer AS c ON c.customer_key = l.customer_key
        CROSS JOIN gold.run_context AS x
        WHERE r.at_risk AND l.order_date > x.as_of_date - 90 AND l.order_date <= x.as_of_date
        GROUP BY c.customer_name, c.customer_number, r.product_name, r.warehouse_code
        ORDER BY sum(l.quantity) DESC, c.customer_name""",
    "stock": """
        SELECT product_name, warehouse_code, supplier_name, quantity_available, reorder_point, days_of_cover,
               lead_time_days, at_risk, risk_reason
        FROM gold.low_stock_risk ORDER BY at_risk DESC, days_of_cover NULLS LAST, product_name""",
    "suppliers": """
        SELECT s.supplier_name, s.received_orders, s.on_time_rate, s.fill_rate, s.avg_lead_time_days,
               s.return_rate, s.units_sold,
               CASE WHEN s.units_sold > 0 THEN coalesce(d.defective_units, 0) * 1.0 / s.units_sold END AS defect_rate
        FROM gold.supplier_performance AS s
        LEFT JOIN (
            SELECT p.supplier_id, sum(r.quantity) AS defective_units
            FROM gold.fact_return AS r JOIN gold.dim_product AS p ON p.product_key = r.product_key
            WHERE r.reason = 'defective' GROUP BY p.supplier_id
        ) AS d ON d.supplier_id = s.supplier_id
        ORDER BY s.on_time_rate NULLS LAST, s.supplier_name""",
    "demand": "SELECT order_month, family, sum(units) AS units, sum(revenue) AS revenue FROM gold.demand_trend "
    "GROUP BY order_month, family ORDER BY order_month, family",
    "returns": """
        SELECT r.reason, count(*) AS returns, sum(r.quantity) AS units, sum(r.refund_amount) AS refunded
        FROM gold.fact_return AS r GROUP BY r.reason ORDER BY count(*) DESC, r.reason""",
    "aging": """
        SELECT sum(age_0_30) AS age_0_30, sum(age_31_60) AS age_31_60, sum(age_61_90) AS age_61_90,
               sum(age_over_90) AS age_over_90, sum(past_due) AS past_due, sum(total_outstanding) AS outstanding
        FROM gold.ar_aging""",
    "over_limit": """
        SELECT customer_name, customer_number, credit_limit, total_outstanding,
               total_outstanding - credit_limit AS over_by, past_due
        FROM gold.ar_aging WHERE credit_limit IS NOT NULL AND total_outstanding > credit_limit
        ORDER BY total_outstanding - credit_limit DESC, customer_name""",
    "dso": """
        SELECT
            (SELECT coalesce(sum(outstanding_amount), 0) FROM gold.fact_invoice) AS receivables,
            (SELECT coalesce(sum(i.amount), 0) FROM gold.fact_invoice AS i CROSS JOIN gold.run_context AS x
             WHERE i.invoice_date > x.as_of_date - 90 AND i.invoice_date <= x.as_of_date) AS revenue_90d""",
    # data health, from the run ledger
    "objects": """
        SELECT object, count(*) AS batches, sum(rows_in) AS rows_in, sum(rows_loaded) AS loaded,
               sum(coalesce(rows_flagged, 0)) AS flagged, sum(rows_quarantined) AS quarantined,
               sum(rows_duplicate) AS duplicates, max(finished_at) AS last_applied
        FROM meta.load_log WHERE layer = 'silver' GROUP BY object ORDER BY object""",
    "landed": "SELECT object, max(ingested_at) AS last_landed, sum(row_count) AS bronze_rows FROM meta.ingested_files "
    "GROUP BY object",
    "watermarks": "SELECT layer, object, value, updated_at FROM meta.watermark WHERE layer <> 'silver' "
    "ORDER BY layer, object",
    "flags": "SELECT check_name, count(*) AS flags FROM meta.flags GROUP BY check_name ORDER BY count(*) DESC",
    "quarantined_files": "SELECT object, file, reason, quarantined_at FROM meta.quarantined_files "
    "ORDER BY quarantined_at DESC",
    "api_usage": """
        SELECT format, ingested_at FROM meta.ingested_files
        WHERE format LIKE '%api_usage%' ORDER BY ingested_at DESC LIMIT 1""",
}
GOLD_REQUIRED = "headline_kpis"  # a warehouse without it has no gold yet


class ReportError(RuntimeError):
    """The warehouse holds nothing to report on yet, or cannot be read: one line for the user."""


@dataclass
class ReportData:
    """Every frame the report draws, by the name of its query, and the run context."""

    frames: dict[str, pd.DataFrame]
    as_of: dt.date
    fiscal_period: str
    currency: str  # the currency sales figures are in, named on each of them
    erp_currency: str  # the currency of ERP amounts, or a note that they are mixed
    runs: list[dict[str, Any]] = field(default_factory=list)
    api_usage: tuple[int, int] | None = None  # Salesforce API requests used / allowed, from the last live extract
    warehouse: str = ""
    next_window: str | None = None  # the next maintenance window, as a phrase

    @property
    def headline(self) -> dict[str, Any]:
        rows = self.frames["headline"].to_dict("records")
        return rows[0] if rows else {}

    @property
    def dso(self) -> float | None:
        row = self.frames["dso"].iloc[0]
        revenue = float(row["revenue_90d"] or 0)
        return None if revenue <= 0 else float(row["receivables"] or 0) / revenue * 90


def _currency(codes: pd.Series, reporting: str | None, what: str) -> str:
    """The one currency `codes` are in, the reporting currency they were converted to, or a plain note."""
    if reporting:
        return str(reporting)
    known = sorted({str(c) for c in codes.dropna()})
    if len(known) == 1:
        return known[0]
    if not known:
        return "the org's currency"
    return f"mixed currencies ({', '.join(known)}), {what}"


def collect(wh: Warehouse) -> ReportData:
    """Read every figure of the report from the warehouse, or say in one line why there is nothing yet."""
    try:
        with wh.engine.connect() as conn:
            if "gold" not in wh.schemas_with(conn, GOLD_REQUIRED):
                raise ReportError(f"the warehouse {wh} has no gold yet: run `fauxforce run` first")
            frames = {name: _read(conn, sql) for name, sql in QUERIES.items()}
            history = ledger.runs(conn) if "meta" in wh.schemas_with(conn, "runs") else []
    except sa.exc.DBAPIError as e:
        raise WarehouseError(f"cannot read the warehouse {wh}: {db_reason(e)}") from None
    context = frames["context"].iloc[0]
    headline = frames["headline"].to_dict("records")
    reporting = context["reporting_currency"] if pd.notna(context["reporting_currency"]) else None
    usage = None
    if len(frames["api_usage"]):
        used = json.loads(frames["api_usage"].iloc[0]["format"]).get("api_usage")
        if used:
            usage = (int(used[0]), int(used[1]))
    return ReportData(
        frames=frames,
        as_of=pd.Timestamp(context["as_of_date"]).date(),
        fiscal_period=str(headline[0]["fiscal_period"]) if headline else "",
        currency=_currency(frames["currencies"]["currency"], reporting, "summed as they are"),
        erp_currency=_currency(frames["erp_currencies"]["currency"], None, "not converted"),
        runs=history,
        api_usage=usage,
        warehouse=str(wh),
    )


def _read(conn: Connection, sql: str) -> pd.DataFrame:
    result = conn.execute(sa.text(sql))
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    for column in frame.columns:  # Decimal → float for the charts; the page formats every figure itself
        if frame[column].dtype == object and len(frame) and _is_number(frame[column]):
            frame[column] = pd.to_numeric(frame[column])
    return frame


def _is_number(values: pd.Series) -> bool:
    present = values.dropna()
    return bool(len(present)) and all(isinstance(v, Decimal | int | float) for v in present)
