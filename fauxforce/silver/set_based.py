"""One bronze batch typed, checked and de-duplicated in the warehouse, by set-based SQL, with the parsers of
`fauxforce.silver.conform` kept for the records that need them.

A value in a form whose meaning is beyond doubt is typed by SQL: an 18-character Salesforce Id whose
checksum holds (or a 15-character one, which gets it), ISO dates and timestamps, plain decimal numbers,
`true`/`false`, an E.164 or North American phone number, text with no space to trim at its ends. Every other
value (`$1,234.50`, `02/23/26 08:55 PM`, a recased Id, a phone number only libphonenumber reads) is not
guessed at: its whole record goes through `conform`, as do the records with a failure of any kind (a missing
required value, a value out of its range, an unresolved lookup, a picklist value off the org's list, a
ragged row) and every other version of their keys. So a record is typed, checked, quarantined or flagged
with exactly the semantics `conform` pins, and the clean records of a batch typed here never leave the
database. `build.build_table` chooses this path by default for DuckDB batches of `SET_BASED_ROWS` rows or more.

The checks beyond types are those of the table's pandera model (`conform.model`): its non-nullable columns
and its Field checks, translated to SQL here; a table whose model has a check this module cannot translate is
conformed whole in Python. Country names are read by `parse_country` itself, once per distinct value, and
joined back.
"""

from __future__ import annotations

import datetime as dt
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy.engine import Connection

from fauxforce.core.catalogue import BY_NAME, Column, Table, table_name
from fauxforce.core.salesforce import KEY_PREFIXES
from fauxforce.core.warehouse import Warehouse, query_arrow
from fauxforce.silver.conform import ERP_NO_DATE, References, model, not_in, prefixes_of
from fauxforce.silver.parse import ALL_ZERO_ID, FALSE, NULL_TOKENS, TRUE, parse_country

# What `str.strip()` removes (whitespace, all below U+3001), and the other control characters: a value that
# starts and ends with none of them needs no trimming.
SPACES = "".join(chr(c) for c in range(1, 0x3001) if chr(c).isspace() or chr(c) < " " or "\x7f" <= chr(c) <= "\xa0")
CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
YEAR = "(19|20|21)[0-9]{2}"  # well inside the years pandas reads (1677–2262)
DATE = f"{YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
TIME = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?"
OFFSET = "(Z|[+-](0[0-9]|1[0-4]):?[0-5][0-9])"
ASCII = "[ -~]+"  # printable ASCII: what SQL's lower() and upper() change exactly as Python's do
EMAIL = "[!-?A-~]+@[!-?A-~]+\\.[!-\\-/-?A-~]+"  # `[^@\s]+@[^@\s]+\.[^@\s.]+`, in printable ASCII
SEPARATORS = "[ ().\\-/]"  # what `parse_phone` removes from a number, in printable ASCII
E164 = "\\+[1-9][0-9]{7,14}"
NANP = "1?[2-9][0-9]{2}[2-9][0-9]{6}"
DECIMAL = "-?[0-9]+(\\.[0-9]+)?"
MONEY = "-?[0-9]{1,13}(\\.[0-9]{1,2})?"
UNTRIMMED = ("text", "key", "phone")  # the types whose canonical form could start or end with a space
TYPED = "_fauxforce_typed"
CLEAN = "_fauxforce_clean"
COUNTRIES = "_fauxforce_countries"
FAILED = "_ff_failed"
CHECKS: dict[str, Callable[[str, Mapping[str, object]], str]] = {  # pandera check → SQL, on a non-null value
    "greater_than_or_equal_to": lambda v, s: f"{v} >= {_number(s['min_value'])}",
    "greater_than": lambda v, s: f"{v} > {_number(s['min_value'])}",
    "less_than_or_equal_to": lambda v, s: f"{v} <= {_number(s['max_value'])}",
    "less_than": lambda v, s: f"{v} < {_number(s['max_value'])}",
    "equal_to": lambda v, s: f"{v} = {_literal(s['value'])}",
    "not_equal_to": lambda v, s: f"{v} <> {_literal(s['value'])}",
    "in_range": lambda v, s: (
        f"{v} {'>=' if s.get('include_min', True) else '>'} {_number(s['min_value'])} AND "
        f"{v} {'<=' if s.get('include_max', True) else '<'} {_number(s['max_value'])}"
    ),
    "isin": lambda v, s: f"{v} IN ({', '.join(_literal(x) for x in s['allowed_values'])})",  # type: ignore[attr-defined]
    "notin": lambda v, s: f"{v} NOT IN ({', '.join(_literal(x) for x in s['forbidden_values'])})",  # type: ignore[attr-defined]
}


