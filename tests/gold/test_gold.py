"""Gold on DuckDB and PostgreSQL: marts against figures computed from the generated files, the checks,
and a failed check that leaves the previous gold in place."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from fauxforce.core.warehouse import Warehouse
from fauxforce.gold.build import GoldCheckError, build_gold
from fauxforce.gold.models import ModelError, load_models, parse, sql_files
from tests.conftest import AS_OF, Org, load_silver, postgres_database

ENGINES = ("duckdb", "postgresql")


@pytest.fixture(scope="module")
def gold(org: Org, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Warehouse]]:
    """The small org loaded through bronze, silver and gold once per engine."""
    with postgres_database() as pg_url:
        warehouses = {
            "duckdb": Warehouse(f"duckdb:///{tmp_path_factory.mktemp('gold') / 'wh.duckdb'}"),
            "postgresql": Warehouse(pg_url),
        }
        for wh in warehouses.values():
            load_silver(wh, org.root)
            build_gold(wh)
        yield warehouses
        for wh in warehouses.values():
            wh.dispose()


def frame(wh: Warehouse, sql: str) -> pd.DataFrame:
    with wh.engine.connect() as conn:
        result = conn.exec_driver_sql(sql)
        df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    for column in df.columns:  # Decimal and numpy-free ints → floats, so both engines compare alike
        if df[column].map(lambda v: hasattr(v, "as_tuple")).any():
            df[column] = df[column].astype(float)
    return df


def money(df: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_numeric(df[column]).fillna(0.0)


def day(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series.str[:10]).dt.date


def test_the_models_parse_and_run_after_what_they_read() -> None:
    models = load_models()
    names = [m.name for m in models]
    assert len(names) == len(sql_files()) == len(set(names))
    position = {n: i for i, n in enumerate(names)}
    for m in models:
        assert m.key, m.name
        assert all(position[d] < position[m.name] for d in m.depends), m.name
    fact = next(m for m in models if m.name == "fact_opportunity")
    assert fact.key == ("opportunity_id",) and fact.accepted["status"] == ("won", "lost", "open")
    assert {"dim_customer", "dim_user", "dim_date"} <= fact.depends
    assert [(i.source, i.columns, i.where, i.reading) for i in fact.incremental] == [
        (("silver", "opportunity"), ("opportunity_id",), None, ()),
        (("gold", "dim_customer"), ("account_id",), None, ("customer_key",)),
        (("gold", "run_context"), ("as_of_date",), "close_date is null", ()),
    ]


def test_a_malformed_model_is_named_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "x.sql"
    bad.write_text("-- @key id\n-- @refrences a dim.b\nselect 1 as id\n")
    with pytest.raises(ModelError, match=r"x\.sql:2: unknown directive @refrences"):
        parse(bad)
    bad.write_text("-- no key\nselect 1 as id\n")
    with pytest.raises(ModelError, match="no @key line"):
        parse(bad)
    for line, message in (
        ("silver.account account_id", "which the query does not read"),
        ("gold.run_context as_of_date", "takes `where <predicate>`, and only it does"),
        ("silver.opportunity id where is_closed", "takes `where <predicate>`, and only it does"),
        ("silver.opportunity id reading name", "`reading` is for a gold input"),
        ("opportunity id", "write @incremental"),
    ):
        bad.write_text(f"-- @key id\n-- @incremental {line}\nselect id from silver.opportunity, gold.run_context\n")
        with pytest.raises(ModelError, match=rf"x\.sql:2: .*{re.escape(message)}"):
            parse(bad)
    (tmp_path / "a.sql").write_text("-- @key id\nselect id from gold.b\n")
    (tmp_path / "b.sql").write_text("-- @key id\nselect id from gold.a\n")
    bad.unlink()
    with pytest.raises(ModelError, match="cycle"):
        load_models(tmp_path)


@pytest.mark.parametrize("engine", ENGINES)
def test_revenue_by_industry_matches_the_files(gold: dict[str, Warehouse], org: Org, engine: str) -> None:
    opp, acc = org["Opportunity"], org["Account"]
    deals = opp.merge(acc[["Id", "Industry"]].rename(columns={"Id": "AccountId"}), on="AccountId", how="left")
    deals["industry"] = deals["Industry"].fillna("Unknown")
    deals["amount"] = money(deals, "Amount")
    won = deals[deals["IsWon"] == "true"].groupby("industry")["amount"].sum()
    open_ = deals[deals["IsClosed"] == "false"]
    pipeline = open_.groupby("industry")["amount"].sum()
    mart = frame(gold[engine], "SELECT * FROM gold.revenue_by_industry").set_index("industry")
    assert won.sum() > 0 and set(mart.index) == set(deals["industry"])
    pd.testing.assert_series_equal(mart["won_amount"].reindex(won.index), won, check_names=False, atol=0.005)
    pd.testing.assert_series_equal(
        mart["open_pipeline"].reindex(pipeline.index), pipeline, check_names=False, atol=0.005
    )
    closed = deals[deals["IsClosed"] == "true"].groupby("industry")["IsWon"].agg(lambda s: (s == "true").mean())
    assert np.allclose(mart["win_rate_by_count"].reindex(closed.index), closed, atol=1e-4)
    customers = deals.groupby("industry")["AccountId"].nunique()  # an account is one customer
    assert mart["customers_with_deals"].reindex(customers.index).tolist() == customers.tolist()


@pytest.mark.parametrize("engine", ENGINES)
def test_owners_managers_and_bookings_match_the_files(gold: dict[str, Warehouse], org: Org, engine: str) -> None:
    wh = gold[engine]
    opp = org["Opportunity"].assign(amount=lambda d: money(d, "Amount"))
    won = opp[opp["IsWon"] == "true"]
    owners = frame(wh, "SELECT owner_user_id, bookings FROM gold.owner_performance").set_index("owner_user_id")
    expected = won.groupby("OwnerId")["amount"].sum()
    assert np.allclose(owners["bookings"].reindex(expected.index), expected, atol=0.005)
    reports = org["User"]["ManagerId"].value_counts()
    managers = frame(wh, "SELECT manager_id, direct_reports FROM gold.manager_performance").set_index("manager_id")
    assert managers["direct_reports"].to_dict() == reports.to_dict()
    close = pd.to_datetime(won["CloseDate"]).dt.date
    this_quarter = won[(close >= dt.date(2026, 4, 1)) & (close <= AS_OF)]["amount"].sum()
    headline = frame(wh, "SELECT * FROM gold.headline_kpis").iloc[0]
    assert headline["as_of_date"] == AS_OF and headline["fiscal_period"] == "FY2026 Q2"
    assert headline["bookings_this_quarter"] == pytest.approx(this_quarter, abs=0.005)
    assert headline["won_amount"] == pytest.approx(won["amount"].sum(), abs=0.005)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_open_pipelines_age_matches_the_files(gold: dict[str, Warehouse], org: Org, engine: str) -> None:
    """sales_pipeline.avg_days_open: the mean of as-of date - created date over each row's open deals."""
    opp = org["Opportunity"]
    open_ = opp[opp["IsClosed"] == "false"].assign(age=lambda d: (AS_OF - day(d["CreatedDate"])).map(lambda t: t.days))
    expected = open_.groupby("StageName")["age"].mean()
    mart = frame(gold[engine], "SELECT stage_name, open_count, avg_days_open FROM gold.sales_pipeline")
    assert mart.loc[mart["open_count"] == 0, "avg_days_open"].isna().all()
    dated = mart[mart["open_count"] > 0]
    per_stage = (dated["avg_days_open"] * dated["open_count"]).groupby(dated["stage_name"]).sum()
    per_stage /= dated.groupby("stage_name")["open_count"].sum()
    assert len(expected) > 1 and expected.min() > 0
    assert np.allclose(per_stage.reindex(expected.index), expected, atol=0.05)  # each row's mean has one decimal


