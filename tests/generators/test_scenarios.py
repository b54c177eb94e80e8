"""Planted scenarios: each preset planted in the generator is found in gold at the size the manifest says it
was planted at; the rest of the org is the org without it; a bad scenario is one line."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from fauxforce.cli import main
from fauxforce.core.warehouse import Warehouse
from fauxforce.generators import scenarios
from fauxforce.generators.erp import RETURN_RATE
from fauxforce.generators.org import GenerateError, generate
from fauxforce.gold.build import build_gold
from tests.conftest import load_silver

SCALE = 0.3
RETURN_WINDOW = 70  # days: a line shipped this long before the as-of date has had every return it will have


def within(observed: float, expected: float, n: int) -> bool:
    """Whether a share seen in n draws is within three standard deviations of the share planted."""
    return abs(observed - expected) <= 3 * math.sqrt(expected * (1 - expected) / n)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], Warehouse, Path]]:
    """Every preset planted at scale 0.3 and gold built. Beside it, for each effect, the files of the same org
    with every preset but that one (`without/<effect>`): what the effect alone changed, and the values it
    changed them from; and the org with none (`plain`)."""
    root = tmp_path_factory.mktemp("scenarios")
    effects = tuple(e for preset in scenarios.PRESETS.values() for e in preset)
    generate(root / "org", scale=SCALE, scenarios=effects)
    generate(root / "plain", scale=SCALE)
    for effect in effects:
        generate(root / "without" / effect.effect, scale=SCALE, scenarios=tuple(e for e in effects if e != effect))
    wh = Warehouse(f"duckdb:///{root / 'w.duckdb'}")
    load_silver(wh, root / "org")
    build_gold(wh)
    manifest = json.loads((root / "org" / "manifest.json").read_text())
    yield manifest, wh, root
    wh.dispose()


def without(root: Path, effect: str) -> Path:
    """The files of the org planted with every preset but `effect`."""
    return root / "without" / effect


def shares(wh: Warehouse, sql: str) -> dict[bool, tuple[int, float]]:
    """(n, share) before (False) and from (True) the effect's day."""
    with wh.engine.connect() as conn:
        return {bool(after): (int(n), float(share)) for after, n, share in conn.exec_driver_sql(sql).all()}


def test_a_late_supplier_is_found_in_gold_at_the_planted_share(planted: tuple[dict[str, Any], Warehouse, Path]) -> None:
    manifest, wh, _ = planted
    (late,) = [e for e in manifest["scenarios"] if e["effect"] == "supplier_late"]
    assert late["late_share"] == 0.4 and late["supplier"].startswith("SUP-")
    # a supplier's deliveries of one order day arrive late or on time together: the day is the draw
    found = shares(
        wh,
        f"""select order_date >= date '{late["from"]}', count(*), avg(case when late then 1.0 else 0 end)
        from (select order_date, bool_or(received_date > expected_date) as late from gold.fact_purchase_order_line
              where supplier_id = '{late["supplier"]}' and received_date is not null group by order_date)
        group by 1""",
    )
    (n_before, before), (n_after, after) = found[False], found[True]
    assert n_before >= 50 and n_after >= 50 and within(after, late["late_share"], n_after), found
    assert before < late["late_share"] / 2, found  # the default supplier was reliable: the drop shows
    with wh.engine.connect() as conn:
        on_time = conn.exec_driver_sql(
            f"select on_time_rate from gold.supplier_performance where supplier_id = '{late['supplier']}'"
        ).scalar_one()
    assert float(on_time) < 1 - before  # the mart shows the supplier worse than it was