def _number(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"not a number: {value!r}")
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _literal(value: object) -> str:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return _number(value)
    return "'" + str(value).replace("'", "''") + "'"


def supported(table: Table) -> bool:
    """Whether every check of the table's pandera model has an SQL translation here."""
    schema = model(table).to_schema()
    for column in schema.columns.values():
        for check in column.checks:
            if check.name not in CHECKS:
                return False
            try:
                CHECKS[check.name]("v", check.statistics)
            except (KeyError, TypeError):
                return False
    return True


@dataclass
class Typed:
    """A batch typed in the warehouse: `TYPED` holds every row, `_ff_failed` marking the records for `conform`."""

    rows: int
    failed: int


class Sql:
    """The SQL of one table and one batch, for the warehouse's dialect."""

    def __init__(self, wh: Warehouse, t: Table, bronze_columns: Sequence[str]) -> None:
        self.wh, self.t = wh, t
        self.duck = wh.dialect == "duckdb"
        lookup = {c.lower(): c for c in bronze_columns}
        self.source = {c.name: lookup.get(c.source.lower()) for c in t.columns}

    def rx(self, value: str, pattern: str) -> str:
        """Whether the whole of `value` matches `pattern`."""
        if self.duck:
            return f"regexp_full_match({value}, {_literal(pattern)})"
        return f"({value} ~ {_literal('^(?:' + pattern + ')$')})"

    def isin(self, value: str, items: Iterable[object]) -> str:
        """Whether `value` is one of `items`. On DuckDB a short list is a `CASE`: an `IN` list there becomes a
        join, which made a batch's typing 25% slower."""
        listed = [_literal(x) for x in items]
        if not listed:
            return "FALSE"
        if self.duck and len(listed) <= 16:
            return f"(CASE {value} {' '.join(f'WHEN {x} THEN TRUE' for x in listed)} ELSE FALSE END)"
        return f"list_contains([{', '.join(listed)}], {value})" if self.duck else f"({value} IN ({', '.join(listed)}))"

    def _safe(self, value: str) -> str:
        """Whether `value` starts and ends with a character `str.strip()` keeps."""
        kept = f"[^{SPACES}]"
        if self.duck:
            return (
                f"regexp_matches({value}, {_literal('^' + kept)}) AND regexp_matches({value}, {_literal(kept + '$')})"
            )
        return f"{value} ~ {_literal('^' + kept)} AND {value} ~ {_literal(kept + '$')}"

    def text(self, raw: str) -> str:
        """`parse._text` for a value with nothing to trim (one to trim fails `trimmed`, which sends it to `conform`)."""
        tokens = self.isin(f"lower({raw})", sorted(NULL_TOKENS))
        return f"CASE WHEN {raw} = '' OR {tokens} THEN NULL ELSE {raw} END"

    def trimmed(self, raw: str) -> str:
        """Whether `raw` needs no trimming (or is missing)."""
        return f"({raw} IS NULL OR {raw} = '' OR ({self._safe(raw)}))"

    def checksum(self, v: str) -> str:
        """The 3-character checksum of a Salesforce Id's first 15 characters."""
        parts = []
        for chunk in range(3):
            bits = " + ".join(
                f"CASE WHEN ascii(substr({v}, {chunk * 5 + i + 1}, 1)) BETWEEN 65 AND 90 THEN {1 << i} ELSE 0 END"
                for i in range(5)
            )
            parts.append(f"substr('{CHECKSUM}', 1 + {bits}, 1)")
        return " || ".join(parts)

    def valid_day(self, d: str) -> str:
        """Whether the `YYYY-MM-DD` at the start of `d` (already matched by DATE) is a day of the calendar."""
        y, m, day = f"CAST(substr({d}, 1, 4) AS INTEGER)", f"substr({d}, 6, 2)", f"CAST(substr({d}, 9, 2) AS INTEGER)"
        leap = f"((mod({y}, 4) = 0 AND mod({y}, 100) <> 0) OR mod({y}, 400) = 0)"
        february = f"CASE WHEN {leap} THEN 29 ELSE 28 END"
        last = f"CASE WHEN {self.isin(m, ('04', '06', '09', '11'))} THEN 30 WHEN {m} = '02' THEN {february} ELSE 31 END"
        return f"{day} <= {last}"

    def column(self, c: Column, v: str, regions: str, sfx: str = "") -> tuple[str, str]:
        """(typed value, whether SQL read it as `conform` would) of column `c`, its cleaned text being `v` (and,
        for an Id, its checksum `sfx`)."""
        if c.type == "text":
            return v, "TRUE"
        if c.type == "key":
            return f"upper({v})", f"({v} IS NULL OR {self.rx(v, ASCII)})"
        if c.type == "email":
            return f"lower({v})", f"({v} IS NULL OR {self.rx(v, EMAIL)})"
        if c.type == "id":
            zero = f"substr({v}, 1, 15) = '{ALL_ZERO_ID}'"
            ok = (
                f"({v} IS NULL OR {zero} OR {self.rx(v, '[0-9A-Za-z]{15}')} OR "
                f"({self.rx(v, '[0-9A-Za-z]{18}')} AND substr({v}, 16, 3) = {sfx}))"
            )
            return f"CASE WHEN {zero} THEN NULL WHEN length({v}) = 15 THEN {v} || {sfx} ELSE {v} END", ok
        if c.type == "bool":
            low = f"lower({v})"
            yes, no = self.isin(low, sorted(TRUE)), self.isin(low, sorted(FALSE))
            value = f"CASE WHEN {yes} THEN TRUE WHEN {no} THEN FALSE END"
            if self.t.ref.system == "salesforce":  # a checkbox is never null: empty is unticked
                value = f"COALESCE({value}, FALSE)"
            return value, f"({v} IS NULL OR {self.isin(low, sorted(TRUE | FALSE))})"
        if c.type == "int":
            return self._cast(v, "BIGINT", self.rx(v, "-?[0-9]{1,15}"))
        if c.type == "float":
            digits = f"length(replace(replace({v}, '-', ''), '.', '')) <= 15"
            return self._cast(v, "DOUBLE PRECISION", f"{self.rx(v, DECIMAL)} AND {digits}")
        if c.type == "money":
            return self._cast(v, "NUMERIC(18, 2)", self.rx(v, MONEY))
        if c.type == "date":
            if self.t.ref.system == "erp":  # ERP dumps write a missing date as a zero integer
                v = f"CASE WHEN {self.isin(v, ERP_NO_DATE)} THEN NULL ELSE {v} END"
            return self._day(v, DATE + "([T ][0-9:.+Z-]*)?", f"substr({v}, 1, 10)", "DATE")
        if c.type == "ts":  # one without an offset is UTC
            tail = f"right({v}, 6)"
            offset = f"right({v}, 1) = 'Z' OR strpos({tail}, '+') > 0 OR strpos({tail}, '-') > 0"
            zoned = f"CASE WHEN {offset} THEN {v} ELSE {v} || '+00:00' END"
            return self._day(v, f"{DATE}[T ]{TIME}{OFFSET}?", zoned, "TIMESTAMP WITH TIME ZONE")
        if c.type == "phone":
            digits = f"regexp_replace({v}, '{SEPARATORS}', '', 'g')"
            plus = f"({self.rx(digits, E164)} AND strpos({v}, '(0)') = 0)"
            nanp = f"({self.isin(regions, ('US', 'CA'))} AND {self.rx(digits, NANP)})"
            value = f"CASE WHEN {plus} THEN {digits} WHEN {nanp} THEN '+1' || right({digits}, 10) END"
            ok = f"({v} IS NULL OR ({self.rx(v, ASCII)} AND ({plus} OR {nanp})))"
            return value, ok
        raise ValueError(f"no SQL for a column of type {c.type}")

    def _cast(self, text: str, sql_type: str, shape: str) -> tuple[str, str]:
        return f"CASE WHEN {shape} THEN CAST({text} AS {sql_type}) END", f"({text} IS NULL OR {shape})"

    def _day(self, v: str, pattern: str, text: str, sql_type: str) -> tuple[str, str]:
        """A date or timestamp: `v` matching `pattern` on a day of the calendar, `text` cast to `sql_type`."""
        if self.duck:  # DuckDB's TRY_CAST knows the calendar
            value = f"CASE WHEN {self.rx(v, pattern)} THEN TRY_CAST({text} AS {sql_type}) END"
            return value, f"({v} IS NULL OR ({value}) IS NOT NULL)"
        shape = f"CASE WHEN {self.rx(v, pattern)} THEN {self.valid_day(v)} ELSE FALSE END"
        return f"CASE WHEN {shape} THEN CAST({text} AS {sql_type}) END", f"({v} IS NULL OR {shape})"


