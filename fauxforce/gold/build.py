"""Build gold from silver in one transaction, check it, and keep it only if every check passes.

A gold table is rebuilt from silver (`CREATE TABLE … AS` the model's query), in dependency order,
when anything it follows from changed since the last build that passed: its query or contract, the
content of a silver table it reads (`Warehouse.versions`), a gold table it reads, or the as-of date,
fiscal year and reporting currency. Every other table is left as it is: it would come out the same.
Each table's signature (a hash of all that) is kept in `meta.gold_signatures`; `full=True`
(`--full-refresh`, the nightly deployment) rebuilds and checks everything whatever the signatures say.
A table whose model states `@incremental` lines is updated by key instead of rebuilt whenever what changed
allows it (`fauxforce.gold.incremental`).

Then the assertions run: each rebuilt model's contract (unique key, not null, references, accepted
values; a reference also when only its target was rebuilt), and each query of warehouse_sql/tests
whose inputs changed. An assertion fails when its query returns rows. Any failure rolls the whole
build back, so readers keep the last gold that passed, and `GoldCheckError` carries the failing rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fauxforce.core import ledger, resources
from fauxforce.core.catalogue import BY_NAME, BY_REF, TABLES, ObjectRef
from fauxforce.core.progress import NullProgress, Progress
from fauxforce.core.warehouse import Warehouse, WarehouseError
from fauxforce.gold.incremental import ByKey, State, gold_read_by_key, highest_batches, silver_read_by_key
from fauxforce.gold.models import BUILT_FIRST, CONTEXT_TABLE, Model, load_models, strip_comments, tables_read

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
    reads: frozenset[tuple[str, str]] = frozenset()  # for a suite check: the tables its query names


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
    rebuilt: list[str] = field(default_factory=list)  # the tables this build wrote; the others were left as they were
    updated: list[str] = field(default_factory=list)  # of those, the ones updated by key rather than rebuilt whole
    keys: dict[str, int] = field(default_factory=dict)  # table updated by key → how many keys it rewrote

    def writes(self) -> str:
        """What the build wrote, in a few words: `all rebuilt`, or e.g. `5 updated by key, 12 rebuilt, 15 unchanged`."""
        whole = len(self.rebuilt) - len(self.updated)
        if whole == len(self.tables):
            return "all rebuilt"
        by_key = f"{len(self.updated)} updated by key, " if self.updated else ""
        return f"{by_key}{whole} rebuilt, {len(self.tables) - len(self.rebuilt)} unchanged"


def contract_checks(
    wh: Warehouse, model: Model, rebuilt: Collection[str] | None = None, written: Mapping[str, str] | None = None
) -> list[Check]:
    """The assertions a model's header states, as queries returning failing rows. With `rebuilt` (the tables a
    build wrote), only those that can have changed: all of them if the model was rebuilt, else its references
    to a rebuilt table. With `written` (a table updated by key → a query for the rows the build wrote), a check
    of the table's own rows looks at those rows only, and so does a reference to a table the build left as it
    was: the rows it did not write passed these checks before and are as they were."""
    own = rebuilt is None or model.name in rebuilt
    whole = wh.q("gold", model.name)
    part = (written or {}).get(model.name)
    table = f"({part})" if part else whole
    key = ", ".join(wh.q(c) for c in model.key)
    required = [*model.key, *(c for c in model.not_null if c not in model.key)]
    nulls = " OR ".join(f"{wh.q(c)} IS NULL" for c in required)
    checks = [
        Check(
            f"unique:{model.name}({', '.join(model.key)})",
            f"SELECT {key}, count(*) AS copies FROM {table} AS w GROUP BY {key} HAVING count(*) > 1",
        ),
        Check(
            f"not_null:{model.name}({', '.join(required)})",
            f"SELECT {', '.join(wh.q(c) for c in required)} FROM {table} AS w WHERE {nulls}",
        ),
    ]
    if not own:
        checks = []
    for r in model.references:
        if not own and r.table not in (rebuilt or ()):
            continue
        column, target = wh.q(r.column), wh.q(r.target)
        rows = table if r.table not in (rebuilt or ()) else whole
        checks.append(
            Check(
                f"references:{model.name}.{r.column}->{r.table}.{r.target}",
                f"SELECT f.{column}, count(*) AS rows FROM {rows} AS f WHERE f.{column} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {wh.q('gold', r.table)} AS d WHERE d.{target} = f.{column}) GROUP BY f.{column}",
            )
        )
    for column, values in model.accepted.items():
        if not own:
            continue
        names = [f"v{i}" for i in range(len(values))]
        allowed = ", ".join(f":{n}" for n in names)
        checks.append(
            Check(
                f"accepted:{model.name}.{column}",
                f"SELECT {wh.q(column)}, count(*) AS rows FROM {table} AS w WHERE {wh.q(column)} IS NOT NULL AND "
                f"CAST({wh.q(column)} AS TEXT) NOT IN ({allowed}) GROUP BY {wh.q(column)}",
                dict(zip(names, values, strict=True)),
            )
        )
    return checks


def suite_checks() -> list[Check]:
    """The assertion queries of warehouse_sql/tests, one per file."""
    checks = []
    for p in resources.sql_files("tests"):
        sql = strip_comments(p.read_text(encoding="utf-8")).strip().rstrip(";")
        checks.append(Check(f"test:{p.name.removesuffix('.sql')}", sql, reads=tables_read(sql)))
    return checks


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
        keys = BY_NAME[target].key_columns
        # Silver holds one row per key: a one-column key needs no DISTINCT (which cost PostgreSQL a third of this).
        distinct = "DISTINCT " if len(keys) > 1 else ""
        parts.append(
            f"SELECT '{table}' AS table_name, '{column}' AS column_name, '{target}' AS refers_to, "
            f"'{BY_NAME[table].ref.system}/{BY_NAME[target].ref.system}' AS systems, "
            f"count(f.{wh.q(column)}) AS with_value, count(f.{wh.q(column)}) - count(p.k) AS unresolved "
            f"FROM {wh.q('silver', table)} AS f LEFT JOIN (SELECT {distinct}{wh.q(keys[0])} AS k FROM "
            f"{wh.q('silver', target)}) AS p ON p.k = f.{wh.q(column)}"
        )
    return " UNION ALL ".join(parts)


def fingerprint(model: Model) -> str:
    """What a gold table follows from in the model itself: its query and its contract."""
    return _hash(repr((model.sql, model.key, model.not_null, model.references, sorted(model.accepted.items()))))


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Signatures:
    """What each gold table and suite check of one build follows from, as a hash: the model's query and
    contract, and the version (`Warehouse.versions`) of each table it reads, taken when it is built; for the
    tables the build writes before any model, what they are made from (the as-of date, fiscal year, reporting
    currency and the silver tables behind them). The same signature as the last build that passed means the
    same content: the table is left as it is and its checks are not run again."""

    def __init__(self, wh: Warehouse, conn: Connection, models: Sequence[Model], checks: Sequence[Check]) -> None:
        self.wh, self.conn = wh, conn
        self.of: dict[str, str] = {}  # gold table or check → signature
        self.inputs: dict[str, dict[str, str]] = {}  # gold table → `schema.table` it reads → its version
        self._models = {m.name for m in models}
        reads = {t for m in models for t in m.reads} | {t for c in checks for t in c.reads}
        reads |= tables_read(reconciliation_sql(wh))
        self.versions = wh.versions(conn, {t for t in reads if not self._made_here(*t)})

    def _made_here(self, schema: str, table: str) -> bool:
        return schema == "gold" and (table in self._models or table in BUILT_FIRST)

    def set_context(self, as_of: dt.date, fiscal_year_start_month: int, currency: str | None) -> None:
        context = f"{as_of}|{fiscal_year_start_month}|{currency}"
        silver = sorted(t for t in self.versions if t[0] == "silver")
        self.of[CONTEXT_TABLE] = _hash(context)
        self.of[RECONCILIATION] = _hash(repr([(t, self.versions[t]) for t in silver]))

    def set_rates(self) -> None:
        """The rates' signature is their content (a few rows): a day's export that repeats the org's currencies
        leaves it as it was, on PostgreSQL too, where reloading silver gives its tables new versions."""
        rows = self.conn.exec_driver_sql(f"SELECT * FROM {self.wh.q('gold', CURRENCY_RATE)}").all()
        self.of[CURRENCY_RATE] = _hash(repr(sorted(tuple(map(str, r)) for r in rows)))

    def _input(self, schema: str, table: str) -> str:
        """The version of a table a model or check reads; a gold model's, once it is built for this build."""
        if schema == "gold" and table in BUILT_FIRST:
            return self.of[table]
        if (schema, table) not in self.versions:
            self.versions.update(self.wh.versions(self.conn, [(schema, table)]))
        return self.versions[schema, table]

    def model(self, model: Model) -> str:
        reads = sorted(model.reads - {("gold", model.name)})
        versions = [(t, self._input(*t)) for t in reads]
        self.inputs[model.name] = {f"{s}.{t}": v for (s, t), v in versions}
        self.of[model.name] = _hash(repr((fingerprint(model), versions)))
        return self.of[model.name]

    def check(self, check: Check) -> str:
        self.of[check.name] = _hash(repr((check.sql, [(t, self._input(*t)) for t in sorted(check.reads)])))
        return self.of[check.name]