def _outstanding(org: Org) -> pd.DataFrame:
    invoices = org["erp/invoices"].assign(amount=lambda d: money(d, "amount"), tax=lambda d: money(d, "tax_amount"))
    payments = org["erp/payments"].assign(amount=lambda d: money(d, "amount"))
    paid = payments[day(payments["payment_date"]) <= AS_OF].groupby("invoice_number")["amount"].sum()
    invoices["outstanding"] = (invoices["amount"] - invoices["invoice_number"].map(paid).fillna(0)).round(2)
    invoices["age"] = (AS_OF - day(invoices["invoice_date"])).map(lambda d: d.days)
    return invoices


@pytest.mark.parametrize("engine", ENGINES)
def test_receivables_and_customer_360_match_the_files(gold: dict[str, Warehouse], org: Org, engine: str) -> None:
    wh = gold[engine]
    invoices = _outstanding(org)
    c360 = frame(wh, "SELECT * FROM gold.customer_360 WHERE customer_number IS NOT NULL").set_index("customer_number")
    invoiced = (invoices["amount"] - invoices["tax"]).groupby(invoices["customer_number"]).sum()  # net of tax
    assert np.allclose(c360["invoiced_revenue"].reindex(invoiced.index), invoiced, atol=0.005)
    assert c360["invoiced_revenue"].sum() == pytest.approx(invoiced.sum(), abs=0.01)
    owing = invoices[invoices["outstanding"] > 0]
    buckets = pd.cut(
        owing["age"], [-1, 30, 60, 90, 10**6], labels=["age_0_30", "age_31_60", "age_61_90", "age_over_90"]
    )
    expected = owing.pivot_table(
        index="customer_number", columns=buckets, values="outstanding", aggfunc="sum", fill_value=0.0, observed=False
    )
    aging = frame(wh, "SELECT * FROM gold.ar_aging").set_index("customer_number")
    assert len(aging) == len(expected) > 0
    for column in expected.columns:
        assert np.allclose(aging[str(column)].reindex(expected.index), expected[column], atol=0.005), column
    cases = org["Case"]
    open_cases = cases[cases["IsClosed"] == "false"]["AccountId"].value_counts()
    by_account = frame(wh, "SELECT account_id, open_cases FROM gold.customer_360 WHERE account_id IS NOT NULL")
    assert by_account.set_index("account_id")["open_cases"].reindex(open_cases.index).tolist() == open_cases.tolist()