def type_batch(
    wh: Warehouse,
    conn: Connection,
    t: Table,
    source: str,
    batch_id: int,
    bronze_columns: Sequence[str],
    extracted: set[str] | None,
    picklists: Mapping[str, list[str]] | None,
) -> Typed:
    """Type bronze batch `batch_id` of `source` into the temporary table `TYPED` (the silver columns,
    `_batch_id`, `_row_number` and `_ff_failed`), and mark the records `conform` must take: any value SQL does
    not read as `conform` would, any failed check or lookup, and every version of their keys."""
    sql = Sql(wh, t, bronze_columns)
    countries = [c for c in t.columns if c.type == "country"]
    raws = {c.name: _bronze(wh, sql.source[c.name]) for c in t.columns}
    if countries:
        _countries(wh, conn, source, batch_id, [raws[c.name] for c in countries])
    joins, inner, typed, ok = [], [], [], []
    for i, c in enumerate(t.columns):
        inner.append(f"{sql.text(raws[c.name])} AS {wh.q(f'_v{i}')}")
        if c.type in UNTRIMMED:
            inner.append(f"{sql.trimmed(raws[c.name])} AS {wh.q(f'_t{i}')}")
        if c.type == "country":
            joins.append(f"LEFT JOIN {COUNTRIES} AS k{i} ON k{i}.value = {raws[c.name]}")
            inner += [f"k{i}.name AS {wh.q(f'_n{i}')}", f"k{i}.code AS {wh.q(f'_c{i}')}"]
            inner.append(f"COALESCE(NOT k{i}.bad, TRUE) AS {wh.q(f'_k{i}')}")
    sums = [f"{sql.checksum(wh.q(f'_v{i}'))} AS {wh.q(f'_s{i}')}" for i, c in enumerate(t.columns) if c.type == "id"]
    regions: list[str] = []
    schema = model(t).to_schema().columns
    sql_types = dict(t.output_columns())
    for i, c in enumerate(t.columns):
        v, name = wh.q(f"_v{i}"), wh.q(c.name)
        if c.type == "country":  # read whole by `parse_country`
            typed += [
                f"CAST({wh.q(f'_n{i}')} AS TEXT) AS {name}",
                f"CAST({wh.q(f'_c{i}')} AS TEXT) AS {wh.q(c.name + '_code')}",
                f"{wh.q(f'_k{i}')} AS {wh.q(f'_ok{i}')}",
            ]
            regions.append(wh.q(f"_c{i}"))
        else:
            region = "COALESCE(" + ", ".join([*regions, "'US'"]) + ")"
            value, good = sql.column(c, v, region, wh.q(f"_s{i}"))
            good = f"{wh.q(f'_t{i}')} AND {good}" if c.type in UNTRIMMED else good
            typed += [f"CAST({value} AS {sql_types[c.name]}) AS {name}", f"{good} AS {wh.q(f'_ok{i}')}"]
        ok.append(wh.q(f"_ok{i}"))
        if not schema[c.name].nullable:
            ok.append(f"{name} IS NOT NULL")
        for check in schema[c.name].checks:
            ok.append(f"({name} IS NULL OR ({CHECKS[check.name](name, check.statistics)}))")
        if picklists and c.source in picklists and c.type == "text":
            ok.append(f"({name} IS NULL OR (strpos({name}, ';') = 0 AND {sql.isin(name, picklists[c.source])}))")
    if "_issue" in bronze_columns:  # a record the reader could not take as it is
        inner.append(f"b._issue IS NULL AS {wh.q('_t_issue')}")
        typed.append(wh.q("_t_issue"))
        ok.append(wh.q("_t_issue"))
    names = ", ".join(wh.q(name) for name, _ in t.output_columns())
    layers = (
        f"SELECT b._batch_id, b._row_number, {', '.join(inner)} FROM {wh.q('bronze', source)} AS b "
        f"{' '.join(joins)} WHERE b._batch_id = {int(batch_id)}"
    )
    fence = "" if wh.dialect == "duckdb" else " OFFSET 0"  # each layer computed once: PostgreSQL would inline it
    if sums:
        layers = f"SELECT *, {', '.join(sums)} FROM ({layers}{fence}) AS s1"
    layers = f"SELECT _batch_id, _row_number, {', '.join(typed)} FROM ({layers}{fence}) AS s2"
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {TYPED}")
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {TYPED} AS SELECT _batch_id, _row_number, {names}, "
        f"NOT ({' AND '.join(f'COALESCE({o}, FALSE)' for o in ok)}) AS {FAILED} FROM ({layers}{fence}) AS s3"
    )
    for c in t.columns:
        if c.parent:
            _lookup(wh, conn, t, c, table_name(c.parent), extracted)
    wh.analyze(conn, TYPED)
    match = " AND ".join(f"f.{wh.q(k)} = {TYPED}.{wh.q(k)}" for k in t.key_columns)
    conn.exec_driver_sql(  # every version of a key `conform` takes goes with it, so versions are compared as one
        f"UPDATE {TYPED} SET {FAILED} = TRUE WHERE NOT {FAILED} AND EXISTS "
        f"(SELECT 1 FROM {TYPED} AS f WHERE f.{FAILED} AND {match})"
    )
    rows, failed = conn.exec_driver_sql(f"SELECT count(*), count(*) FILTER (WHERE {FAILED}) FROM {TYPED}").one()
    return Typed(int(rows), int(failed))


