"""Bronze: every batch as received (text), append-only, with where and when it came from.

`bronze.<system>__<object>` has the source's columns as text plus `_batch_id`, `_ingested_at`,
`_source_uri`, `_row_number` (1-based, in the batch), `_row_hash`, and from file sources
`_line_number` (where the record starts in its file), `_issue` and `_raw` (a record that could not
be taken as it is, e.g. a ragged row, and all its fields). A batch lands in one transaction together
with its entry in `meta.ingested_files` (with how the file was read) and `meta.load_log`, so a batch
is either wholly in bronze and remembered, or not at all.

Header spellings are mapped to one column per field: `StageName`, `STAGENAME`, `stage_name` and
`Stage Name` all land in `StageName` (the declared Salesforce or ERP name, else the first spelling
bronze saw); a column nobody declared is kept under its own name.
"""

from __future__ import annotations

import atexit
import datetime as dt
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa
import sqlalchemy as sa

from fauxforce.connectors.base import Batch, Connector
from fauxforce.core import ledger
from fauxforce.core.catalogue import BY_REF, RESERVED_COLUMNS, ObjectRef
from fauxforce.core.warehouse import Warehouse, db_reason, safe_identifier

META_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_batch_id", "BIGINT"),
    ("_ingested_at", "TIMESTAMP WITH TIME ZONE"),
    ("_source_uri", "TEXT"),
    ("_row_number", "BIGINT"),
    ("_row_hash", "TEXT"),
    ("_line_number", "BIGINT"),
    ("_issue", "TEXT"),
    ("_raw", "TEXT"),
)
SOURCE_META = ("_line_number", "_issue", "_raw")  # reserved columns a connector may send
META_NAMES = frozenset(name for name, _ in META_COLUMNS)
assert frozenset(RESERVED_COLUMNS) == META_NAMES, "bronze's columns are the catalogue's reserved names"


# DuckDB errors that come from a batch's shape; its I/O and connection errors are the warehouse's own.
FILE_FAULTS = (
    duckdb.BinderException,
    duckdb.CatalogException,
    duckdb.ConversionException,
    duckdb.InvalidInputException,
    duckdb.OutOfRangeException,
    duckdb.ParserException,
)


def bronze_table(ref: ObjectRef) -> str:
    """`bronze.<system>__<object>`: a name no other object's can share, whatever the file was called."""
    return safe_identifier(f"{ref.system}__{ref.table}")


@dataclass
class Landed:
    """What one batch did to bronze."""

    ref: ObjectRef
    batch_id: int
    rows: int
    source_uri: str
    new_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    file: str = ""
    info: dict[str, object] = field(default_factory=dict)  # how the source was read
    quarantined: str | None = None  # why the whole file could not be landed (then nothing of it did)

    def notes(self) -> list[str]:
        """What about this file a person should know: anything but a plain UTF-8, comma, one-line-per-record file."""
        i = self.info
        out = []
        if i.get("encoding") not in (None, "utf-8", "parquet"):
            lines = i.get("cp1252_lines") or []
            out.append(f"encoding {i['encoding']}" + (f" (lines {_few(lines)})" if lines else ""))
        if i.get("delimiter", ",") != ",":
            out.append(f"delimiter {i['delimiter']!r}")
        if i.get("ragged_rows"):
            out.append(f"{i['ragged_rows']} ragged rows (to quarantine)")
        if i.get("blank_lines"):
            out.append(f"{i['blank_lines']} blank lines skipped")
        if i.get("nul_replaced"):
            out.append(f"{i['nul_replaced']} NUL characters replaced")
        if self.missing_columns:
            out.append(f"missing columns {', '.join(self.missing_columns)}")
        if self.new_columns:
            out.append(f"new columns {', '.join(self.new_columns)}")
        if i.get("columns"):
            out.append(f"{len(i['columns'])} header names mapped")  # type: ignore[arg-type]
        return out


def _few(values: object) -> str:
    items = list(values)  # type: ignore[call-overload]
    return ", ".join(map(str, items[:5])) + (", …" if len(items) > 5 else "")


def header_key(name: str) -> str:
    """What two spellings of one field have in common: `StageName`, `STAGE_NAME`, `stage name` → `stagename`."""
    return re.sub(r"[^0-9a-z]", "", name.replace("\ufeff", "").lower())


