"""Build gold from silver in one transaction, check it, and keep it only if every check passes.

Every gold table is rebuilt from silver on every run (`CREATE TABLE … AS` the model's query), in
dependency order, then the assertions run: each model's contract (unique key, not null,
references, accepted values) and the queries of warehouse_sql/tests. An assertion fails when its
query returns rows. Any failure rolls the whole build back, so readers keep the last gold that
passed, and `GoldCheckError` carries the failing rows.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fauxforce.core import resources
from fauxforce.core.catalogue import BY_NAME, BY_REF, TABLES, ObjectRef
from fauxforce.core.progress import NullProgress, Progress
from fauxforce.core.warehouse import Warehouse, WarehouseError
from fauxforce.gold.models import CONTEXT_TABLE, Model, load_models, strip_comments

SAMPLE_ROWS = 5
# The latest change any of these tables records is "today" for the marts unless the run says otherwise.
AS_OF_SOURCES = (
    ("opportunity", "system_modstamp"),
    ("account", "system_modstamp"),
    ("case", "system_modstamp"),
    ("sales_orders", "updated_at"),
    ("invoices", "updated_at"),
    ("inventory_transactions", "updated_at"),
)


@dataclass(frozen=True)
class Check:
    name: str
    sql: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Failure:
    check: str
    rows: int
    columns: list[str]
    sample: list[tuple[Any, ...]]

    def describe(self) -> str:
        lines = [f"{self.check}: {self.rows} failing row{'s' if self.rows != 1 else ''}"]
        lines.append("  " + " | ".join(self.columns))
        lines += ["  " + " | ".join("NULL" if v is None else str(v) for v in row) for row in self.sample]
        if self.rows > len(self.sample):
            lines.append(f"  … and {self.rows - len(self.sample)} more")
        return "\n".join(lines)


class GoldCheckError(RuntimeError):
    """Gold failed its assertions; the build was rolled back."""

    def __init__(self, failures: list[Failure]) -> None:
        self.failures = failures
        body = "\n".join(f.describe() for f in failures)
        super().__init__(
            f"gold failed {len(failures)} check{'s' if len(failures) != 1 else ''}; the build was rolled back and "
            f"the previous gold is unchanged:\n{body}"
        )


@dataclass
class GoldResult:
    as_of: dt.date
    tables: dict[str, int]  # gold table → rows
    seconds: dict[str, float]  # gold table → seconds to build
    checks: int
    headline: dict[str, Any]
    unresolved: dict[str, int] = field(default_factory=dict)  # `table.column -> target` → records whose link is loose


def contract_checks(wh: Warehouse, model: Model) -> list[Check]:
    """The assertions a model's header states, as queries returning failing rows."""
    table = wh.q("gold", model.name)
    key = ", ".join(wh.q(c) for c in model.key)
    checks = [
        Check(
            f"unique:{model.name}({', '.join(model.key)})",
            f"SELECT {key}, count(*) AS copies FROM {table} GROUP BY {key} HAVING count(*) > 1",
        )
    ]
    required = [*model.key, *(c for c in model.not_null if c not in model.key)]
    nulls = " OR ".join(f"{wh.q(c)} IS NULL" for c in required)
    checks.append(
        Check(
            f"not_null:{model.name}({', '.join(required)})",
            f"SELECT {', '.join(wh.q(c) for c in required)} FROM {table} WHERE {nulls}",
        )
    )
    for r in model.references:
        column, target = wh.q(r.column), wh.q(r.target)
        checks.append(
            Check(
                f"references:{model.name}.{r.column}->{r.table}.{r.target}",
                f"SELECT f.{column}, count(*) AS rows FROM {table} AS f WHERE f.{column} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {wh.q('gold', r.table)} AS d WHERE d.{target} = f.{column}) GROUP BY f.{column}",
            )
        )
    for column, values in model.accepted.items():
        names = [f"v{i}" for i in range(len(values))]
        allowed = ", ".join(f":{n}" for n in names)
        checks.append(
            Check(
                f"accepted:{model.name}.{column}",
                f"SELECT {wh.q(column)}, count(*) AS rows FROM {table} WHERE {wh.q(column)} IS NOT NULL AND "
                f"CAST({wh.q(column)} AS TEXT) NOT IN ({allowed}) GROUP BY {wh.q(column)}",
                dict(zip(names, values, strict=True)),
            )
        )
    return checks


def suite_checks() -> list[Check]:
    """The assertion queries of warehouse_sql/tests, one per file."""
    return [
        Check(f"test:{p.name.removesuffix('.sql')}", strip_comments(p.read_text(encoding="utf-8")).strip().rstrip(";"))
        for p in resources.sql_files("tests")
    ]


def run_checks(conn: Connection, checks: Sequence[Check]) -> list[Failure]:
    failures = []
    for check in checks:
        result = conn.execute(sa.text(f"SELECT * FROM ({check.sql}) AS failing LIMIT {SAMPLE_ROWS}"), check.params)
        sample = [tuple(row) for row in result]
        if not sample:
            continue
        total = conn.execute(sa.text(f"SELECT count(*) FROM ({check.sql}) AS failing"), check.params).scalar_one()
        failures.append(Failure(check.name, int(total), list(result.keys()), sample))
    return failures