def _bronze(wh: Warehouse, column: str | None) -> str:
    """A bronze column of the batch (`b`), or NULL text for a column this export does not have."""
    return f"b.{wh.q(column)}" if column else "CAST(NULL AS TEXT)"


def _countries(wh: Warehouse, conn: Connection, source: str, batch_id: int, columns: list[str]) -> None:
    """`COUNTRIES`: every distinct country value of the batch, read by `parse_country`."""
    union = " UNION ".join(
        f"SELECT DISTINCT {c} AS value FROM {wh.q('bronze', source)} AS b WHERE b._batch_id = {int(batch_id)} "
        f"AND {c} IS NOT NULL"
        for c in columns
    )
    values = query_arrow(wh, conn, union).column(0).to_pylist()
    name, code, bad = parse_country(pd.Series(values, dtype="string"))
    data = pa.table(
        {
            "value": pa.array(values, type=pa.string()),
            "name": pa.array(name.to_numpy(dtype=object, na_value=None), type=pa.string()),
            "code": pa.array(code.to_numpy(dtype=object, na_value=None), type=pa.string()),
            "bad": pa.array(bad.to_numpy(dtype=bool)),
        }
    )
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {COUNTRIES}")
    wh.create_table(conn, None, COUNTRIES, [("value", "TEXT"), ("name", "TEXT"), ("code", "TEXT"), ("bad", "BOOLEAN")])
    wh.insert_arrow(conn, None, COUNTRIES, data)
    wh.analyze(conn, COUNTRIES)