@pytest.mark.parametrize("engine", ENGINES)
def test_stock_risk_and_suppliers_match_the_files(gold: dict[str, Warehouse], org: Org, engine: str) -> None:
    wh = gold[engine]
    inv = org["erp/inventory"].copy()
    for c in ("quantity_on_hand", "quantity_allocated", "reorder_point"):
        inv[c] = pd.to_numeric(inv[c]).fillna(0).astype(int)
    inv["available"] = inv["quantity_on_hand"] - inv["quantity_allocated"]
    tx = org["erp/inventory_transactions"].assign(quantity=lambda d: pd.to_numeric(d["quantity"]))
    when = day(tx["created_at"])
    sales = tx[(tx["transaction_type"] == "sale") & (when > AS_OF - dt.timedelta(days=90)) & (when <= AS_OF)]
    demand = -sales.groupby(["sku", "warehouse_code"])["quantity"].sum()
    orders, lines = org["erp/purchase_orders"], org["erp/purchase_order_lines"]
    po = lines.merge(orders[["po_number", "warehouse_code", "status"]], on="po_number")
    po = po[po["status"] != "received"]
    incoming = (
        (pd.to_numeric(po["quantity_ordered"]) - pd.to_numeric(po["quantity_received"]).fillna(0))
        .groupby([po["sku"], po["warehouse_code"]])
        .sum()
    )
    lead = (
        org["erp/products"]
        .set_index("sku")["supplier_id"]
        .map(org["erp/suppliers"].set_index("supplier_id")["lead_time_days"].astype(int))
    )
    key = pd.MultiIndex.from_frame(inv[["sku", "warehouse_code"]])
    daily = demand.reindex(key).fillna(0).to_numpy() / 90
    projected = inv["available"].to_numpy() + incoming.reindex(key).fillna(0).to_numpy()
    at_risk = (projected <= inv["reorder_point"].to_numpy()) | (projected < daily * lead.reindex(inv["sku"]).to_numpy())
    expected = set(map(tuple, inv.loc[at_risk, ["sku", "warehouse_code"]].to_numpy()))
    risk = frame(wh, "SELECT * FROM gold.low_stock_risk")
    assert set(map(tuple, risk.loc[risk["at_risk"], ["product_key", "warehouse_code"]].to_numpy())) == expected
    got = risk.set_index(["product_key", "warehouse_code"])
    assert (got["quantity_available"].reindex(key).to_numpy() == inv["available"].to_numpy()).all()
    assert (got["demand_90d"].reindex(key).to_numpy() == demand.reindex(key).fillna(0).to_numpy()).all()

    received = orders[orders["received_at"].notna()]
    on_time = (day(received["received_at"]) <= day(received["expected_date"])).groupby(received["supplier_id"]).mean()
    suppliers = frame(wh, "SELECT supplier_id, on_time_rate FROM gold.supplier_performance").set_index("supplier_id")
    assert np.allclose(suppliers["on_time_rate"].reindex(on_time.index), on_time, atol=1e-4)