def default_as_of(wh: Warehouse, conn: Connection) -> dt.date:
    """The day of the latest change silver records: "today" for a synthetic org and a live one alike
    (the calendar's today while silver is still empty)."""
    latest = " UNION ALL ".join(
        f"SELECT max({wh.q(c)}) AS changed_at FROM {wh.q('silver', t)}" for t, c in AS_OF_SOURCES
    )
    value = conn.exec_driver_sql(f"SELECT CAST(max(changed_at) AS DATE) FROM ({latest}) AS changes").scalar_one()
    if value is None:
        return dt.datetime.now(dt.UTC).date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _require_silver(wh: Warehouse, conn: Connection) -> None:
    if "silver" not in wh.schemas_with(conn, "customer_xref"):
        raise WarehouseError(
            f"{wh!r} has no silver layer yet; run `fauxforce run` (or the build-silver flow) before gold"
        )


def _write_context(
    wh: Warehouse, conn: Connection, as_of: dt.date, fiscal_year_start_month: int, currency: str | None
) -> None:
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {wh.q('gold', CONTEXT_TABLE)}")
    columns = [("as_of_date", "DATE"), ("fiscal_year_start_month", "INTEGER"), ("reporting_currency", "TEXT")]
    wh.create_table(conn, "gold", CONTEXT_TABLE, columns)
    conn.execute(
        sa.text(f"INSERT INTO {wh.q('gold', CONTEXT_TABLE)} VALUES (:as_of, :month, :currency)"),
        {"as_of": as_of, "month": fiscal_year_start_month, "currency": currency},
    )


CURRENCY_RATE = "currency_rate"
RATE_COLUMNS = [
    ("iso_code", "TEXT"),
    ("start_date", "DATE"),
    ("next_start_date", "DATE"),
    ("conversion_rate", "DOUBLE PRECISION"),
    ("priority", "INTEGER"),  # 1: a dated rate (DatedConversionRate), 2: the currency's rate (CurrencyType)
]


def _has(wh: Warehouse, conn: Connection, table: str, *columns: str) -> bool:
    return set(columns) <= set(wh.columns(conn, "silver", table))


def reporting_currency(wh: Warehouse, conn: Connection) -> str | None:
    """The currency gold reports in: the org's corporate currency (CurrencyType.IsCorporate), else the one its
    deals state most often (ties: the first code); None for an org whose deals state no currency."""
    if _has(wh, conn, "currency_type", "iso_code", "is_corporate"):
        corporate = conn.exec_driver_sql(
            "SELECT min(iso_code) FROM silver.currency_type WHERE is_corporate"
        ).scalar_one_or_none()
        if corporate:
            return str(corporate)
    if not _has(wh, conn, "opportunity", "currency_iso_code"):
        return None
    common = conn.exec_driver_sql(
        "SELECT currency_iso_code FROM silver.opportunity WHERE currency_iso_code IS NOT NULL "
        "GROUP BY currency_iso_code ORDER BY count(*) DESC, currency_iso_code LIMIT 1"
    ).scalar_one_or_none()
    return str(common) if common else None


def write_rates(wh: Warehouse, conn: Connection, currency: str | None) -> None:
    """`gold.currency_rate`: each currency's rate to the reporting currency and the days it holds for, from
    the org's DatedConversionRate and CurrencyType where silver has them; the reporting currency is 1."""
    target = wh.q("gold", CURRENCY_RATE)
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {target}")
    wh.create_table(conn, "gold", CURRENCY_RATE, RATE_COLUMNS)
    names = ", ".join(wh.q(c) for c, _ in RATE_COLUMNS)
    if _has(wh, conn, "dated_conversion_rate", "iso_code", "conversion_rate", "start_date", "next_start_date"):
        conn.exec_driver_sql(
            f"INSERT INTO {target} ({names}) SELECT iso_code, CAST(start_date AS DATE), "
            "coalesce(CAST(next_start_date AS DATE), DATE '9999-12-31'), conversion_rate, 1 "
            "FROM silver.dated_conversion_rate WHERE iso_code IS NOT NULL AND conversion_rate > 0"
        )
    if _has(wh, conn, "currency_type", "iso_code", "conversion_rate"):
        conn.exec_driver_sql(
            f"INSERT INTO {target} ({names}) SELECT iso_code, DATE '0001-01-01', DATE '9999-12-31', "
            "conversion_rate, 2 FROM silver.currency_type WHERE iso_code IS NOT NULL AND conversion_rate > 0"
        )
    if currency is not None:
        conn.execute(
            sa.text(f"INSERT INTO {target} ({names}) VALUES (:c, DATE '0001-01-01', DATE '9999-12-31', 1.0, 3)"),
            {"c": currency},
        )