def _lookup(wh: Warehouse, conn: Connection, t: Table, c: Column, parent: str, extracted: set[str] | None) -> None:
    """Mark the records whose lookup `c` finds no record of `parent` in silver (nor, for a lookup within the
    table, in the batch), as `conform._check_lookup` would flag them. A lookup to an object never extracted is
    not checked."""
    if extracted is not None and parent not in extracted:
        return
    column = wh.q(c.name)
    key = BY_NAME[parent].key_columns[0] if parent in BY_NAME else f"{parent}_id"
    if parent == t.name:
        key = t.key_columns[0]
    has_parent = key in wh.columns(conn, "silver", parent)
    found, prefixes = [], []
    if has_parent:
        target = wh.q("silver", parent)
        found.append(f"EXISTS (SELECT 1 FROM {target} AS p WHERE p.{wh.q(key)} = {TYPED}.{column})")
        prefixes.append(f"substr({TYPED}.{column}, 1, 3) IN (SELECT substr(p.{wh.q(key)}, 1, 3) FROM {target} AS p)")
    if parent == t.name:
        own = wh.q(t.key_columns[0])
        found.append(f"EXISTS (SELECT 1 FROM {TYPED} AS o WHERE o.{own} = {TYPED}.{column})")
        prefixes.append(f"substr({TYPED}.{column}, 1, 3) IN (SELECT substr(o.{own}, 1, 3) FROM {TYPED} AS o)")
    orphan = f"{TYPED}.{column} IS NOT NULL"
    if found:
        orphan += f" AND NOT ({' OR '.join(found)})"
    if t.ref.system == "salesforce":
        standard = sorted(standard_prefixes(parent))
        if standard:
            prefixes.append(Sql(wh, t, []).isin(f"substr({TYPED}.{column}, 1, 3)", standard))
        orphan += f" AND ({' OR '.join(prefixes) or 'FALSE'})"
    conn.exec_driver_sql(f"UPDATE {TYPED} SET {FAILED} = TRUE WHERE NOT {FAILED} AND {orphan}")