@pytest.mark.parametrize("engine", ENGINES)
def test_demand_trend_matches_the_files(gold: dict[str, Warehouse], org: Org, engine: str) -> None:
    lines = org["erp/sales_order_lines"].merge(org["erp/sales_orders"][["so_number", "order_date"]], on="so_number")
    lines = lines.merge(org["erp/products"][["sku", "family", "category"]], on="sku")
    lines["year_month"] = lines["order_date"].str[:7]
    units = pd.to_numeric(lines["quantity"]).groupby([lines["year_month"], lines["family"], lines["category"]]).sum()
    trend = frame(gold[engine], "SELECT * FROM gold.demand_trend").set_index(["year_month", "family", "category"])
    assert trend["units"].reindex(units.index).astype(int).tolist() == units.astype(int).tolist()
    assert len(trend) == len(units)
    one = trend.sort_index().iloc[1:]
    prior = (
        trend["units"]
        .reindex([((pd.Period(m) - 1).strftime("%Y-%m"), f, c) for m, f, c in one.index])
        .to_numpy(dtype=float)
    )
    expected = np.where(prior > 0, (one["units"].to_numpy(dtype=float) - prior) / prior, np.nan)
    assert np.allclose(one["units_mom_change"].to_numpy(dtype=float), expected, atol=1e-4, equal_nan=True)


def test_gold_is_the_same_on_duckdb_and_postgresql(gold: dict[str, Warehouse]) -> None:
    for model in load_models():
        tables = []
        for engine in ENGINES:
            df = frame(gold[engine], f"SELECT * FROM gold.{model.name}")
            tables.append(df.sort_values(list(model.key)).reset_index(drop=True))
        duck, pg = tables
        assert list(duck.columns) == list(pg.columns), model.name
        assert len(duck) == len(pg), model.name
        for column in duck.columns:
            a, b = duck[column], pg[column]
            if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
                assert np.allclose(a.astype(float), b.astype(float), atol=1e-6, equal_nan=True), (model.name, column)
            else:
                assert a.astype(str).tolist() == b.astype(str).tolist(), (model.name, column)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_failed_check_rolls_gold_back_and_shows_the_rows(gold: dict[str, Warehouse], engine: str) -> None:
    wh = gold[engine]
    before = frame(wh, "SELECT product_key, warehouse_code, quantity_on_hand FROM gold.fact_inventory")
    sku, warehouse, on_hand = before.sort_values(["product_key", "warehouse_code"]).iloc[0]
    where = {"sku": sku, "wh": warehouse}
    change = (
        "UPDATE silver.inventory SET quantity_on_hand = quantity_on_hand + :d WHERE sku = :sku AND warehouse_code = :wh"
    )
    with wh.engine.begin() as conn:
        conn.execute(sa.text(change), {"d": 7, **where})
    try:
        with pytest.raises(GoldCheckError) as failed:
            build_gold(wh)
        message = str(failed.value)
        assert "test:inventory_reconciles_with_movements: 1 failing row" in message
        assert f"{sku} | {warehouse} | {on_hand + 7} | {on_hand}" in message
        assert [f.check for f in failed.value.failures] == ["test:inventory_reconciles_with_movements"]
        after = frame(wh, "SELECT product_key, warehouse_code, quantity_on_hand FROM gold.fact_inventory")
        order = ["product_key", "warehouse_code"]
        unchanged = after.sort_values(order).reset_index(drop=True)
        pd.testing.assert_frame_equal(unchanged, before.sort_values(order).reset_index(drop=True))
    finally:
        with wh.engine.begin() as conn:
            conn.execute(sa.text(change), {"d": -7, **where})
    assert build_gold(wh).tables["fact_inventory"] == len(before)


def test_gold_builds_on_an_empty_silver_with_a_shifted_fiscal_year(tmp_path: Path) -> None:
    (tmp_path / "landing").mkdir()
    wh = Warehouse(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    load_silver(wh, tmp_path / "landing")
    result = build_gold(wh, as_of=dt.date(2026, 3, 10), fiscal_year_start_month=2)
    assert result.tables["fact_opportunity"] == 0 and result.tables["dim_date"] == 365
    days = frame(wh, "SELECT * FROM gold.dim_date WHERE date_key IN ('2026-01-31', '2026-02-01', '2026-05-01')")
    assert days[["fiscal_year", "fiscal_quarter"]].values.tolist() == [[2026, 4], [2027, 1], [2027, 2]]
    headline = frame(wh, "SELECT * FROM gold.headline_kpis").iloc[0]
    assert headline["fiscal_period"] == "FY2027 Q1" and headline["won_amount"] == 0
    with pytest.raises(ValueError, match="1 to 12"):
        build_gold(wh, fiscal_year_start_month=13)
    wh.dispose()
