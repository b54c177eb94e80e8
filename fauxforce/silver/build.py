"""Build silver from bronze: every unprocessed bronze batch of every object, declared objects first
(parents before children), then every other object bronze holds, by name.

Each bronze batch becomes one transaction: typed rows upserted into `silver.<table>` (the latest
modstamp wins, older arrivals count as duplicates), their flags into `meta.flags` (replacing the
flags of the versions they replace), quarantined records appended to `quarantine.<table>`, a row in
`meta.load_log`, and the object's watermark (the last bronze batch processed) moved on. A crash
therefore never leaves a batch half-applied, and a re-run picks up exactly where it stopped. A batch
with a failure the policy says `fail` is not applied, and the run stops with its records named.

At the end of a run, `resolve_flags` drops the `unresolved` flags whose lookup now finds its record:
a parent that arrived later resolves its children by itself.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fauxforce.bronze.land import bronze_table
from fauxforce.core import ledger, resources
from fauxforce.core.catalogue import BY_NAME, BY_REF, TABLES, ObjectRef, Table
from fauxforce.core.policy import Policy
from fauxforce.core.warehouse import Warehouse, WarehouseError, query_arrow, read_batch
from fauxforce.silver import set_based as set_based_sql
from fauxforce.silver.conform import FLAG_COLUMNS, QUARANTINE_COLUMNS, Conformed, conform, not_in, prefixes_of
from fauxforce.silver.infer import shape

LINEAGE_COLUMNS = (("_batch_id", "BIGINT"), ("_row_number", "BIGINT"), ("_loaded_at", "TIMESTAMP WITH TIME ZONE"))
INTEGERS = ("_batch_id", "_row_number", "_line_number")
QUARANTINE_DDL = [(c, "BIGINT" if c in INTEGERS else "TEXT") for c in QUARANTINE_COLUMNS] + [
    ("quarantined_at", "TIMESTAMP WITH TIME ZONE")
]
FLAGS = ("meta", "flags")  # beside the ledger: silver holds records only, so counting its rows counts records
FLAGS_DDL = (
    [("table_name", "TEXT"), ("object", "TEXT")]
    + [(c, "BIGINT" if c in INTEGERS else "TEXT") for c in FLAG_COLUMNS]
    + [("flagged_at", "TIMESTAMP WITH TIME ZONE")]
)


# From how many rows a batch is typed in SQL by default on DuckDB. Each batch typed so costs ~15 ms more in
# statements; each row, ~0.8 µs less (scale 1: a full silver 7.4–7.6 s against 8.1–8.6 s through `conform`, a
# day's 26 batches of ~300 rows 1.8–2.0 s against 1.5–1.6 s).
SET_BASED_ROWS = 20_000


class SilverPolicyError(WarehouseError):
    """A batch has records the validation policy says stop the run for; the batch was not applied."""


@dataclass
class SilverResult:
    object: str
    batch_id: int
    rows_in: int
    loaded: int
    quarantined: int
    duplicates: int
    reasons: dict[str, int]
    examples: list[str] = field(default_factory=list)  # the first few quarantine reasons, to show a person
    flagged: int = 0  # records loaded with at least one flag
    flags: dict[str, int] = field(default_factory=dict)  # flags by check
    flag_examples: list[str] = field(default_factory=list)
    bronze_only: bool = False  # an object silver has no key for (an ERP table the catalogue does not declare)
    conformed: int = 0  # records typed in Python by `conform` (all of them, unless the batch was typed in SQL)


LOOKUP_MAX = 50_000  # PostgreSQL: distinct values a batch looks up by index; more, and the table's keys are read


class Keys:
    """What silver knows of lookup targets, and which objects were ever extracted (a lookup to an object never
    extracted is not checked). A lookup is answered from the target's keys, read whole once per run and kept
    current as batches land; on PostgreSQL, a batch with few distinct values (a day's changes) asks silver for
    those values only (an index lookup), so its cost follows the batch rather than the table it points at."""

    def __init__(self, wh: Warehouse, extracted: set[str] | None = None) -> None:
        self.wh = wh
        self.extracted = extracted  # table names with bronze data; None: every table counts as extracted
        self.key_column: dict[str, str] = {}
        self._keys: dict[str, list[pa.Array]] = {}
        self._prefixes: dict[str, set[str]] = {}

    def register(self, t: Table) -> None:
        self.key_column[t.name] = t.key_columns[0]

    def _column(self, table: str) -> str:
        return self.key_column.get(table) or (BY_NAME[table].key_columns[0] if table in BY_NAME else f"{table}_id")

    def _whole(self, table: str) -> bool:
        """Whether lookups to `table` are answered from its keys read whole (DuckDB, or read already this run)."""
        return table in self._keys or self.wh.dialect != "postgresql"

    def missing(self, table: str, values: pa.Array) -> np.ndarray | None:
        if self.extracted is not None and table not in self.extracted:
            return None
        if self._whole(table):
            return not_in(values, self(table))
        wanted = pc.unique(values.drop_null())
        if len(wanted) > LOOKUP_MAX:
            return not_in(values, self(table))
        return not_in(values, self._lookup(table, wanted))

    def _lookup(self, table: str, wanted: pa.Array) -> pa.Array:
        """Those of `wanted` that are keys of `table` in silver (PostgreSQL: by the key's unique index)."""
        column = self._column(table)
        with self.wh.engine.connect() as conn:
            kind = self.wh.column_types(conn, "silver", table).get(column)
            if kind is None or not len(wanted):
                return pa.array([], type=pa.string())
            key = self.wh.q(column) if kind == "TEXT" else f"CAST({self.wh.q(column)} AS TEXT)"
            sql = f"SELECT {key} FROM {self.wh.q('silver', table)} WHERE {key} = ANY(%(wanted)s)"
            found = conn.exec_driver_sql(sql, {"wanted": wanted.to_pylist()}).scalars().all()
        return pa.array(found, type=pa.string())

    def __call__(self, table: str) -> pa.Array:
        """The table's keys in silver, whole."""
        if table not in self._keys:
            column = self._column(table)
            keys: list[pa.Array] = []
            with self.wh.engine.connect() as conn:
                if column in self.wh.columns(conn, "silver", table):
                    sql = f"SELECT {self.wh.q(column)} FROM {self.wh.q('silver', table)}"
                    keys.append(query_arrow(self.wh, conn, sql).column(0).combine_chunks().cast(pa.string()))
            self._keys[table] = keys
        parts = self._keys[table]
        if len(parts) != 1:
            parts[:] = [pa.concat_arrays(parts) if parts else pa.array([], type=pa.string())]
        return parts[0]

    def prefixes(self, table: str) -> set[str]:
        if table not in self._prefixes:
            if self._whole(table):
                found = prefixes_of(self(table))
            else:  # the distinct prefixes, computed where the keys are
                column = self._column(table)
                found = set()
                with self.wh.engine.connect() as conn:
                    if column in self.wh.columns(conn, "silver", table):
                        prefix = f"substr(CAST({self.wh.q(column)} AS TEXT), 1, 3)"
                        sql = f"SELECT DISTINCT {prefix} FROM {self.wh.q('silver', table)}"
                        found = {str(p) for p in conn.exec_driver_sql(sql).scalars() if p}
            self._prefixes[table] = found | set_based_sql.standard_prefixes(table)
        return self._prefixes[table]

    def forget(self, table: str) -> None:
        """Read the table's keys from silver again at the next ask (after a batch written in the warehouse)."""
        self._keys.pop(table, None)
        self._prefixes.pop(table, None)

    def add(self, table: str, values: pd.Series) -> None:
        """Keys a batch wrote to silver."""
        if not len(values):
            return
        added = pa.array(values.dropna().astype(str).to_numpy(dtype=object), type=pa.string())
        if table in self._keys:
            self._keys[table].append(added)
        if table in self._prefixes:
            self._prefixes[table] |= prefixes_of(added)


def ensure_tables(wh: Warehouse, conn: Connection, t: Table) -> set[str]:
    """Create the silver and quarantine tables if missing; return the schemas that have the table."""
    present = wh.schemas_with(conn, t.name)
    if "silver" not in present:
        wh.create_table(conn, "silver", t.name, [*t.output_columns(), *LINEAGE_COLUMNS])
        wh.create_index(conn, "silver", t.name, t.key_columns, unique=True)
    else:  # a column declared since the table was made (or a new field of this batch) is added, empty
        have = set(wh.columns(conn, "silver", t.name))
        wh.add_columns(conn, "silver", t.name, [c for c in t.output_columns() if c[0] not in have])
    if "quarantine" not in present:
        wh.create_table(conn, "quarantine", t.name, QUARANTINE_DDL)
    else:  # a quarantine table from before `_line_number`
        have = set(wh.columns(conn, "quarantine", t.name))
        wh.add_columns(conn, "quarantine", t.name, [c for c in QUARANTINE_DDL if c[0] not in have])
    if FLAGS[0] not in wh.schemas_with(conn, FLAGS[1]):
        wh.create_table(conn, *FLAGS, FLAGS_DDL)
    return present | {"silver", "quarantine"}


def _arrow(t: Table, good: pd.DataFrame, loaded_at: dt.datetime) -> pa.Table:
    arrays: dict[str, pa.Array] = {}
    for name, sql_type in [*t.output_columns(), *LINEAGE_COLUMNS]:
        if name == "_loaded_at":
            arrays[name] = pa.array([loaded_at] * len(good), type=pa.timestamp("us", tz="UTC"))
            continue
        s = good[name]
        if sql_type.startswith("NUMERIC"):
            cents = (s.astype("Float64") * 100).round().astype("Int64")
            arrays[name] = _decimal(cents)
        elif sql_type == "DATE":
            arrays[name] = pa.array(s, type=pa.timestamp("us")).cast(pa.date32())
        else:
            arrays[name] = pa.array(s)
    return pa.table(arrays)


def _decimal(cents: pd.Series) -> pa.Array:
    valid = cents.notna().to_numpy()
    values = cents.fillna(0).to_numpy(dtype=np.int64)
    buf = np.zeros((len(values), 2), dtype=np.int64)
    buf[:, 0] = values
    buf[:, 1] = np.where(values < 0, -1, 0)
    mask = pa.array(valid).buffers()[1] if not valid.all() else None
    return pa.Array.from_buffers(pa.decimal128(18, 2), len(values), [mask, pa.py_buffer(buf.tobytes())])


def _upsert(wh: Warehouse, conn: Connection, t: Table, data: pa.Table) -> int:
    """Replace older versions of the incoming keys; return incoming rows older than what silver has."""
    if data.num_rows == 0:
        return 0
    target = wh.q("silver", t.name)
    if not conn.exec_driver_sql(f"SELECT EXISTS (SELECT 1 FROM {target})").scalar_one():  # a first load
        wh.insert_arrow(conn, "silver", t.name, data)
        return 0
    with wh.staged(conn, "_fauxforce_stage", [*t.output_columns(), *LINEAGE_COLUMNS], data) as stage:
        return _merge(wh, conn, t, stage)


def _merge(wh: Warehouse, conn: Connection, t: Table, stage: str) -> int:
    """Upsert the rows of the relation `stage` (silver's columns, one row per key) into a silver table that has
    rows: older versions of its keys are replaced. Returns its rows older than what silver has."""
    target = wh.q("silver", t.name)
    cols = ", ".join(wh.q(name) for name in _silver_columns(t))
    match = " AND ".join(f"s.{wh.q(k)} = t.{wh.q(k)}" for k in t.key_columns)
    mod = wh.q(t.modstamp_column)
    # A version without a modification time is newer than what silver has: batches apply in file order.
    later = f"(s.{mod} >= t.{mod} OR s.{mod} IS NULL OR t.{mod} IS NULL)"
    # A join, not `WHERE EXISTS`: PostgreSQL then looks a day's few keys up by the key's index, where for the
    # semi-join it scanned the whole table (0.44 s against 0.06 s for 3,000 of 978,000 deals).
    conn.exec_driver_sql(f"DELETE FROM {target} AS t USING {stage} AS s WHERE {match} AND {later}")
    stale = conn.exec_driver_sql(
        f"SELECT count(*) FROM {stage} AS s WHERE EXISTS (SELECT 1 FROM {target} AS t WHERE {match})"
    ).scalar_one()
    present = f"SELECT 1 FROM {target} AS t WHERE {match}"
    conn.exec_driver_sql(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {stage} AS s WHERE NOT EXISTS ({present})")
    return int(stale)


def _silver_columns(t: Table) -> list[str]:
    return [name for name, _ in [*t.output_columns(), *LINEAGE_COLUMNS]]


def _watermark(conn: Connection, table: str) -> int:
    value = ledger.watermark(conn, ledger.SILVER, table)
    return int(value) if value is not None else 0


def build_table(
    wh: Warehouse,
    declared: Table | None,
    keys: Keys,
    now: dt.datetime | None = None,
    policy: Policy | None = None,
    ref: ObjectRef | None = None,
    set_based: bool | None = None,
) -> list[SilverResult]:
    """Apply every bronze batch of one object that silver has not seen yet. `declared`: the catalogue's table
    (None for an object it does not declare, then `ref` names it). `set_based`: type and check in the warehouse
    (`fauxforce.silver.set_based`), `conform` taking only the records SQL leaves to it; False: every record
    through `conform` (the reference the set-based path is tested against); None (the default): where that is
    the faster, a batch of `SET_BASED_ROWS` rows or more on DuckDB. PostgreSQL's regular expressions cost
    ~0.75 µs a match, so there a scale-1 silver took 45 s in SQL against 18 s through `conform`."""
    ref = declared.ref if declared else ref
    assert ref is not None
    source = bronze_table(ref)
    by_size = set_based is None and wh.dialect == "duckdb"
    results: list[SilverResult] = []
    with wh.engine.begin() as conn:
        if declared:
            ensure_tables(wh, conn, declared)
        if "bronze" not in wh.schemas_with(conn, source):
            return results
        done = _watermark(conn, ref.table)
        pending = [
            int(r[0])
            for r in conn.execute(
                sa.text(f"SELECT DISTINCT _batch_id FROM {wh.q('bronze', source)} WHERE _batch_id > :w ORDER BY 1"),
                {"w": done},
            )
        ]
        objects = [o.partition("/")[2] for o in ledger.landed_objects(conn) if o.startswith(f"{ref.system}/")]
        objects += [t.ref.name for t in TABLES if t.ref.system == ref.system]
    for batch_id in pending:
        started = now or dt.datetime.now(dt.UTC)
        with wh.engine.connect() as conn:
            described = ledger.source_fields(conn, str(ref), batch_id)
            picklists = ledger.source_picklists(conn, str(ref), batch_id)
            existing = wh.column_types(conn, "silver", ref.table)
            bronze_columns = wh.columns(conn, "bronze", source)
            in_sql = bool(set_based) or (by_size and _rows(wh, conn, source, batch_id) >= SET_BASED_ROWS)
            raw = None if in_sql else read_batch(wh, conn, "bronze", source, batch_id).to_pandas()
        columns = [c for c in bronze_columns if not c.startswith("_")]
        values = raw if raw is not None else functools.partial(_column, wh, source, batch_id)
        t = shape(ref, declared, values, columns, described, existing, objects)
        if t is None:  # no key silver can know: the object stays in bronze, and the run says so
            if raw is None:
                with wh.engine.connect() as conn:
                    raw = read_batch(wh, conn, "bronze", source, batch_id).to_pandas()
            return [SilverResult(str(ref), batch_id, len(raw), 0, 0, 0, {}, bronze_only=True)]
        keys.register(t)
        new_columns = not existing or any(name not in existing for name, _ in t.output_columns())
        if raw is None and set_based_sql.supported(t):
            result = _apply_in_sql(
                wh, t, source, batch_id, bronze_columns, keys, policy, picklists, started, new_columns
            )
            keys.forget(t.name)
            results.append(result)
            continue
        if raw is None:
            with wh.engine.connect() as conn:
                raw = read_batch(wh, conn, "bronze", source, batch_id).to_pandas()
        out = conform(t, raw, keys, policy, picklists)
        _stop_if_failed(ref, batch_id, out)
        with wh.engine.begin() as conn:
            if new_columns:
                ensure_tables(wh, conn, t)  # a new table, or new columns (a table and its columns never go away)
            stale = _upsert(wh, conn, t, _arrow(t, out.good, started))
            result = _written(wh, conn, t, out, batch_id, started, out.rows_in, len(out.good), stale)
            _log(conn, result, _uri(raw), started)
            ledger.set_watermark(conn, ledger.SILVER, t.name, str(batch_id), started)
        keys.add(t.name, out.good[t.key_columns[0]])
        results.append(result)
    return results


def _apply_in_sql(
    wh: Warehouse,
    t: Table,
    source: str,
    batch_id: int,
    bronze_columns: list[str],
    keys: Keys,
    policy: Policy | None,
    picklists: dict[str, list[str]],
    started: dt.datetime,
    new_columns: bool,
) -> SilverResult:
    """One batch typed in the warehouse (`set_based`), the records it marks conformed in Python, all of it in
    one transaction."""
    with wh.engine.begin() as conn:
        if new_columns:
            ensure_tables(wh, conn, t)
        typed = set_based_sql.type_batch(wh, conn, t, source, batch_id, bronze_columns, keys.extracted, picklists)
        out = _conform_marked(wh, conn, t, source, batch_id, keys, policy, picklists) if typed.failed else None
        kept, duplicates, inserted = set_based_sql.clean(wh, conn, t, _silver_columns(t), started)
        stale = _merge(wh, conn, t, set_based_sql.CLEAN) if kept and not inserted else 0
        if out is None:
            out = Conformed(pd.DataFrame(), pd.DataFrame(columns=list(QUARANTINE_COLUMNS)), 0)
        else:
            stale += _upsert(wh, conn, t, _arrow(t, out.good, started))
        set_based_sql.drop(conn)
        result = _written(wh, conn, t, out, batch_id, started, typed.rows, kept + len(out.good), stale, duplicates)
        uri = conn.exec_driver_sql(
            f"SELECT _source_uri FROM {wh.q('bronze', source)} WHERE _batch_id = {int(batch_id)} "
            "ORDER BY _row_number LIMIT 1"
        ).scalar()
        _log(conn, result, uri, started)
        ledger.set_watermark(conn, ledger.SILVER, t.name, str(batch_id), started)
    return result


def _conform_marked(
    wh: Warehouse,
    conn: Connection,
    t: Table,
    source: str,
    batch_id: int,
    keys: Keys,
    policy: Policy | None,
    picklists: dict[str, list[str]],
) -> Conformed:
    """`conform` on the records `type_batch` marked. A record it keeps under a key SQL typed another version of
    (a key only `conform` could read) takes that version with it, and `conform` runs again, until no key is
    shared: the latest version of a key is always chosen among all of them by one side."""
    while True:
        raw = set_based_sql.marked_rows(wh, conn, source, batch_id).to_pandas()
        refs = set_based_sql.WithBatch(keys, t.name, set_based_sql.own_keys(wh, conn, t))
        out = conform(t, raw, refs, policy, picklists)
        _stop_if_failed(t.ref, batch_id, out)
        if not set_based_sql.take_keys(wh, conn, t, out.good):
            return out


def _stop_if_failed(ref: ObjectRef, batch_id: int, out: Conformed) -> None:
    if out.failed:
        raise SilverPolicyError(
            f"{ref} batch {batch_id}: the validation policy stops the run: {out.failed[0]}"
            + (f" (and {len(out.failed) - 1} more shown in the log)" if len(out.failed) > 1 else "")
        )


def _written(
    wh: Warehouse,
    conn: Connection,
    t: Table,
    out: Conformed,
    batch_id: int,
    started: dt.datetime,
    rows_in: int,
    kept: int,
    stale: int,
    duplicates: int = 0,
) -> SilverResult:
    """Write the batch's quarantined records and flags; its result (`out`: what `conform` took of it)."""
    _quarantine(wh, conn, t, out, started)
    flagged = _flags(wh, conn, t, out, batch_id, started)
    return SilverResult(
        str(t.ref),
        batch_id,
        rows_in,
        kept - stale,
        len(out.quarantined),
        duplicates + out.duplicates + stale,
        dict(out.reasons),
        out.quarantined["reason"].head(3).tolist(),
        flagged,
        dict(out.flagged),
        out.flags["reason"].head(3).tolist(),
        conformed=out.rows_in,
    )


def _column(wh: Warehouse, source: str, batch_id: int, column: str) -> pd.Series:
    """One column of a bronze batch, for `shape` to read a type from."""
    with wh.engine.connect() as conn:
        sql = f"SELECT {wh.q(column)} FROM {wh.q('bronze', source)} WHERE _batch_id = {int(batch_id)}"
        return query_arrow(wh, conn, sql).column(0).to_pandas().astype("string")


def _rows(wh: Warehouse, conn: Connection, source: str, batch_id: int) -> int:
    sql = f"SELECT count(*) FROM {wh.q('bronze', source)} WHERE _batch_id = {int(batch_id)}"
    return int(conn.exec_driver_sql(sql).scalar_one())


def _uri(raw: pd.DataFrame) -> str | None:
    return str(raw["_source_uri"].iloc[0]) if len(raw) else None


def _flags(wh: Warehouse, conn: Connection, t: Table, out: Conformed, batch_id: int, at: dt.datetime) -> int:
    """Replace the flags of the records this batch replaced with the flags of the versions now in silver;
    return how many of this batch's records carry a flag."""
    target, flags = wh.q("silver", t.name), wh.q(*FLAGS)
    record_key = " || '|' || ".join(f"CAST(s.{wh.q(k)} AS TEXT)" for k in t.key_columns)
    flagged_before = conn.execute(
        sa.text(f"SELECT EXISTS (SELECT 1 FROM {flags} WHERE table_name = :t)"), {"t": t.name}
    ).scalar_one()
    if flagged_before:  # (a clean org has no flags: no need to look through the table for replaced records)
        conn.execute(
            sa.text(
                f"DELETE FROM {flags} WHERE table_name = :t AND record_key IN "
                f"(SELECT {record_key} FROM {target} AS s WHERE s._batch_id = :b)"
            ),
            {"t": t.name, "b": batch_id},
        )
    if out.flags.empty:
        return 0
    frame = out.flags.assign(table_name=t.name, object=str(t.ref), flagged_at=at)[[c for c, _ in FLAGS_DDL]]
    data = pa.Table.from_pandas(frame, preserve_index=False).cast(
        pa.schema(
            [(c, pa.int64() if sql == "BIGINT" else pa.string()) for c, sql in FLAGS_DDL[:-1]]
            + [("flagged_at", pa.timestamp("us", tz="UTC"))]
        )
    )
    with wh.staged(conn, "_fauxforce_flags", FLAGS_DDL, data) as stage:
        kept = f"EXISTS (SELECT 1 FROM {target} AS s WHERE s._batch_id = f._batch_id AND s._row_number = f._row_number)"
        names = ", ".join(wh.q(c) for c, _ in FLAGS_DDL)
        conn.exec_driver_sql(f"INSERT INTO {flags} ({names}) SELECT {names} FROM {stage} AS f WHERE {kept}")
        flagged = conn.exec_driver_sql(
            f"SELECT count(DISTINCT _row_number) FROM {stage} AS f WHERE {kept}"
        ).scalar_one()
    return int(flagged)


def resolve_flags(wh: Warehouse) -> int:
    """Drop the `unresolved` flags whose lookup now finds its record in silver; return how many went."""
    gone = 0
    with wh.engine.begin() as conn:
        if FLAGS[0] not in wh.schemas_with(conn, FLAGS[1]):
            return 0
        flags = wh.q(*FLAGS)
        parents = conn.exec_driver_sql(
            f"SELECT DISTINCT parent_table FROM {flags} WHERE check_name = 'unresolved'"
        ).all()
        for (parent,) in parents:
            column = BY_NAME[parent].key_columns[0] if parent in BY_NAME else f"{parent}_id"
            if column not in wh.columns(conn, "silver", parent):
                continue
            result = conn.execute(
                sa.text(
                    f"DELETE FROM {flags} WHERE check_name = 'unresolved' AND parent_table = :p AND EXISTS "
                    f"(SELECT 1 FROM {wh.q('silver', parent)} AS p WHERE p.{wh.q(column)} = {flags}.value)"
                ),
                {"p": parent},
            )
            gone += max(result.rowcount or 0, 0)
    return gone


def _quarantine(wh: Warehouse, conn: Connection, t: Table, out: Conformed, at: dt.datetime) -> None:
    if out.quarantined.empty:
        return
    q = out.quarantined.copy()
    q["quarantined_at"] = at
    data = pa.Table.from_pandas(q, preserve_index=False).cast(
        pa.schema(
            [(c, pa.int64() if c in INTEGERS else pa.string()) for c in QUARANTINE_COLUMNS]
            + [("quarantined_at", pa.timestamp("us", tz="UTC"))]
        )
    )
    wh.insert_arrow(conn, "quarantine", t.name, data)


def _log(conn: Connection, r: SilverResult, uri: str | None, started: dt.datetime) -> None:
    entry = ledger.LogEntry(
        r.batch_id,
        "silver",
        "bronze",
        r.object,
        uri,
        started,
        dt.datetime.now(dt.UTC),
        r.rows_in,
        r.loaded,
        r.quarantined,
        r.duplicates,
        r.reasons,
        flagged=r.flagged,
        flags=r.flags,
    )
    ledger.log(conn, entry)


def full_refresh(wh: Warehouse) -> None:
    """Forget silver: drop its tables (every object's and the xref) and quarantine, forget the flags, reset
    watermarks; bronze stays as it is."""
    with wh.engine.begin() as conn:
        for schema in ("silver", "quarantine"):
            for name in wh.tables(conn, schema):
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {wh.q(schema, name)}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {wh.q(*FLAGS)}")
        ledger.forget_watermarks(conn, ledger.SILVER)


def plan(wh: Warehouse) -> list[tuple[Table | None, ObjectRef]]:
    """The objects to build, in order: the declared ones (parents first), then every other object bronze holds."""
    with wh.engine.connect() as conn:
        landed = [ObjectRef(*o.split("/", 1)) for o in ledger.landed_objects(conn)]  # type: ignore[arg-type]
    others = sorted({r for r in landed if r not in BY_REF}, key=str)
    return [(t, t.ref) for t in TABLES] + [(None, r) for r in others]


def build_all(
    wh: Warehouse,
    policy: Policy | None = None,
    each: Callable[[Table | None, ObjectRef, Keys], list[SilverResult]] | None = None,
    set_based: bool | None = None,
) -> tuple[list[SilverResult], int]:
    """Every object bronze holds, in `plan` order, then `resolve_flags`: what the build-silver flow does (it
    passes `each` to run every object as a Prefect task). Returns the results, an object silver has no key
    for as one `bronze_only` result, and how many unresolved flags resolved."""
    with wh.catalogue_remembered():  # every table asks what silver, quarantine and bronze have: read that once
        keys = Keys(wh, extracted(wh))
        run = each or (
            lambda table, ref, keys: build_table(wh, table, keys, policy=policy, ref=ref, set_based=set_based)
        )
        results = [r for table, ref in plan(wh) for r in run(table, ref, keys)]
        return results, resolve_flags(wh)


def extracted(wh: Warehouse) -> set[str]:
    """The table names of every object bronze has a batch of."""
    with wh.engine.connect() as conn:
        return {ObjectRef(*o.split("/", 1)).table for o in ledger.landed_objects(conn)}  # type: ignore[arg-type]


XREF_INPUTS = ("salesforce/Account", "erp/customers")


def refresh_xref(wh: Warehouse, results: list[SilverResult]) -> int | None:
    """Rebuild `silver.customer_xref` when its inputs changed in this run or it does not exist yet."""
    with wh.engine.connect() as conn:
        exists = "silver" in wh.schemas_with(conn, "customer_xref")
    if exists and not any(r.object in XREF_INPUTS and r.loaded for r in results):
        return None
    return build_xref(wh)


def build_xref(wh: Warehouse) -> int:
    """Rebuild `silver.customer_xref` from silver accounts and ERP customers."""
    sql = resources.sql("silver", "customer_xref.sql")
    with wh.engine.begin() as conn:
        for name in ("account", "customers"):
            ensure_tables(wh, conn, BY_NAME[name])
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {wh.q('silver', 'customer_xref')}")
        conn.exec_driver_sql(f"CREATE TABLE {wh.q('silver', 'customer_xref')} AS {sql}")
        return int(conn.exec_driver_sql("SELECT count(*) FROM silver.customer_xref").scalar_one())