def test_a_recall_triples_returns_in_gold(planted: tuple[dict[str, Any], Warehouse, Path]) -> None:
    manifest, wh, _ = planted
    (recall,) = [e for e in manifest["scenarios"] if e["effect"] == "product_recall"]
    last = dt.date.fromisoformat(manifest["as_of"]) - dt.timedelta(days=RETURN_WINDOW)
    found = shares(
        wh,
        f"""select order_date >= date '{recall["from"]}', count(*), avg(case when quantity_returned > 0 then 1.0
        else 0 end) from gold.fact_sales_order_line where product_key = '{recall["sku"]}' and is_shipped
        and order_date <= date '{last}' group by 1""",
    )
    (n_before, before), (n_after, after) = found[False], found[True]
    assert n_before >= 100 and n_after >= 100, found
    assert within(before, RETURN_RATE, n_before), found
    assert within(after, recall["factor"] * RETURN_RATE, n_after), found
    with wh.engine.connect() as conn:
        defective = conn.exec_driver_sql(
            f"select count(*) from gold.fact_return where product_key = '{recall['sku']}' and reason = 'defective' "
            f"and return_date >= date '{recall['from']}'"
        ).scalar_one()
    assert defective > n_after * (recall["factor"] - 1) * RETURN_RATE / 2


def test_slow_payers_take_the_planted_factor_longer_in_gold(planted: tuple[dict[str, Any], Warehouse, Path]) -> None:
    """Each invoice of the country's customers from the day on is paid `factor` times later than the same
    invoice in the org without the effect; every other invoice is paid on the same day."""
    manifest, wh, root = planted
    (slow,) = [e for e in manifest["scenarios"] if e["effect"] == "slow_payers"]
    usual = pd.read_csv(
        without(root, "slow_payers") / "erp" / "payments.csv", usecols=["invoice_number", "payment_date"]
    )
    plain = {n: dt.date.fromisoformat(d) for n, d in zip(usual.invoice_number, usual.payment_date, strict=True)}
    with wh.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            f"""select i.invoice_number, i.invoice_date, i.last_payment_date, d.geography_key = '{slow["country"]}'
            from gold.fact_invoice as i join gold.dim_customer as d using (customer_key)"""
        ).all()
    start = dt.date.fromisoformat(slow["from"])
    planted_on = [(n, day, paid) for n, day, paid, in_country in rows if in_country and day >= start]
    others = [(n, paid) for n, day, paid, in_country in rows if not (in_country and day >= start)]
    assert len(others) > 1000 and all(paid == plain.get(n) for n, paid in others)
    paid_both = [((paid - day).days, (plain[n] - day).days) for n, day, paid in planted_on if paid and n in plain]
    assert len(paid_both) >= 100
    ratio = sum(w for w, _ in paid_both) / sum(p for _, p in paid_both)
    assert abs(ratio - slow["factor"]) < 0.05, ratio  # days are whole: the ratio is the factor, to rounding
    # paid later, more is still owed at the as-of date: receivables grow
    unpaid_with = sum(1 for _, _, paid in planted_on if paid is None)
    unpaid_without = sum(1 for n, _, _ in planted_on if n not in plain)
    assert unpaid_with > unpaid_without


