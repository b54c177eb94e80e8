"""Incremental gold: a build rebuilds only the tables whose inputs changed, and what it leaves is what a full
build would write, on DuckDB and PostgreSQL, day after day."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.org import Options, generate_org
from fauxforce.gold.build import GoldCheckError, GoldResult, build_gold
from fauxforce.gold.models import load_models
from tests.conftest import load_silver, postgres_database
from tests.silver.test_foreign_org import sfid, write

START = dt.date(2026, 1, 1)
FIRST = dt.date(2026, 3, 31)
DAYS = 3
COMMON: dict[str, Any] = {"seed": 19, "scale": 0.03, "start": START}
MODELS = {m.name: m for m in load_models()}


@pytest.fixture(scope="module")
def landings(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A full export, then the changes of each of the next days."""
    root = tmp_path_factory.mktemp("incremental")
    generate_org(Options(out=root / "full", as_of=FIRST, **COMMON))
    out = [root / "full"]
    for n in range(1, DAYS + 1):
        day = FIRST + dt.timedelta(days=n)
        since = day - dt.timedelta(days=1)
        generate_org(Options(out=root / f"day{n}", as_of=day, export="changes", since=since, **COMMON))
        out.append(root / f"day{n}")
    return out


def snapshot(wh: Warehouse, names: Any = MODELS) -> dict[str, list[tuple[Any, ...]]]:
    """Every gold table's rows (or those of `names`), sorted, floats to 9 significant digits (sums of doubles
    may differ in their last bits with the order rows are added in)."""

    def value(v: Any) -> Any:
        return float(f"{v:.9g}") if isinstance(v, float) else str(v) if isinstance(v, Decimal) else v

    out = {}
    with wh.engine.connect() as conn:
        for name in names:
            rows = conn.exec_driver_sql(f"SELECT * FROM gold.{name}").all()
            out[name] = sorted((tuple(value(v) for v in row) for row in rows), key=repr)
    return out


@contextmanager
def loaded_pair(engine: str, tmp_path: Path) -> Iterator[tuple[Warehouse, Warehouse]]:
    """Two warehouses of `engine` with `tmp_path/landing` in silver: one built incrementally, one in full."""
    with postgres_database() as pg_a, postgres_database() as pg_b:
        urls = (pg_a, pg_b) if engine == "postgresql" else tuple(f"duckdb:///{tmp_path / n}.duckdb" for n in "ab")
        pair = Warehouse(urls[0]), Warehouse(urls[1])
        try:
            for wh in pair:
                load_silver(wh, tmp_path / "landing")
            yield pair
        finally:
            for wh in pair:
                wh.dispose()