def canonical_columns(ref: ObjectRef, incoming: list[str], existing: list[str]) -> dict[str, str]:
    """Incoming header → bronze column, for each header spelled differently from its field's name."""
    table = BY_REF.get(ref)
    known: dict[str, str] = {}
    for name in [*(c.source for c in table.columns), *existing] if table else existing:
        known.setdefault(header_key(name), name)
    mapping: dict[str, str] = {}
    taken = set(incoming)
    for name in incoming:
        target = known.get(header_key(name))
        if target and target != name and target not in taken:
            mapping[name] = target
            taken.add(target)
    return mapping


def column_names(ref: ObjectRef, incoming: list[str], existing: list[str]) -> dict[str, str]:
    """Incoming header → bronze column, for each header that lands under another name: spelled differently
    from its field's declared name, or not a name both warehouses keep as it is (see `safe_identifier`), or
    the twin of another header in all but case (DuckDB's names ignore case)."""
    mapping = canonical_columns(ref, incoming, existing)
    taken: set[str] = set()
    for name in incoming:
        target = safe_identifier(mapping.get(name, name))
        base, n = target, 2
        while target.lower() in taken:
            target = safe_identifier(f"{base}_{n}")
            n += 1
        taken.add(target.lower())
        if target != name:
            mapping[name] = target
    return mapping


def row_hashes(data: pa.Table) -> pa.Array:
    """MD5 of each row's values: fields joined by U+001F, null as U+001E.

    Computed by an in-memory DuckDB whatever the warehouse is; PostgreSQL's
    `md5(concat_ws(chr(31), coalesce(col, chr(30)), …))` gives the same digests. Each call takes a cursor
    (its own connection, so threads do not share the registered batch) on one process-wide database: opening
    a new database costs ~17 ms, which was a third of a day's bronze.
    """
    if data.num_columns == 0:
        return pa.array([""] * data.num_rows, type=pa.string())
    fields = ", ".join(f"coalesce({_duck_quote(c)}, chr(30))" for c in data.column_names)
    con = _hasher().cursor()
    try:
        con.register("batch", data)
        return (
            con.sql(f"SELECT md5(concat_ws(chr(31), {fields})) FROM batch").to_arrow_table().column(0).combine_chunks()
        )
    finally:
        con.close()


_HASHER: list[duckdb.DuckDBPyConnection] = []  # the process-wide in-memory database, once opened
_HASHER_LOCK = threading.Lock()


def _hasher() -> duckdb.DuckDBPyConnection:
    with _HASHER_LOCK:
        if not _HASHER:
            _HASHER.append(duckdb.connect())
            atexit.register(_close_hasher)
        return _HASHER[0]


def _close_hasher() -> None:
    """Closed and let go before the interpreter ends: DuckDB's bindings report a connection still alive then
    as a leak, on stderr."""
    with _HASHER_LOCK:
        while _HASHER:
            _HASHER.pop().close()


def _duck_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def with_lineage(data: pa.Table, batch_id: int, ingested_at: dt.datetime, source_uri: str) -> pa.Table:
    n = data.num_rows
    return (
        data.append_column("_batch_id", pa.array(np.full(n, batch_id, dtype=np.int64)))
        .append_column("_ingested_at", pa.array([ingested_at] * n, type=pa.timestamp("us", tz="UTC")))
        .append_column("_source_uri", pa.array([source_uri] * n, type=pa.string()))
        .append_column("_row_number", pa.array(np.arange(1, n + 1, dtype=np.int64)))
        .append_column("_row_hash", row_hashes(data) if n else pa.array([], type=pa.string()))
    )


def land(wh: Warehouse, batch: Batch, source: str, now: Callable[[], dt.datetime] | None = None) -> Landed:
    """Append one batch to bronze, with its ledger and log entries, in one transaction.

    A batch that cannot land (a file the source could not read, or whose shape the warehouse refuses,
    such as more columns than PostgreSQL's 1,600) is quarantined as a file, with its reason, and the run
    goes on; a warehouse that fails (a lost connection, a full disk) stops the run.
    """
    clock = now or (lambda: dt.datetime.now(dt.UTC))
    started = clock()
    if batch.error:
        return _quarantine(wh, batch, source, batch.error, started)
    try:
        return _land(wh, batch, source, clock, started)
    except sa.exc.DBAPIError as e:
        if not _file_fault(e):
            raise
        reason = f"{batch.source_uri}: the warehouse refused it: {db_reason(e)}"
        return _quarantine(wh, batch, source, reason, started)