def test_a_win_rate_drop_is_found_in_gold_at_the_planted_points(
    planted: tuple[dict[str, Any], Warehouse, Path],
) -> None:
    """The region's customers' deals created from the day on are won `points` less often than the same deals in
    the org without the effect (the same draw per deal); every other deal ends as it did."""
    manifest, wh, root = planted
    (drop,) = [e for e in manifest["scenarios"] if e["effect"] == "win_rate_drop"]
    assert drop["region"] == "EMEA" and drop["points"] == 0.1 and drop["until"] is None
    plain = pd.read_csv(
        without(root, "win_rate_drop") / "salesforce" / "Opportunity.csv", usecols=["Id", "IsWon", "IsClosed"]
    )
    won_plain = dict(zip(plain.Id, plain.IsWon, strict=True))
    closed_plain = dict(zip(plain.Id, plain.IsClosed, strict=True))
    with wh.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            f"""select o.opportunity_id, o.is_won, o.created_date, g.region = '{drop["region"]}', d.has_erp_customer
            from gold.fact_opportunity as o
            join gold.dim_customer as d using (customer_key)
            join gold.dim_geography as g using (geography_key)"""
        ).all()
        mart = conn.exec_driver_sql(
            f"""select sum(won_count) * 1.0 / sum(won_count + lost_count) from gold.revenue_by_geography
            where region = '{drop["region"]}'"""
        ).scalar_one()
    start = dt.date.fromisoformat(drop["from"])
    last = dt.date.fromisoformat(manifest["as_of"]) - dt.timedelta(days=120)  # time to close, won or lost
    others = [(i, won) for i, won, created, in_region, _ in rows if not (in_region and created >= start)]
    assert len(others) > 10_000 and all(won == won_plain[i] for i, won in others)
    hit = [(i, won) for i, won, created, in_region, buys in rows if in_region and buys and start <= created <= last]
    hit = [(i, won) for i, won in hit if closed_plain[i]]
    before = sum(won_plain[i] for i, _ in hit) / len(hit)
    after = sum(won for _, won in hit) / len(hit)
    points = drop["points"]
    assert len(hit) >= 1000 and abs(before - after - points) <= 3 * math.sqrt(points * (1 - points) / len(hit))
    # the mart (all deals of the region, all time) shows its win rate fallen from the plain org's
    opp = pd.read_csv(
        without(root, "win_rate_drop") / "salesforce" / "Opportunity.csv", usecols=["AccountId", "IsWon", "IsClosed"]
    )
    acc = pd.read_csv(
        without(root, "win_rate_drop") / "salesforce" / "Account.csv",
        usecols=["Id", "GeographicRegion__c"],
        na_filter=False,
    )
    closed = opp[opp.IsClosed].merge(acc, left_on="AccountId", right_on="Id")
    plain_rate = closed[closed.GeographicRegion__c == drop["region"]].IsWon.mean()
    assert float(mart) < plain_rate - points / 4


def files_changed(root: Path, before: Path, after: Path) -> set[str]:
    a, b = (json.loads((folder / "manifest.json").read_text())["files"] for folder in (before, after))
    return {f for f in a if a[f] != b[f]}


SALES = {"erp/sales_orders.csv", "erp/sales_order_lines.csv", "erp/invoices.csv", "erp/payments.csv"}
STOCK = {
    "erp/inventory.csv",
    "erp/inventory_transactions.csv",
    "erp/purchase_orders.csv",
    "erp/purchase_order_lines.csv",
}
DEALS = {"salesforce/Opportunity.csv", "salesforce/OpportunityHistory.csv", "salesforce/OpportunityLineItem.csv"}
# Each effect's reach: the files it must change, and the files it may change besides (stock on the as-of date
# may end the same; a deal that ends differently may or may not have a return).
REACH: dict[str, tuple[set[str], set[str]]] = {
    "supplier_late": (  # the late deliveries, and what they do to stock and later orders
        {"erp/purchase_orders.csv", "erp/purchase_order_lines.csv", "erp/inventory_transactions.csv"},
        {"erp/inventory.csv"},
    ),
    "product_recall": ({"erp/returns.csv"}, {"erp/inventory.csv", "erp/inventory_transactions.csv"}),
    "slow_payers": ({"erp/payments.csv", "erp/invoices.csv", "erp/sales_orders.csv"}, set()),
    # the deals it turns lost, and the orders they no longer make: every later order's number, its invoice and
    # payment, stock and purchasing
    "win_rate_drop": (DEALS | SALES, STOCK | {"erp/returns.csv"}),
    # the price book, the ERP's list prices, the deals priced after it and their orders; not stock (units)
    "price_increase": (
        {"salesforce/PricebookEntry.csv", "erp/products.csv"} | DEALS | SALES,
        {"erp/returns.csv"},
    ),
    # the churned customers' deals that would have been won from the day: lost, with their stage history (the
    # same close dates), and the orders they no longer make
    "customer_churn": (
        {"salesforce/Opportunity.csv", "salesforce/OpportunityHistory.csv"} | SALES,
        STOCK | {"erp/returns.csv"},
    ),
    # her user, what she owned and what would have been hers; deals drawn with her successor's skill end
    # differently, and their orders with them
    "rep_leaves": (
        DEALS
        | {
            f"salesforce/{name}.csv"
            for name in ("User", "Account", "Contact", "Lead", "Case", "Campaign", "OpportunityContactRole")
        },
        SALES | STOCK | {"erp/returns.csv"},
    ),
}