def marked_rows(wh: Warehouse, conn: Connection, source: str, batch_id: int) -> pa.Table:
    """The bronze rows of the records marked for `conform`, in row order."""
    sql = (
        f"SELECT b.* FROM {wh.q('bronze', source)} AS b WHERE b._batch_id = {int(batch_id)} AND b._row_number IN "
        f"(SELECT _row_number FROM {TYPED} WHERE {FAILED}) ORDER BY b._row_number"
    )
    return query_arrow(wh, conn, sql)


def own_keys(wh: Warehouse, conn: Connection, t: Table) -> pa.Array:
    """The first key column of the table's records in silver and of those SQL typed in this batch (for
    `conform`'s lookups within the table)."""
    key = wh.q(t.key_columns[0])
    sql = f"SELECT CAST({key} AS TEXT) FROM {TYPED} WHERE NOT {FAILED}"
    if t.key_columns[0] in wh.columns(conn, "silver", t.name):
        sql += f" UNION ALL SELECT CAST({key} AS TEXT) FROM {wh.q('silver', t.name)}"
    return query_arrow(wh, conn, sql).column(0).combine_chunks().cast(pa.string())


def take_keys(wh: Warehouse, conn: Connection, t: Table, keys: pd.DataFrame) -> int:
    """Mark for `conform` the clean records that share a key with `keys` (records `conform` kept, typed by it);
    return how many were marked."""
    if keys.empty:
        return 0
    data = pa.Table.from_pandas(keys[t.key_columns].astype("string"), preserve_index=False)
    names = [(k, "TEXT") for k in t.key_columns]
    with wh.staged(conn, "_fauxforce_taken", names, data) as stage:
        match = " AND ".join(f"CAST({TYPED}.{wh.q(k)} AS TEXT) = s.{wh.q(k)}" for k in t.key_columns)
        shared = f"EXISTS (SELECT 1 FROM {stage} AS s WHERE {match})"
        result = conn.exec_driver_sql(f"UPDATE {TYPED} SET {FAILED} = TRUE WHERE NOT {FAILED} AND {shared}")
    return max(result.rowcount or 0, 0)