def _file_fault(e: sa.exc.DBAPIError) -> bool:
    """Whether a database error comes from the batch's shape (its names, its width, its values) rather than
    from the warehouse itself (a lost connection, a full disk, a dropped database)."""
    if e.connection_invalidated:
        return False
    state = getattr(e.orig, "sqlstate", None)
    if state:  # PostgreSQL: data exception, syntax or access rule, program limit exceeded
        return str(state)[:2] in ("22", "42", "54")
    return isinstance(e.orig, FILE_FAULTS)


def _quarantine(wh: Warehouse, batch: Batch, source: str, reason: str, at: dt.datetime) -> Landed:
    file = batch.state.get("file", batch.source_uri)
    with wh.engine.begin() as conn:
        ledger.quarantine_file(conn, source, str(batch.ref), file, batch.state.get("sha256", ""), reason, at)
    return Landed(batch.ref, 0, 0, batch.source_uri, file=file, quarantined=reason)


def _land(wh: Warehouse, batch: Batch, source: str, clock: Callable[[], dt.datetime], started: dt.datetime) -> Landed:
    table = bronze_table(batch.ref)
    incoming = [c for c in batch.data.column_names if c not in META_NAMES]
    with wh.engine.begin() as conn:
        batch_id = ledger.next_batch_id(conn)
        columns = wh.columns(conn, "bronze", table)
        existing = [c for c in columns if c not in META_NAMES]
        renamed = column_names(batch.ref, incoming, existing)
        names = [renamed.get(c, c) for c in incoming]
        known = {c.lower() for c in existing}
        if not columns:
            wh.create_table(conn, "bronze", table, [(c, "TEXT") for c in names] + list(META_COLUMNS))
            wh.create_index(conn, "bronze", table, ["_batch_id"])
            new: list[str] = []
        else:
            new = [c for c in names if c.lower() not in known]
            wh.add_columns(conn, "bronze", table, [(c, "TEXT") for c in new])
            wh.add_columns(conn, "bronze", table, [m for m in META_COLUMNS if m[0] not in columns])
        present = {c.lower() for c in names}
        missing = [c for c in existing if c.lower() not in present]
        data = with_lineage(batch.data.select(incoming).rename_columns(names), batch_id, started, batch.source_uri)
        for name in SOURCE_META:
            if name in batch.data.column_names:
                data = data.append_column(name, batch.data.column(name))
        wh.insert_arrow(conn, "bronze", table, data)
        info = dict(batch.info) | ({"columns": renamed} if renamed else {})
        file = batch.state.get("file", batch.source_uri)
        obj = str(batch.ref)
        landed = ledger.LandedFile(
            source, obj, file, batch.state.get("sha256", ""), batch_id, data.num_rows, started, info
        )
        ledger.record_file(conn, landed)
        if batch.fields:  # a live source's describe: how silver types the fields it does not declare
            ledger.record_source_fields(conn, source, obj, batch.fields, started, batch.picklists)
        if "watermark" in batch.state:  # a live source: how far it has landed, in the same transaction
            ledger.set_watermark(conn, ledger.source_layer(source), obj, batch.state["watermark"], started)
        ledger.log(
            conn,
            ledger.LogEntry(
                batch_id,
                "bronze",
                source,
                obj,
                batch.source_uri,
                started,
                clock(),
                data.num_rows,
                data.num_rows,
                missing_columns=missing,
                new_columns=new,
            ),
        )
    return Landed(batch.ref, batch_id, data.num_rows, batch.source_uri, new, missing, file, info)


def land_object(wh: Warehouse, connector: Connector, ref: ObjectRef, source: str) -> list[Landed]:
    """Land every batch of one object that has not landed yet, each as it arrives."""
    done = ledger.files_seen(wh, source)
    with wh.engine.connect() as conn:
        since = ledger.watermark(conn, ledger.source_layer(source), str(ref))
    return [
        land(wh, batch, source)
        for batch in connector.extract(ref, lambda state: (state.get("file"), state.get("sha256")) in done, since=since)
    ]