def test_an_effect_changes_only_what_it_plants(planted: tuple[dict[str, Any], Warehouse, Path]) -> None:
    manifest, _, root = planted
    assert {e["effect"] for e in manifest["scenarios"]} == set(REACH)
    for effect, (required, allowed) in REACH.items():
        changed = files_changed(root, without(root, effect), root / "org")
        assert required <= changed <= required | allowed, (effect, changed - required - allowed, required - changed)
    assert "scenarios" not in json.loads((root / "plain" / "manifest.json").read_text())


def test_a_rep_who_leaves_hands_over_in_gold(planted: tuple[dict[str, Any], Warehouse, Path]) -> None:
    """Her user is inactive; every account she owned and every deal of hers still open when she left is her
    successor's; she keeps the deals she closed before; nothing opened after her last day is hers."""
    manifest, wh, root = planted
    (leaves,) = [e for e in manifest["scenarios"] if e["effect"] == "rep_leaves"]
    rep, successor, day = leaves["rep"], leaves["successor"], dt.date.fromisoformat(leaves["from"])
    before = without(root, "rep_leaves") / "salesforce"
    accounts = pd.read_csv(before / "Account.csv", usecols=["Id", "OwnerId"])
    deals = pd.read_csv(before / "Opportunity.csv", usecols=["Id", "OwnerId", "IsClosed"])
    with wh.engine.connect() as conn:
        active = dict(conn.exec_driver_sql("select user_id, is_active from gold.dim_user").all())
        owner_of = dict(conn.exec_driver_sql("select account_id, owner_user_id from gold.dim_customer").all())
        opportunities = conn.exec_driver_sql(
            "select opportunity_id, owner_user_id, created_date, close_date, is_closed, amount, is_won "
            "from gold.fact_opportunity"
        ).all()
        bookings = conn.exec_driver_sql(
            f"select bookings from gold.owner_performance where owner_user_id = '{rep}'"
        ).scalar_one()
    assert active[rep] is False and active[successor] is True
    hers = accounts[accounts.OwnerId == rep].Id
    assert len(hers) >= 50 and all(owner_of[a] == successor for a in hers)
    assert rep not in set(owner_of.values())
    kept = [o for o in opportunities if o[1] == rep]
    assert kept and all(o[4] and o[3] < day and o[2] < day for o in kept)  # closed before she left
    assert not [o for o in opportunities if o[2] >= day and o[1] == rep]
    owner = {o[0]: o[1] for o in opportunities}
    closed_then = {o[0] for o in opportunities if o[4] and o[3] < day}
    open_then = [i for i in deals[deals.OwnerId == rep].Id if i not in closed_then]
    assert len(open_then) >= 20 and all(owner[i] == successor for i in open_then)
    assert float(bookings) == pytest.approx(sum(float(o[5]) for o in kept if o[6]), abs=0.01)