def edited_row(landings: list[Path], obj: str, record_id: str, values: dict[str, str], out: Path) -> None:
    """Write `out/<obj>.csv` holding the record's latest exported row with `values` changed: the next export."""
    latest = None
    for landing in landings:
        for path in sorted(landing.glob(f"**/salesforce/{obj}.csv")):
            with path.open(newline="", encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    if row["Id"] == record_id:
                        latest = row
    assert latest is not None, (obj, record_id)
    with (out / f"{obj}.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(latest))
        writer.writeheader()
        writer.writerow({**latest, **values})


def by_hand(incremental: Warehouse, full: Warehouse, sql: str) -> GoldResult:
    """Run `sql` on both warehouses, build gold on each (incremental, full) and check they agree."""
    for wh in (incremental, full):
        with wh.engine.begin() as conn:
            conn.exec_driver_sql(sql)
    result = build_gold(incremental)
    build_gold(full, full=True)
    assert snapshot(incremental) == snapshot(full)
    return result


def readers_of(table: str) -> set[str]:
    """The models that read `table`, directly or through other models."""
    found: set[str] = set()
    frontier = {("silver", table)}
    while frontier:
        new = {m.name for m in MODELS.values() if m.reads & frontier} - found
        found |= new
        frontier = {("gold", n) for n in new}
    return found


@pytest.mark.parametrize("engine", ["duckdb", "postgresql"])
def test_incremental_builds_day_after_day_equal_full_builds(landings: list[Path], engine: str, tmp_path: Path) -> None:
    with postgres_database() as pg_a, postgres_database() as pg_b:
        urls = (pg_a, pg_b) if engine == "postgresql" else tuple(f"duckdb:///{tmp_path / n}.duckdb" for n in "ab")
        incremental, full = Warehouse(urls[0]), Warehouse(urls[1])
        results: list[GoldResult] = []
        open_deals: list[int] = []
        for landing in landings:
            for wh in (incremental, full):
                load_silver(wh, landing)
            with incremental.engine.connect() as conn:
                open_deals.append(
                    conn.exec_driver_sql("SELECT count(*) FROM silver.opportunity WHERE NOT is_closed").scalar_one()
                )
            results.append(build_gold(incremental))
            build_gold(full, full=True)
            assert snapshot(incremental) == snapshot(full), landing.name
        assert results[0].writes() == "all rebuilt"
        assert all(r.rebuilt for r in results[1:])  # each day changes deals, orders, stock
        # The tables with @incremental lines were updated by key, day after day, and came out as full builds do.
        by_key = {name for name, m in MODELS.items() if m.incremental}
        assert {"fact_opportunity", "fact_opportunity_line", "dim_contact"} <= by_key
        assert all(set(r.updated) <= by_key for r in results)
        assert {n for r in results[1:] for n in r.updated} == by_key
        assert all(r.writes().startswith(f"{len(r.updated)} updated by key, ") for r in results[1:])
        # A moved as-of date alone reaches no deal with a close date: a day rewrites the deals it changed, not
        # every open one (the fact holds no age; sales_pipeline does).
        rewritten = [r.keys["fact_opportunity"] for r in results[1:]]
        assert all(0 < n < deals for n, deals in zip(rewritten, open_deals[1:], strict=True)), (rewritten, open_deals)

        nothing = build_gold(incremental)  # nothing new: nothing is rebuilt, nothing checked again
        assert (nothing.rebuilt, nothing.checks, nothing.writes()) == ([], 0, f"0 rebuilt, {len(MODELS)} unchanged")
        assert nothing.tables == results[-1].tables and nothing.headline == results[-1].headline

        # A change made in silver by hand is seen too: the build compares content, not the pipeline's own writes.
        rename = (
            "UPDATE silver.warehouses SET warehouse_name = warehouse_name || ' (renamed)' "
            "WHERE warehouse_code = (SELECT min(warehouse_code) FROM silver.warehouses)"
        )
        renamed = by_hand(incremental, full, rename)
        rebuilt = set(renamed.rebuilt)
        assert {"dim_warehouse", "dim_geography"} <= rebuilt <= readers_of("warehouses")
        if engine == "duckdb":  # dim_geography came out the same (its version is its content): no further
            assert rebuilt == {"dim_warehouse", "dim_geography"}
        assert 0 < renamed.checks < results[0].checks
        with incremental.engine.connect() as conn:
            names = conn.exec_driver_sql("SELECT warehouse_name FROM gold.dim_warehouse").scalars().all()
        assert sum(str(n).endswith(" (renamed)") for n in names) == 1

        # Changes that reach a table only through another gold table, loaded as the next export: a deal is won
        # (its lines are not in the export, yet their status follows the deal's), and an account is linked to
        # an ERP customer that had none (that customer's order lines move to the account's customer key).
        with incremental.engine.connect() as conn:
            deal = conn.exec_driver_sql(
                "SELECT min(o.opportunity_id) FROM gold.fact_opportunity AS o WHERE o.status = 'open' AND EXISTS "
                "(SELECT 1 FROM gold.fact_opportunity_line AS l WHERE l.opportunity_id = o.opportunity_id)"
            ).scalar_one()
            account = conn.exec_driver_sql(
                "SELECT min(account_id) FROM gold.dim_customer WHERE match_method = 'unmatched_crm'"
            ).scalar_one()
            customer = conn.exec_driver_sql(
                "SELECT min(c.customer_number) FROM gold.dim_customer AS c WHERE c.match_method = 'unmatched_erp' "
                "AND EXISTS (SELECT 1 FROM gold.fact_sales_order_line AS l WHERE l.customer_number = c.customer_number)"
            ).scalar_one()
        assert deal and account and customer
        later = (FIRST + dt.timedelta(days=DAYS, hours=12)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        won = {"StageName": "Closed Won", "IsClosed": "true", "IsWon": "true", "Probability": "100"}
        export = tmp_path / "export" / str(FIRST + dt.timedelta(days=DAYS + 1)) / "salesforce"
        export.mkdir(parents=True)
        edited_row(landings, "Opportunity", deal, {**won, "SystemModstamp": later}, export)
        edited_row(landings, "Account", account, {"ERP_Customer_Number__c": customer, "SystemModstamp": later}, export)
        for wh in (incremental, full):
            load_silver(wh, export.parents[1])
        linked = build_gold(incremental)
        build_gold(full, full=True)
        assert {"fact_opportunity", "fact_opportunity_line", "fact_sales_order_line"} <= set(linked.updated)
        assert snapshot(incremental) == snapshot(full)
        with incremental.engine.connect() as conn:
            statuses = (
                conn.exec_driver_sql(
                    f"SELECT DISTINCT status FROM gold.fact_opportunity_line WHERE opportunity_id = '{deal}'"
                )
                .scalars()
                .all()
            )
            keys = (
                conn.exec_driver_sql(
                    f"SELECT DISTINCT customer_key FROM gold.fact_sales_order_line WHERE customer_number = '{customer}'"
                )
                .scalars()
                .all()
            )
        assert (statuses, keys) == (["won"], [account])

        # A deal changed by hand (no load, so no new batch): what reads it is rebuilt whole, and is right.
        close = (
            "UPDATE silver.opportunity SET stage_name = 'Closed Lost', is_closed = true, is_won = false "
            "WHERE opportunity_id = (SELECT min(opportunity_id) FROM silver.opportunity WHERE NOT is_closed)"
        )
        closed = by_hand(incremental, full, close)
        assert "fact_opportunity" in closed.rebuilt and "fact_opportunity" not in closed.updated
        for wh in (incremental, full):
            wh.dispose()


@pytest.mark.parametrize("engine", ["duckdb", "postgresql"])
def test_a_moved_as_of_date_reconverts_deals_without_a_close_date(engine: str, tmp_path: Path) -> None:
    """A deal without a close date converts at the as-of date's rate (dated rates, a closed deal in another
    currency): when a day moves the as-of date into the next rate's period, that deal alone is rewritten, and
    the table equals a full build. Only the deals' models are built: the marts' own checks want a close date
    (a won deal outside every close month fails their reconciliation)."""
    usd, pen = sfid("02B", 1), sfid("02B", 2)
    deal, other, account, owner = sfid("006", 1), sfid("006", 2), sfid("001", 1), sfid("005", 1)
    models = [MODELS[n] for n in ("dim_user", "dim_geography", "dim_customer", "dim_date", "fact_opportunity")]

    def stamp(day: int) -> dict[str, str]:
        at = f"2026-03-0{day}T10:00:00.000+0000"
        return {"CreatedDate": at, "SystemModstamp": at, "OwnerId": owner}

    first = tmp_path / "landing" / "2026-03-05" / "salesforce"
    write(first / "Account.csv", [{"Id": account, "Name": "Lima SAC", "CurrencyIsoCode": "PEN", **stamp(5)}])
    rates = [("USD", "1", "true"), ("PEN", "4", "false")]
    write(
        first / "CurrencyType.csv",
        [
            {"Id": i, "IsoCode": c, "ConversionRate": r, "IsCorporate": k, "IsActive": "true", **stamp(1)}
            for i, (c, r, k) in zip((usd, pen), rates, strict=True)
        ],
    )
    write(
        first / "DatedConversionRate.csv",
        [
            {
                "Id": sfid("04w", n),
                "IsoCode": "PEN",
                "ConversionRate": r,
                "StartDate": a,
                "NextStartDate": b,
                **stamp(1),
            }
            for n, r, a, b in ((1, "3", "2026-03-01", "2026-03-08"), (2, "5", "2026-03-08", "9999-12-31"))
        ],
    )
    won = {"StageName": "Closed Won", "IsClosed": "true", "IsWon": "true", "Probability": "100"}
    going = {"StageName": "Prospecting", "IsClosed": "false", "IsWon": "false", "Probability": "10"}
    write(
        first / "Opportunity.csv",
        [  # closed without a close date (a foreign export), and an open deal that has one
            {
                "Id": deal,
                "AccountId": account,
                "Name": "Contrato",
                "Amount": "9000",
                "CurrencyIsoCode": "PEN",
                "CloseDate": "",
                **won,
                **stamp(2),
            },
            {
                "Id": other,
                "AccountId": account,
                "Name": "Ampliación",
                "Amount": "8000",
                "CurrencyIsoCode": "PEN",
                "CloseDate": "2026-03-20",
                **going,
                **stamp(3),
            },
        ],
    )

    with loaded_pair(engine, tmp_path) as (incremental, full):
        build_gold(incremental, models=models)
        amounts = "SELECT opportunity_id, amount FROM gold.fact_opportunity ORDER BY 1"
        with incremental.engine.connect() as conn:  # 3 PEN a dollar on 5 March, 5 on the 20th
            assert [(k, float(v)) for k, v in conn.exec_driver_sql(amounts)] == [(deal, 3000.0), (other, 1600.0)]
        later = tmp_path / "landing" / "2026-03-09" / "salesforce"  # the account changes: the as-of date moves
        write(later / "Account.csv", [{"Id": account, "Name": "Lima S.A.C.", "CurrencyIsoCode": "PEN", **stamp(9)}])
        for wh in (incremental, full):
            load_silver(wh, tmp_path / "landing")
        moved = build_gold(incremental, models=models)
        build_gold(full, models=models, full=True)
        names = [m.name for m in models]
        assert snapshot(incremental, names) == snapshot(full, names)
        assert moved.as_of == dt.date(2026, 3, 9) and moved.keys == {"fact_opportunity": 1}
        with incremental.engine.connect() as conn:
            assert [(k, float(v)) for k, v in conn.exec_driver_sql(amounts)] == [(deal, 1800.0), (other, 1600.0)]


@pytest.mark.parametrize("engine", ["duckdb", "postgresql"])
def test_a_moved_as_of_date_rewrites_the_invoices_it_reaches(engine: str, tmp_path: Path) -> None:
    """An invoice's payments count up to the as-of date, and its days overdue run to it. Moving the as-of date
    forward, then back, rewrites only the invoices it can change: money outstanding, a payment dated after
    the last one counted (it comes in), a payment counted that the new date leaves out. A paid invoice whose
    payments all stay counted is not rewritten, and both builds equal full ones, aging buckets included."""
    models = [MODELS[n] for n in ("dim_user", "dim_geography", "dim_customer", "dim_date", "fact_invoice", "ar_aging")]
    erp = tmp_path / "landing" / "2026-03-05" / "erp"
    audit = {"created_at": "2026-03-01 09:00:00", "updated_at": "2026-03-01 09:00:00"}
    write(erp / "customers.csv", [{"customer_number": "C1", "customer_name": "Rivera SA", "currency": "USD", **audit}])
    invoices = (  # number, due date, amount
        ("I-OPEN", "2026-03-04", "100.00"),  # unpaid: overdue from the 5th
        ("I-PAID", "2026-03-31", "50.00"),  # paid on the 2nd, before every as-of date
        ("I-LATER", "2026-03-06", "80.00"),  # paid on the 7th: outstanding on the 5th, paid on the 9th
        ("I-TOPUP", "2026-03-31", "40.00"),  # paid on the 2nd, and 5.00 more on the 8th
    )
    write(
        erp / "invoices.csv",
        [
            {
                "invoice_number": n,
                "customer_number": "C1",
                "invoice_date": "2026-03-01",
                "due_date": due,
                "currency": "USD",
                "amount": amount,
                "tax_amount": "0",
                "status": "open",
                **audit,
            }
            for n, due, amount in invoices
        ],
    )
    payments = [("P1", "I-PAID", "2026-03-02", "50.00"), ("P2", "I-LATER", "2026-03-07", "80.00")]
    payments += [("P3", "I-TOPUP", "2026-03-02", "40.00"), ("P4", "I-TOPUP", "2026-03-08", "5.00")]
    write(
        erp / "payments.csv",
        [
            {"payment_id": i, "invoice_number": n, "customer_number": "C1", "payment_date": d, "amount": a, **audit}
            for i, n, d, a in payments
        ],
    )
    owed = "SELECT invoice_number, outstanding_amount, days_overdue FROM gold.fact_invoice ORDER BY 1"
    names = [m.name for m in models]
    with loaded_pair(engine, tmp_path) as (incremental, full):
        build_gold(incremental, as_of=dt.date(2026, 3, 5), models=models)
        seen = {}
        for day in (9, 3):  # forward: I-LATER paid, I-TOPUP overpaid; back: both as on the 2nd and 3rd
            as_of = dt.date(2026, 3, day)
            moved = build_gold(incremental, as_of=as_of, models=models)
            build_gold(full, as_of=as_of, models=models, full=True)
            assert snapshot(incremental, names) == snapshot(full, names)
            assert moved.keys == {"fact_invoice": 3} and "fact_invoice" in moved.updated
            with incremental.engine.connect() as conn:
                seen[day] = [(n, float(o), int(d)) for n, o, d in conn.exec_driver_sql(owed)]
        assert seen[9] == [("I-LATER", 0.0, 0), ("I-OPEN", 100.0, 5), ("I-PAID", 0.0, 0), ("I-TOPUP", -5.0, 0)]
        assert seen[3] == [("I-LATER", 80.0, 0), ("I-OPEN", 100.0, 0), ("I-PAID", 0.0, 0), ("I-TOPUP", 0.0, 0)]
        if engine == "postgresql":  # the rows loaded since a build are found by index in the tables read by key
            with incremental.engine.connect() as conn:
                indexed = conn.exec_driver_sql(
                    "SELECT tablename FROM pg_indexes WHERE schemaname = 'silver' AND indexdef LIKE '%%(_batch_id)'"
                ).scalars()
                assert {"invoices", "payments"} <= set(indexed)


def test_an_edited_model_is_rebuilt_and_a_failed_build_keeps_no_signature(landings: list[Path], tmp_path: Path) -> None:
    gold_sql = Path(__file__).parents[2] / "warehouse_sql" / "gold"
    folder = tmp_path / "models"
    folder.mkdir()
    for name in ("dim_warehouse", "dim_geography"):
        (folder / f"{name}.sql").write_text((gold_sql / f"{name}.sql").read_text(encoding="utf-8"), encoding="utf-8")
    wh = Warehouse(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    load_silver(wh, landings[0])
    models = load_models(folder)  # type: ignore[arg-type]
    assert build_gold(wh, models=models).writes() == "all rebuilt"
    assert build_gold(wh, models=models).rebuilt == []
    assert build_gold(wh, models=models, full=True).writes() == "all rebuilt"

    edited = (folder / "dim_warehouse.sql").read_text(encoding="utf-8").replace("    city,", "    upper(city) as city,")
    (folder / "dim_warehouse.sql").write_text(edited, encoding="utf-8")
    models = load_models(folder)  # type: ignore[arg-type]
    assert build_gold(wh, models=models).rebuilt == ["dim_warehouse"]

    with wh.engine.begin() as conn:  # a warehouse without a name: the build fails its check and keeps nothing
        conn.exec_driver_sql("INSERT INTO silver.warehouses (warehouse_code) VALUES ('W-NONAME')")
    with pytest.raises(GoldCheckError, match=r"not_null:dim_warehouse"):
        build_gold(wh, models=models)
    with wh.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM silver.warehouses WHERE warehouse_code = 'W-NONAME'")
    assert build_gold(wh, models=models).rebuilt == []  # silver is as it was for the last build that passed
    with wh.engine.connect() as conn:
        cities = conn.exec_driver_sql("SELECT city FROM gold.dim_warehouse WHERE city IS NOT NULL").scalars().all()
    assert cities and all(c == c.upper() for c in cities)
    wh.dispose()


def test_versions_follow_content_on_both_engines(tmp_path: Path) -> None:
    """`Warehouse.versions` changes with any insert, update or delete, and only then."""
    changes = (
        "",
        "UPDATE s.t SET v = 'c' WHERE k = 1",
        "DELETE FROM s.t WHERE k = 2",
        "INSERT INTO s.t VALUES (3, 'b')",
        "",
    )
    with postgres_database() as url:
        for wh in (Warehouse(f"duckdb:///{tmp_path / 'v.duckdb'}"), Warehouse(url)):
            with wh.engine.begin() as conn:
                conn.exec_driver_sql("CREATE SCHEMA s")
                conn.exec_driver_sql("CREATE TABLE s.t (k INTEGER, v TEXT)")
                conn.exec_driver_sql("INSERT INTO s.t VALUES (1, 'a'), (2, 'b')")
            seen = []
            for change in changes:
                if change:
                    with wh.engine.begin() as conn:
                        conn.exec_driver_sql(change)
                with wh.engine.begin() as conn:
                    seen.append(wh.versions(conn, [("s", "t"), ("s", "missing")]))
            marks = [v["s", "t"] for v in seen]
            assert len(set(marks[:4])) == 4 and marks[4] == marks[3], (wh.dialect, marks)
            assert {v["s", "missing"] for v in seen} == {"absent"}
            wh.dispose()