RECONCILIATION = "reconciliation"
# Links between the two systems, beside the lookups the catalogue declares within each: (table, column,
# target table). An ERP order names the Opportunity it came from; the org may not hold it.
CROSS_SYSTEM = (("sales_orders", "opportunity_id", "opportunity"),)


def reconciliation_sql(wh: Warehouse) -> str:
    """One row per lookup silver holds: how many records have a value, and how many of those point at a record
    silver does not hold. Gold maps those to its unknown (or inferred) members instead of failing."""
    links = [
        (t.name, c.name, BY_REF[ObjectRef(t.ref.system, c.parent)].name) for t in TABLES for c in t.columns if c.parent
    ]
    parts = []
    for table, column, target in [*links, *CROSS_SYSTEM]:
        key = BY_NAME[target].key_columns[0]
        parts.append(
            f"SELECT '{table}' AS table_name, '{column}' AS column_name, '{target}' AS refers_to, "
            f"'{BY_NAME[table].ref.system}/{BY_NAME[target].ref.system}' AS systems, "
            f"count(f.{wh.q(column)}) AS with_value, count(f.{wh.q(column)}) - count(p.k) AS unresolved "
            f"FROM {wh.q('silver', table)} AS f LEFT JOIN (SELECT DISTINCT {wh.q(key)} AS k FROM "
            f"{wh.q('silver', target)}) AS p ON p.k = f.{wh.q(column)}"
        )
    return " UNION ALL ".join(parts)


def build_gold(
    wh: Warehouse,
    as_of: dt.date | None = None,
    fiscal_year_start_month: int = 1,
    models: Sequence[Model] | None = None,
    progress: Progress | None = None,
) -> GoldResult:
    """Rebuild every gold table and check it; on any failed check nothing changes and GoldCheckError is raised.
    `progress`: advanced per table and once for the checks (a bar on a terminal)."""
    if not 1 <= fiscal_year_start_month <= 12:
        raise ValueError(f"fiscal_year_start_month must be 1 to 12, not {fiscal_year_start_month}")
    models = list(models) if models is not None else load_models()
    progress = progress or NullProgress()
    progress.total = len(models) + 1
    tables: dict[str, int] = {}
    seconds: dict[str, float] = {}
    with wh.engine.begin() as conn:
        wh.use_utc(conn)
        wh.for_analytics(conn)
        _require_silver(wh, conn)
        as_of = as_of or default_as_of(wh, conn)
        currency = reporting_currency(wh, conn)
        _write_context(wh, conn, as_of, fiscal_year_start_month, currency)
        write_rates(wh, conn, currency)
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {wh.q('gold', RECONCILIATION)}")
        conn.exec_driver_sql(f"CREATE TABLE {wh.q('gold', RECONCILIATION)} AS {reconciliation_sql(wh)}")
        for model in models:
            started = time.perf_counter()
            target = wh.q("gold", model.name)
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {target}")
            try:
                conn.exec_driver_sql(f"CREATE TABLE {target} AS {model.sql}")
            except sa.exc.DBAPIError as e:
                raise WarehouseError(f"warehouse_sql/gold/{model.name}.sql failed: {e.orig}") from e
            wh.analyze(conn, "gold", model.name)
            tables[model.name] = int(conn.exec_driver_sql(f"SELECT count(*) FROM {target}").scalar_one())
            seconds[model.name] = time.perf_counter() - started
            progress.advance(1, model.name)
        checks = [c for m in models for c in contract_checks(wh, m)] + suite_checks()
        failures = run_checks(conn, checks)
        progress.advance(1, f"{len(checks)} checks")
        progress.finish()
        if failures:
            raise GoldCheckError(failures)
        result = conn.exec_driver_sql("SELECT * FROM gold.headline_kpis")
        row = result.one_or_none()
        headline = dict(zip(result.keys(), row, strict=True)) if row is not None else {}
        loose = conn.exec_driver_sql(
            f"SELECT table_name, column_name, refers_to, unresolved FROM {wh.q('gold', RECONCILIATION)} "
            "WHERE unresolved > 0 ORDER BY unresolved DESC, table_name, column_name"
        ).all()
    unresolved = {f"{t}.{c} -> {r}": int(n) for t, c, r, n in loose}
    return GoldResult(as_of, tables, seconds, len(checks), headline, unresolved)


def worst_suppliers(wh: Warehouse, limit: int = 3) -> list[dict[str, Any]]:
    """The suppliers with the lowest on-time rate (ties: lower fill rate first)."""
    sql = (
        "SELECT supplier_id, supplier_name, received_orders, on_time_rate, fill_rate, p90_lead_time_days, "
        "return_rate FROM gold.supplier_performance WHERE received_orders > 0 "
        "ORDER BY on_time_rate, fill_rate, supplier_id LIMIT :limit"
    )
    with wh.engine.connect() as conn:
        result = conn.execute(sa.text(sql), {"limit": limit})
        return [dict(zip(result.keys(), row, strict=True)) for row in result]
