"""What an analyst sees in a generated org: the shape figures docs/generator.md states targets for.

`measure(folder)` reads the exports (CSV or Parquet, as `generate` wrote them) and returns plain
figures: how concentrated revenue is, how segments, regions, industries and reps differ, how bookings
fall over the calendar, how customers pay. tests/generators/test_shape.py holds the org to the targets;
benchmarks/shape.py prints the figures side by side for several scales.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pv
import pyarrow.parquet as pq


@dataclass
class Group:
    """One segment, region, industry or team: its closed deals and what they show."""

    closed: int
    win_rate: float
    mean_won: float  # mean Amount of the won deals
    median_cycle_days: float  # won deals, created to close


@dataclass
class Shape:
    accounts: int
    opportunities: int
    won: int
    win_rate: float
    mean_won: float
    median_won: float
    won_standard_error: float  # of mean_won: its sampling error, to compare orgs of different sizes
    opportunities_per_account: float
    lines_per_opportunity: float
    top20_customer_share: float  # of won revenue, among the accounts with any
    top20_product_share: float  # of won line revenue, among the products sold
    quarter_last_month_share: float  # of each full quarter's won bookings, in its last month (mean over quarters)
    quarter_last_two_weeks_share: float
    december_share_of_q4: float
    second_half_over_first: float  # won bookings, second half of the history over the first
    rep_win_rate_p10: float
    rep_win_rate_p90: float
    rep_won_p10: float  # won amount per rep (reps with at least 20 closed deals)
    rep_won_p90: float
    team_win_rate_min: float  # managers' teams (at least 100 closed deals)
    team_win_rate_max: float
    new_rep_win_rate: float  # closed deals created in their owner's first 60 days
    tenured_rep_win_rate: float  # closed deals whose owner had been in post 120 days or more
    new_rep_deals: int
    late_payer_share: float  # customers whose median payment comes after the due date
    late_payment_share: float  # payments made after the due date
    over_credit_share: float  # customers owing more than their credit limit
    dso_days: float  # open receivables over the last 90 days' invoicing, times 90
    cover_days_p25: float  # days of cover at the last day (on hand / the last 90 days' daily shipments), by demand
    cover_days_p50: float
    cover_days_p75: float
    segments: dict[str, Group] = field(default_factory=dict)
    regions: dict[str, Group] = field(default_factory=dict)
    industries: dict[str, Group] = field(default_factory=dict)


def _read(folder: Path, name: str, columns: list[str]) -> pd.DataFrame:
    parquet = folder / f"{name}.parquet"
    if parquet.exists():
        return pq.read_table(parquet, columns=columns).to_pandas()
    # Only the empty string is null: "NA" is a region (North America), not a missing value.
    options = pv.ConvertOptions(include_columns=columns, null_values=[""], strings_can_be_null=True)
    return pv.read_csv(folder / f"{name}.csv", convert_options=options).to_pandas()


def _day(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.astype(str).str.slice(0, 10))


def _groups(closed: pd.DataFrame, by: str, minimum: int = 1) -> dict[str, Group]:
    out: dict[str, Group] = {}
    for key, g in closed.groupby(by):
        if len(g) < minimum:
            continue
        won = g[g.won]
        out[str(key)] = Group(
            closed=len(g),
            win_rate=float(g.won.mean()),
            mean_won=float(won.Amount.mean()) if len(won) else 0.0,
            median_cycle_days=float(won.cycle.median()) if len(won) else 0.0,
        )
    return out


def _top_share(values: pd.Series) -> float:
    ordered = np.sort(values.to_numpy())[::-1]
    return float(ordered[: max(1, len(ordered) // 5)].sum() / ordered.sum()) if len(ordered) else 0.0


def measure(folder: Path) -> Shape:
    sf, erp = folder / "salesforce", folder / "erp"
    acc = _read(sf, "Account", ["Id", "Industry", "CustomerSegment__c", "GeographicRegion__c"])
    opp = _read(
        sf, "Opportunity", ["Id", "AccountId", "OwnerId", "Amount", "IsClosed", "IsWon", "CloseDate", "CreatedDate"]
    )
    users = _read(sf, "User", ["Id", "ManagerId", "CreatedDate"])
    lines = _read(sf, "OpportunityLineItem", ["OpportunityId", "Product2Id", "TotalPrice"])
    opp["won"] = opp.IsWon.astype(str).str.lower() == "true"
    opp["close"] = _day(opp.CloseDate)
    opp["cycle"] = (opp.close - _day(opp.CreatedDate)).dt.days
    closed = opp[opp.IsClosed.astype(str).str.lower() == "true"].merge(
        acc.rename(columns={"Id": "AccountId"}), on="AccountId"
    )
    won = opp[opp.won]
    if won.empty:
        raise ValueError(f"{folder}: no won deals to measure; generate a larger --scale or a longer history")
    amount = won.Amount.astype(float)

    # the calendar: full quarters of the history only
    first, last = won.close.min(), won.close.max()
    quarters = won.assign(q=won.close.dt.to_period("Q"))
    full = [
        q
        for q in quarters.q.unique()
        if q.start_time >= first.normalize() and q.end_time <= last + pd.Timedelta(days=1)
    ]
    last_month, last_weeks, december = [], [], []
    for q in full:
        mine = quarters[quarters.q == q]
        total = mine.Amount.sum()
        last_month.append(mine[mine.close.dt.month == q.end_time.month].Amount.sum() / total)
        last_weeks.append(mine[mine.close > q.end_time - pd.Timedelta(days=14)].Amount.sum() / total)
        if q.quarter == 4:
            december.append(last_month[-1])
    middle = first + (last - first) / 2
    halves = won[won.close > middle].Amount.sum() / max(won[won.close <= middle].Amount.sum(), 1.0)

    # reps and their managers' teams
    reps = closed.groupby("OwnerId").agg(n=("won", "size"), win=("won", "mean"))
    reps["won_amount"] = closed[closed.won].groupby("OwnerId").Amount.sum()
    reps = reps[reps.n >= 20].fillna(0.0)
    teams = (
        closed.merge(users.rename(columns={"Id": "OwnerId"}), on="OwnerId")
        .groupby("ManagerId")
        .won.agg(["size", "mean"])
    )
    teams = teams[teams["size"] >= 100]
    joined = closed.OwnerId.map(users.set_index("Id").CreatedDate.pipe(_day))
    tenure = (_day(closed.CreatedDate) - joined).dt.days
    new, tenured = closed[tenure < 60], closed[tenure >= 120]

    sold = lines[lines.OpportunityId.isin(won.Id)]
    product_revenue = sold.groupby("Product2Id").TotalPrice.sum()

    return Shape(
        accounts=len(acc),
        opportunities=len(opp),
        won=len(won),
        win_rate=float(closed.won.mean()),
        mean_won=float(amount.mean()),
        median_won=float(amount.median()),
        won_standard_error=float(amount.std() / np.sqrt(max(len(amount), 1))),
        opportunities_per_account=len(opp) / max(len(acc), 1),
        lines_per_opportunity=len(lines) / max(len(opp), 1),
        top20_customer_share=_top_share(won.groupby("AccountId").Amount.sum()),
        top20_product_share=_top_share(product_revenue),
        quarter_last_month_share=float(np.mean(last_month)) if last_month else float("nan"),
        quarter_last_two_weeks_share=float(np.mean(last_weeks)) if last_weeks else float("nan"),
        december_share_of_q4=float(np.mean(december)) if december else float("nan"),
        second_half_over_first=float(halves),
        rep_win_rate_p10=float(reps.win.quantile(0.1)),
        rep_win_rate_p90=float(reps.win.quantile(0.9)),
        rep_won_p10=float(reps.won_amount.quantile(0.1)),
        rep_won_p90=float(reps.won_amount.quantile(0.9)),
        team_win_rate_min=float(teams["mean"].min()),
        team_win_rate_max=float(teams["mean"].max()),
        new_rep_win_rate=float(new.won.mean()) if len(new) else float("nan"),
        tenured_rep_win_rate=float(tenured.won.mean()),
        new_rep_deals=len(new),
        **_payments(erp),
        **_cover(erp, last),
        segments=_groups(closed, "CustomerSegment__c"),
        regions=_groups(closed, "GeographicRegion__c"),
        industries=_groups(closed, "Industry", minimum=200),
    )


def _cover(erp: Path, last: pd.Timestamp) -> dict[str, float]:
    """Days of cover of the stocked cells at the last day, weighted by their demand (slow movers hold more)."""
    stock = _read(erp, "inventory", ["sku", "warehouse_code", "quantity_on_hand"])
    moves = _read(
        erp, "inventory_transactions", ["sku", "warehouse_code", "transaction_type", "quantity", "created_at"]
    )
    at = _day(moves.created_at)
    sold = moves[(moves.transaction_type == "sale") & (at > last - pd.Timedelta(days=90)) & (at <= last)]
    daily = -sold.groupby(["sku", "warehouse_code"]).quantity.sum() / 90
    stock = stock.set_index(["sku", "warehouse_code"]).quantity_on_hand.astype(float)
    daily = daily.reindex(stock.index).fillna(0.0)
    moving = daily > 0
    cover = (stock[moving] / daily[moving]).sort_values()
    weight = daily[moving].reindex(cover.index).cumsum() / daily[moving].sum()
    return {f"cover_days_p{q}": float(cover[weight >= q / 100].iloc[0]) for q in (25, 50, 75)}


def _payments(erp: Path) -> dict[str, float]:
    customers = _read(erp, "customers", ["customer_number", "credit_limit"])
    invoices = _read(
        erp, "invoices", ["invoice_number", "customer_number", "invoice_date", "due_date", "amount", "amount_paid"]
    )
    payments = _read(erp, "payments", ["invoice_number", "payment_date"])
    paid = payments.merge(invoices, on="invoice_number")
    days_late = (_day(paid.payment_date) - _day(paid.due_date)).dt.days
    per_customer = days_late.groupby(paid.customer_number).median()
    open_amount = (
        (invoices.amount.astype(float) - invoices.amount_paid.astype(float)).groupby(invoices.customer_number).sum()
    )
    limit = customers.set_index("customer_number").credit_limit.astype(float)
    owed = open_amount.reindex(limit.index).fillna(0.0)
    invoiced_on = _day(invoices.invoice_date)
    recent = invoices[invoiced_on > invoiced_on.max() - pd.Timedelta(days=90)].amount.astype(float).sum()
    return {
        "late_payer_share": float((per_customer > 0).mean()),
        "late_payment_share": float((days_late > 0).mean()),
        "over_credit_share": float((owed > limit).mean()),
        "dso_days": float(open_amount.sum() / max(recent, 1.0) * 90),
    }