def clean(
    wh: Warehouse, conn: Connection, t: Table, columns: Sequence[str], loaded_at: dt.datetime
) -> tuple[int, int, bool]:
    """The latest version of each key of the records SQL typed, as silver's rows (`columns`): inserted straight
    into an empty silver table, else kept in `CLEAN` to be merged. Returns (rows, older versions left out,
    whether they were inserted)."""
    cols = ", ".join(wh.q(name) for name in columns)
    partition = ", ".join(wh.q(k) for k in t.key_columns)
    mod = wh.q(t.modstamp_column)
    at = _literal(loaded_at.astimezone(dt.UTC).isoformat())
    latest = (
        f"SELECT {cols} FROM (SELECT *, CAST({at} AS TIMESTAMP WITH TIME ZONE) AS _loaded_at, row_number() OVER "
        f"(PARTITION BY {partition} ORDER BY {mod} DESC NULLS LAST, _row_number DESC) AS _ff_version FROM {TYPED} "
        f"WHERE NOT {FAILED}) AS v WHERE _ff_version = 1"
    )
    typed = int(conn.exec_driver_sql(f"SELECT count(*) FROM {TYPED} WHERE NOT {FAILED}").scalar_one())
    target = wh.q("silver", t.name)
    if not conn.exec_driver_sql(f"SELECT EXISTS (SELECT 1 FROM {target})").scalar_one():  # a first load
        conn.exec_driver_sql(f"INSERT INTO {target} ({cols}) {latest}")
        kept = int(conn.exec_driver_sql(f"SELECT count(*) FROM {target}").scalar_one())
        return kept, typed - kept, True
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {CLEAN}")
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {CLEAN} AS {latest}")
    kept = int(conn.exec_driver_sql(f"SELECT count(*) FROM {CLEAN}").scalar_one())
    wh.analyze(conn, CLEAN)
    return kept, typed - kept, False


def drop(conn: Connection) -> None:
    for name in (TYPED, CLEAN, COUNTRIES):
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")


def standard_prefixes(table: str) -> set[str]:
    """The key prefixes Salesforce gives the records of `table` (`001` for `account`)."""
    return {prefix for name, prefix in KEY_PREFIXES.items() if table_name(name) == table and prefix}


class WithBatch:
    """`References` for `conform` on the records SQL left to it: the keys of their own table are those silver
    holds and those SQL typed in this batch, read in the batch's transaction (which may have created or altered
    the table, so no other connection could read it); other tables' come from `inner`."""

    def __init__(self, inner: References, table: str, own: pa.Array) -> None:
        self.inner, self.table, self.own = inner, table, own

    def missing(self, table: str, values: pa.Array) -> np.ndarray | None:
        return not_in(values, self.own) if table == self.table else self.inner.missing(table, values)

    def prefixes(self, table: str) -> set[str]:
        if table != self.table:
            return self.inner.prefixes(table)
        return prefixes_of(self.own) | standard_prefixes(table)