def test_churned_customers_are_found_in_gold_at_the_planted_share(
    planted: tuple[dict[str, Any], Warehouse, Path],
) -> None:
    """Of the customers with an account before the day who win again from it in the org without the effect,
    the planted share win nothing; customers who arrive later buy as they did."""
    manifest, wh, root = planted
    (churn,) = [e for e in manifest["scenarios"] if e["effect"] == "customer_churn"]
    assert churn["share"] == 0.2 and churn["segment"] is None
    day, share = dt.date.fromisoformat(churn["from"]), churn["share"]
    usual = pd.read_csv(
        without(root, "customer_churn") / "salesforce" / "Opportunity.csv",
        usecols=["Id", "AccountId", "IsWon", "CloseDate"],
    )
    with wh.engine.connect() as conn:
        customers = dict(
            conn.exec_driver_sql(
                "select account_id, first_seen_date from gold.dim_customer where has_crm_account and has_erp_customer"
            ).all()
        )
        deals = conn.exec_driver_sql(
            "select opportunity_id, account_id, is_won, close_date from gold.fact_opportunity"
        ).all()
    older = {a for a, first in customers.items() if first < day}
    wins_with = {a for _, a, won, close in deals if won and close is not None and close >= day} & older
    late = usual[usual.IsWon & (usual.CloseDate >= str(day))]
    wins_without = set(late.AccountId) & older
    assert len(wins_without) >= 500 and wins_with <= wins_without
    kept = len(wins_with) / len(wins_without)
    assert abs(kept - (1 - share)) <= 3 * math.sqrt(share * (1 - share) / len(wins_without)), kept
    won_before = dict(zip(usual.Id, usual.IsWon, strict=True))
    newer = [(i, won) for i, a, won, _ in deals if a in customers and customers[a] >= day]
    assert len(newer) > 1000 and all(won == won_before[i] for i, won in newer)


def test_a_named_customer_churns_and_no_other(tmp_path: Path) -> None:
    """The customer who wins most after the day, named by its ERP number, wins nothing from then on; every
    other deal ends as it did. A name the org does not have, or a prospect, is one line and writes nothing."""
    day = dt.date(2026, 1, 1)
    generate(tmp_path / "plain", scale=0.05)
    deals = pd.read_csv(
        tmp_path / "plain" / "salesforce" / "Opportunity.csv", usecols=["Id", "AccountId", "IsWon", "CloseDate"]
    )
    accounts = pd.read_csv(
        tmp_path / "plain" / "salesforce" / "Account.csv", usecols=["Id", "ERP_Customer_Number__c", "CreatedDate"]
    ).set_index("Id")
    older = accounts[(accounts.CreatedDate < str(day)) & accounts.ERP_Customer_Number__c.notna()]
    wins_after = deals[deals.IsWon & (deals.CloseDate >= str(day))].groupby("AccountId").size()
    target = wins_after.reindex(older.index).idxmax()
    number = older.ERP_Customer_Number__c[target]
    generate(tmp_path / "org", scale=0.05, scenarios=(scenarios.CustomerChurn(1.0, None, day, number),))
    manifest = json.loads((tmp_path / "org" / "manifest.json").read_text())
    assert manifest["scenarios"] == [
        {"effect": "customer_churn", "customer": number, "share": 1.0, "segment": None, "from": str(day)}
    ]
    churned = pd.read_csv(
        tmp_path / "org" / "salesforce" / "Opportunity.csv", usecols=["Id", "AccountId", "IsWon", "CloseDate"]
    )
    theirs = churned[churned.AccountId == target]
    assert wins_after[target] >= 2 and not (theirs.IsWon & (theirs.CloseDate >= str(day))).any()
    before = dict(zip(deals.Id, deals.IsWon, strict=True))
    others = churned[churned.AccountId != target]
    assert (others.IsWon == others.Id.map(before)).all()
    prospect = accounts[accounts.ERP_Customer_Number__c.isna()].index[0]
    for name, message in (("C9999999", "no account or customer 'C9999999'"), (prospect, "buys nothing")):
        with pytest.raises(GenerateError, match=message):
            generate(tmp_path / "bad", scale=0.05, scenarios=(scenarios.CustomerChurn(1.0, None, day, name),))
        assert not (tmp_path / "bad").exists()


