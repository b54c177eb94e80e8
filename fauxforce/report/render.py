"""The report as one self-contained HTML file: Plotly charts with plotly.js inline, no request to anywhere.

`write_report` reads the warehouse (`data.collect`), draws the charts, fills the template and writes the
file atomically (a temporary file beside it, then a rename), so a reader never sees half a report. The
page's Content-Security-Policy forbids every network request; the file opens from disk anywhere.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from fauxforce import __version__
from fauxforce.core.files import write_text_atomic
from fauxforce.core.warehouse import Warehouse
from fauxforce.report.data import CUSTOMER_COLUMNS, DEFINITIONS, ReportData, collect
from fauxforce.report.status import next_window

PALETTE = ["#1f5fa8", "#e07b39", "#3a9a5b", "#b8434a", "#7a5aa6", "#8c6d46", "#d16fb0", "#6b6b6b"]
SECTIONS = ("sales", "customers", "supply", "finance", "health")


@dataclass(frozen=True)
class ReportResult:
    path: Path
    bytes: int
    charts: int
    as_of: dt.date


# ---- formatting -----------------------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT


def money(value: Any) -> str:
    return "—" if _missing(value) else f"{float(value):,.0f}"


def count(value: Any) -> str:
    return "—" if _missing(value) else f"{int(value):,}"


def rate(value: Any) -> str:
    return "—" if _missing(value) else f"{float(value):.1%}"


def number(value: Any) -> str:
    return "—" if _missing(value) else f"{float(value):,.1f}"


def when(value: Any) -> str:
    if _missing(value):
        return "—"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return str(value)[:10] if isinstance(value, dt.date | pd.Timestamp) else str(value)


FORMATS: dict[str, Callable[[Any], str]] = {
    "money": money,
    "count": count,
    "rate": rate,
    "number": number,
    "when": when,
    "text": str,
}


def table(frame: pd.DataFrame, columns: list[tuple[str, str, str]], limit: int | None = None) -> dict[str, Any]:
    """A table for the template: header labels, and each cell as (shown text, raw value, is numeric)."""
    shown = frame if limit is None else frame.head(limit)
    rows = []
    for record in shown.to_dict("records"):
        cells = []
        for key, _, fmt in columns:
            value = record.get(key)
            text = "—" if _missing(value) else FORMATS[fmt](value)
            raw = "" if _missing(value) else str(value)
            cells.append((text, raw, fmt not in ("text", "when")))
        rows.append(cells)
    return {
        "keys": [c[0] for c in columns],
        "labels": [c[1] for c in columns],
        "rows": rows,
        "total": len(frame),
        "shown": len(shown),
    }


# ---- charts ---------------------------------------------------------------------------------------------


def _html(fig: go.Figure, div_id: str, title: str) -> str:
    fig.update_layout(
        title={"text": title, "font": {"size": 14}},
        template="plotly_white",
        colorway=PALETTE,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        height=340,
        legend={"orientation": "h", "y": -0.2},
    )
    return str(
        fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=div_id,
            config={"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["toImage"]},
        )
    )


def charts(d: ReportData) -> dict[str, str]:
    """Every chart of the report as an HTML fragment, by id; a chart with no data is left out."""
    f, cur, out = d.frames, d.currency, {}
    q = f["quarters"]
    if len(q):
        fig = go.Figure()
        fig.add_bar(x=q["fiscal_period"], y=q["bookings"], name=f"Bookings ({cur})")
        closed = q["won_count"] + q["lost_count"]
        fig.add_scatter(
            x=q["fiscal_period"], y=q["won_count"] / closed, name="Win rate", yaxis="y2", mode="lines+markers"
        )
        fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "tickformat": ".0%", "range": [0, 1.05]})
        out["chart-bookings"] = _html(fig, "chart-bookings", f"Bookings ({cur}) and win rate by fiscal quarter")
    p = f["pipeline"]
    if len(p):
        fig = go.Figure()
        for category, rows in p.groupby("forecast_category", sort=True, dropna=False):
            fig.add_bar(x=rows["stage_name"], y=rows["pipeline"], name=str(category))
        fig.update_layout(barmode="stack")
        title = f"Open pipeline by stage and forecast category, as of {d.as_of} ({cur})"
        out["chart-pipeline"] = _html(fig, "chart-pipeline", title)
    for key, column, label in (("industry", "industry", "industry"), ("segment", "segment", "segment")):
        rows = f[key].head(12)
        if len(rows):
            fig = go.Figure(go.Bar(x=rows["won_amount"], y=rows[column].fillna("(none)"), orientation="h"))
            fig.update_layout(yaxis={"autorange": "reversed"})
            out[f"chart-{key}"] = _html(fig, f"chart-{key}", f"Won amount by {label}, all time ({cur})")
    g = f["geography"]
    if len(g):
        fig = go.Figure()
        for region, rows in g.groupby("region", sort=True, dropna=False):
            fig.add_bar(x=rows["country"].fillna("(none)"), y=rows["won_amount"], name=str(region))
        out["chart-geography"] = _html(fig, "chart-geography", f"Won amount by country and region, all time ({cur})")
    s = f["stock"]
    if len(s):
        fig = go.Figure()
        for risk, rows in s.groupby("at_risk", sort=True):
            fig.add_scatter(
                x=rows["lead_time_days"],
                y=rows["days_of_cover"],
                mode="markers",
                name="at risk" if risk else "covered",
                text=rows["product_name"] + " @ " + rows["warehouse_code"],
            )
        fig.update_layout(xaxis_title="supplier lead time (days)", yaxis_title="days of cover")
        out["chart-stock"] = _html(fig, "chart-stock", f"Days of cover against lead time, as of {d.as_of}")
    m = f["demand"]
    if len(m):
        fig = go.Figure()
        for family, rows in m.groupby("family", sort=True, dropna=False):
            fig.add_scatter(x=rows["order_month"], y=rows["units"], name=str(family), mode="lines")
        out["chart-demand"] = _html(fig, "chart-demand", "Units ordered per month by product family")
    r = f["returns"]
    if len(r):
        fig = go.Figure(go.Bar(x=r["reason"].fillna("(none)"), y=r["units"]))
        out["chart-returns"] = _html(fig, "chart-returns", "Units returned by reason, all time")
    a = f["aging"]
    if len(a) and not _missing(a.iloc[0]["outstanding"]):
        row = a.iloc[0]
        buckets = ["0–30 days", "31–60 days", "61–90 days", "over 90 days"]
        values = [row["age_0_30"], row["age_31_60"], row["age_61_90"], row["age_over_90"]]
        fig = go.Figure(go.Bar(x=buckets, y=values))
        title = f"Receivables by invoice age, as of {d.as_of} ({d.erp_currency})"
        out["chart-aging"] = _html(fig, "chart-aging", title)
    sup = f["suppliers"]
    if len(sup):
        fig = go.Figure()
        fig.add_bar(x=sup["supplier_name"], y=sup["on_time_rate"], name="on time")
        fig.add_bar(x=sup["supplier_name"], y=sup["defect_rate"], name="defective")
        fig.update_layout(yaxis={"tickformat": ".0%"}, barmode="group")
        out["chart-suppliers"] = _html(fig, "chart-suppliers", "Supplier on-time and defect rates, all time")
    return out


# ---- the page -------------------------------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(FORMATS)
    return env


def render(d: ReportData) -> tuple[str, int]:
    """The report page and how many charts it draws."""
    f = d.frames
    drawn = charts(d)
    health = f["objects"].merge(f["landed"], on="object", how="outer").sort_values("object")
    customers = f["customers"]
    template = _environment().from_string(files("fauxforce.report").joinpath("report.html.j2").read_text("utf-8"))
    page = template.render(
        d=d,
        h=d.headline,
        charts=drawn,
        definitions=DEFINITIONS,
        version=__version__,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        plotly_js=plotly.offline.get_plotlyjs(),
        owners=table(
            f["owners"],
            [
                ("owner_name", "owner", "text"),
                ("manager_name", "manager", "text"),
                ("won_count", "won deals", "count"),
                ("bookings", f"bookings ({d.currency})", "money"),
                ("pipeline", f"open pipeline ({d.currency})", "money"),
                ("weighted_pipeline", f"weighted ({d.currency})", "money"),
                ("win_rate_by_count", "win rate", "rate"),
            ],
            limit=15,
        ),
        managers=table(
            f["managers"],
            [
                ("manager_name", "manager", "text"),
                ("direct_reports", "direct reports", "count"),
                ("won_count", "won deals", "count"),
                ("bookings", f"bookings ({d.currency})", "money"),
                ("pipeline", f"open pipeline ({d.currency})", "money"),
                ("win_rate_by_count", "win rate", "rate"),
            ],
        ),
        pipeline=table(
            f["pipeline"],
            [
                ("stage_name", "stage", "text"),
                ("forecast_category", "forecast category", "text"),
                ("open_count", "open deals", "count"),
                ("pipeline", f"pipeline ({d.currency})", "money"),
                ("weighted_pipeline", f"weighted ({d.currency})", "money"),
            ],
        ),
        top_customers=table(
            customers,
            [
                ("customer_name", "customer", "text"),
                ("lifetime_value_tier", "tier", "text"),
                ("invoiced_revenue", f"lifetime value ({d.erp_currency})", "money"),
                ("won_amount", f"won ({d.currency})", "money"),
                ("outstanding_receivables", f"outstanding ({d.erp_currency})", "money"),
            ],
            limit=10,
        ),
        tiers=table(
            f["tiers"],
            [
                ("lifetime_value_tier", "tier", "text"),
                ("customers", "customers", "count"),
                ("invoiced_revenue", f"lifetime value ({d.erp_currency})", "money"),
            ],
        ),
        customer_columns=list(CUSTOMER_COLUMNS),
        customer_rows=customers.astype(object).where(customers.notna(), None).values.tolist(),
        exposed=table(
            f["exposed"],
            [
                ("customer_name", "customer", "text"),
                ("customer_number", "ERP number", "text"),
                ("product_name", "at-risk product", "text"),
                ("warehouse_code", "warehouse", "text"),
                ("units_90d", "units, last 90 days", "count"),
            ],
            limit=25,
        ),
        stock=table(
            f["stock"][f["stock"]["at_risk"].astype(bool)],
            [
                ("product_name", "product", "text"),
                ("warehouse_code", "warehouse", "text"),
                ("supplier_name", "supplier", "text"),
                ("quantity_available", "available", "count"),
                ("reorder_point", "reorder point", "count"),
                ("days_of_cover", "days of cover", "number"),
                ("lead_time_days", "lead time (days)", "count"),
                ("risk_reason", "why", "text"),
            ],
            limit=25,
        ),
        suppliers=table(
            f["suppliers"],
            [
                ("supplier_name", "supplier", "text"),
                ("received_orders", "received orders", "count"),
                ("on_time_rate", "on time", "rate"),
                ("fill_rate", "fill rate", "rate"),
                ("avg_lead_time_days", "avg lead time (days)", "number"),
                ("return_rate", "return rate", "rate"),
                ("defect_rate", "defect rate", "rate"),
            ],
        ),
        returns=table(
            f["returns"],
            [
                ("reason", "reason", "text"),
                ("returns", "returns", "count"),
                ("units", "units", "count"),
                ("refunded", f"refunded ({d.erp_currency})", "money"),
            ],
        ),
        over_limit=table(
            f["over_limit"],
            [
                ("customer_name", "customer", "text"),
                ("customer_number", "ERP number", "text"),
                ("credit_limit", f"credit limit ({d.erp_currency})", "money"),
                ("total_outstanding", f"outstanding ({d.erp_currency})", "money"),
                ("over_by", "over by", "money"),
                ("past_due", "past due", "money"),
            ],
            limit=25,
        ),
        aging=f["aging"].to_dict("records")[0] if len(f["aging"]) else {},
        objects=table(
            health,
            [
                ("object", "object", "text"),
                ("bronze_rows", "rows landed", "count"),
                ("rows_in", "rows in (silver)", "count"),
                ("loaded", "loaded", "count"),
                ("flagged", "flagged", "count"),
                ("quarantined", "quarantined", "count"),
                ("duplicates", "duplicates", "count"),
                ("last_landed", "last landed", "when"),
                ("last_applied", "last applied to silver", "when"),
            ],
        ),
        flags=table(f["flags"], [("check_name", "check", "text"), ("flags", "flags", "count")]),
        quarantined_files=table(
            f["quarantined_files"],
            [
                ("object", "object", "text"),
                ("file", "file", "text"),
                ("reason", "reason", "text"),
                ("quarantined_at", "when", "when"),
            ],
            limit=50,
        ),
        watermarks=table(
            f["watermarks"],
            [
                ("layer", "source", "text"),
                ("object", "object", "text"),
                ("value", "read up to", "text"),
                ("updated_at", "updated", "when"),
            ],
        ),
        runs=table(
            pd.DataFrame(d.runs, columns=RUN_COLUMNS),
            [
                ("started_at", "started", "when"),
                ("finished_at", "finished", "when"),
                ("status", "status", "text"),
                ("source", "CRM", "text"),
                ("erp_source", "ERP", "text"),
                ("bronze_rows", "rows landed", "count"),
                ("silver_loaded", "silver loaded", "count"),
                ("silver_flagged", "flagged", "count"),
                ("silver_quarantined", "quarantined", "count"),
                ("gold_checks", "gold checks passed", "count"),
                ("message", "message", "text"),
            ],
        ),
    )
    return page, len(drawn)


RUN_COLUMNS = [
    "run_id",
    "started_at",
    "finished_at",
    "status",
    "source",
    "erp_source",
    "bronze_rows",
    "silver_loaded",
    "silver_flagged",
    "silver_quarantined",
    "silver_duplicates",
    "gold_as_of",
    "gold_checks",
    "message",
]


def write_report(wh: Warehouse, path: Path, maintenance: str | None = None) -> ReportResult:
    """Read the warehouse and write the report to `path`, replacing any earlier one in one step.
    `maintenance`: the declared maintenance windows, of which the next is shown."""
    d = collect(wh)
    d.next_window = next_window(maintenance)
    page, drawn = render(d)
    size = write_text_atomic(path, page)
    return ReportResult(path=path, bytes=size, charts=drawn, as_of=d.as_of)