def _last_signatures(conn: Connection) -> dict[str, str]:
    return {str(n): str(s) for n, s in conn.exec_driver_sql("SELECT name, signature FROM meta.gold_signatures")}


def _keep_signatures(conn: Connection, signatures: Mapping[str, str], at: dt.datetime) -> None:
    conn.execute(
        sa.text("DELETE FROM meta.gold_signatures WHERE name IN :names").bindparams(
            sa.bindparam("names", expanding=True)
        ),
        {"names": sorted(signatures)},
    )
    conn.execute(
        sa.text("INSERT INTO meta.gold_signatures (name, signature, built_at) VALUES (:n, :s, :at)"),
        [{"n": n, "s": s, "at": at} for n, s in sorted(signatures.items())],
    )


def build_gold(
    wh: Warehouse,
    as_of: dt.date | None = None,
    fiscal_year_start_month: int = 1,
    models: Sequence[Model] | None = None,
    progress: Progress | None = None,
    full: bool = False,
) -> GoldResult:
    """Rebuild the gold tables whose inputs changed (every table with `full`) and check them; on any failed
    check nothing changes and GoldCheckError is raised. `progress`: advanced per table and once for the checks
    (a bar on a terminal)."""
    if not 1 <= fiscal_year_start_month <= 12:
        raise ValueError(f"fiscal_year_start_month must be 1 to 12, not {fiscal_year_start_month}")
    models = list(models) if models is not None else load_models()
    progress = progress or NullProgress()
    progress.total = len(models) + 1
    ledger.prepare(wh)
    tables: dict[str, int] = {}
    seconds: dict[str, float] = {}
    rebuilt: list[str] = []  # the tables the build wrote: rebuilt whole, or updated by key (also in `updated`)
    updated: list[str] = []
    suite = suite_checks()
    with wh.engine.begin() as conn:
        wh.use_utc(conn)
        wh.for_analytics(conn)
        _require_silver(wh, conn)
        last = {} if full else _last_signatures(conn)
        signatures = Signatures(wh, conn, models, suite)
        as_of = as_of or default_as_of(wh, conn)
        currency = reporting_currency(wh, conn)
        signatures.set_context(as_of, fiscal_year_start_month, currency)
        _write_context(wh, conn, as_of, fiscal_year_start_month, currency)
        write_rates(wh, conn, currency)
        signatures.set_rates()
        for table in (CONTEXT_TABLE, CURRENCY_RATE):  # a few rows, but the planner must know it is a few
            wh.analyze(conn, "gold", table)
        present = set(wh.tables(conn, "gold"))
        if signatures.of[RECONCILIATION] != last.get(RECONCILIATION) or RECONCILIATION not in present:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {wh.q('gold', RECONCILIATION)}")
            conn.exec_driver_sql(f"CREATE TABLE {wh.q('gold', RECONCILIATION)} AS {reconciliation_sql(wh)}")
        state = State.read(last)
        context = {
            "as_of_date": str(as_of),
            "fiscal_year_start_month": fiscal_year_start_month,
            "reporting_currency": currency,
        }
        batches = highest_batches(wh, conn, silver_read_by_key(models))
        by_key = ByKey(wh, conn, state, batches, gold_read_by_key(models))
        read_later = {d for m in models for d in m.depends}
        for model in models:
            started = time.perf_counter()
            target = wh.q("gold", model.name)
            made_from = fingerprint(model)
            if signatures.model(model) != last.get(model.name) or model.name not in present:
                keys = (
                    None
                    if model.name not in present
                    else by_key.keys(model, made_from, signatures.inputs[model.name], context)
                )
                try:
                    if keys is not None:
                        by_key.update(model, keys)
                        updated.append(model.name)
                    else:
                        same = state.models.get(model.name, {}).get("fingerprint") == made_from
                        by_key.before_rebuild(model, model.name in present, same)
                        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {target}")
                        conn.exec_driver_sql(f"CREATE TABLE {target} AS {model.sql}")
                        by_key.after_rebuild(model)
                        if model.name in read_later:  # statistics for the models that join it (not for a mart)
                            wh.analyze(conn, "gold", model.name)
                except sa.exc.DBAPIError as e:
                    raise WarehouseError(f"warehouse_sql/gold/{model.name}.sql failed: {e.orig}") from e
                rebuilt.append(model.name)
            state.keep(model, made_from, signatures.inputs[model.name], context, batches)
            tables[model.name] = int(conn.exec_driver_sql(f"SELECT count(*) FROM {target}").scalar_one())
            seconds[model.name] = time.perf_counter() - started
            progress.advance(1, model.name)
        checks = [c for m in models for c in contract_checks(wh, m, rebuilt, by_key.written)]
        present = set(wh.tables(conn, "gold"))  # a build of some models only checks what the gold it has allows
        suite = [c for c in suite if {t for s, t in c.reads if s == "gold"} <= present]
        checks += [c for c in suite if signatures.check(c) != last.get(c.name)]
        failures = run_checks(conn, checks)
        by_key.drop()
        progress.advance(1, f"{len(checks)} checks")
        progress.finish()
        if failures:
            raise GoldCheckError(failures)
        kept = [RECONCILIATION, *tables, *(c.name for c in suite)]
        _keep_signatures(conn, {**{n: signatures.of[n] for n in kept}, **state.rows()}, dt.datetime.now(dt.UTC))
        headline: dict[str, Any] = {}
        if "headline_kpis" in present:
            result = conn.exec_driver_sql("SELECT * FROM gold.headline_kpis")
            row = result.one_or_none()
            headline = dict(zip(result.keys(), row, strict=True)) if row is not None else {}
        loose = conn.exec_driver_sql(
            f"SELECT table_name, column_name, refers_to, unresolved FROM {wh.q('gold', RECONCILIATION)} "
            "WHERE unresolved > 0 ORDER BY unresolved DESC, table_name, column_name"
        ).all()
    unresolved = {f"{t}.{c} -> {r}": int(n) for t, c, r, n in loose}
    return GoldResult(as_of, tables, seconds, len(checks), headline, unresolved, rebuilt, updated, by_key.counts)


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