def test_a_price_increase_is_found_in_gold_at_the_planted_percent(
    planted: tuple[dict[str, Any], Warehouse, Path],
) -> None:
    """Every product's deals carry one list price before the day and that price raised by the percent (to the
    whole dollar) from it; the product dimension holds the raised price."""
    manifest, wh, root = planted
    (rise,) = [e for e in manifest["scenarios"] if e["effect"] == "price_increase"]
    assert rise["percent"] == 5 and rise["family"] is None
    factor, start = 1 + rise["percent"] / 100, dt.date.fromisoformat(rise["from"])
    with wh.engine.connect() as conn:
        lines = conn.exec_driver_sql(
            """select l.product_key, l.list_price, o.created_date
            from gold.fact_opportunity_line as l join gold.fact_opportunity as o using (opportunity_id)"""
        ).all()
        listed = dict(conn.exec_driver_sql("select sku, list_price from gold.dim_product where in_erp").all())
    before: dict[str, set[float]] = {}
    after: dict[str, set[float]] = {}
    for product, price, created in lines:
        (after if created >= start else before).setdefault(product, set()).add(float(price))
    assert all(len(p) == 1 for p in before.values()) and all(len(p) == 1 for p in after.values())
    both = before.keys() & after.keys()
    assert len(both) >= 100
    assert all(abs(after[p].pop() - before[p].pop() * factor) <= 1 for p in both)
    plain = pd.read_csv(without(root, "price_increase") / "erp" / "products.csv", usecols=["sku", "list_price"])
    assert len(listed) == len(plain)
    assert all(
        abs(float(listed[sku]) - price * factor) <= 1 for sku, price in zip(plain.sku, plain.list_price, strict=True)
    )


def test_a_scenario_file_and_its_mistakes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("- effect: supplier_late\n  late_share: 0.7\n  from: 2026-03-01\n")
    assert scenarios.load(str(path)) == (scenarios.SupplierLate(0.7, None, dt.date(2026, 3, 1)),)
    bad = {
        "- effect: flood\n": "effect must be one of supplier_late, product_recall",
        "- effect: supplier_late\n  late_share: 2\n": "late_share is a share between 0 and 1",
        "- effect: product_recall\n  factor: many\n": "factor is a number",
        "- effect: product_recall\n  when: 2026-01-01\n": "not 'when'",
        "effect: product_recall\n": "a scenario is a list of effects",
        "- effect: win_rate_drop\n  points: 0.9\n": "points is a drop in win probability between 0 and 0.5",
        "- effect: price_increase\n  percent: -5\n": "percent is a rise between 0 and 100",
        "- effect: rep_leaves\n  rep: 7\n": "rep is an identifier",
        "- effect: customer_churn\n  share: 1.5\n": "share is a share of customers between 0 and 1",
        "- effect: customer_churn\n  customer: C0000001\n  share: 0.2\n": "one customer or a share of a segment",
        "- effect: win_rate_drop\n  from: 2026-03-01\n  until: 2026-01-01\n": r"until \(2026-01-01\) must come after",
    }
    for text, message in bad.items():
        path.write_text(text)
        with pytest.raises(scenarios.ScenarioError, match=message):
            scenarios.load(str(path))
    path.write_text("- effect: product_recall\n  sku: SKU-NOPE\n")
    assert main(["generate", "--scale", "0.01", "--out", str(tmp_path / "org"), "--scenario", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "no product 'SKU-NOPE' in this org" in err and "\n" not in err
    assert not (tmp_path / "org").exists() and not list(tmp_path.glob(".org.partial-*"))  # nothing half-written
    with pytest.raises(GenerateError, match="no segment 'Huge'"):
        generate(tmp_path / "org", scale=0.01, scenarios=(scenarios.CustomerChurn(0.2, "Huge"),))
    with pytest.raises(GenerateError, match="no sales rep 'nobody'"):
        generate(tmp_path / "org", scale=0.01, scenarios=(scenarios.RepLeaves("nobody"),))
    with pytest.raises(GenerateError, match="no product family 'Toys'"):
        generate(tmp_path / "org", scale=0.01, scenarios=(scenarios.PriceIncrease(5.0, "Toys"),))
    with pytest.raises(GenerateError, match="no customers in region 'LATAM'"):
        generate(tmp_path / "org", scale=0.01, scenarios=(scenarios.WinRateDrop(0.1, "LATAM"),))
    with pytest.raises(GenerateError, match="no supplier"):
        generate(tmp_path / "org", scale=0.01, scenarios=(scenarios.SupplierLate(0.5, "SUP-99999"),))
