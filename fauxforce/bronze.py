"""Bronze: every batch as received (text), append-only, with where and when it came from.

`bronze.<system>__<object>` has the source's columns as text plus `_batch_id`, `_ingested_at`,
`_source_uri`, `_row_number` (1-based, in the file) and `_row_hash`. A batch lands in one
transaction together with its entry in `meta.ingested_files` and `meta.load_log`, so a batch is
either wholly in bronze and remembered, or not at all.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa
import sqlalchemy as sa

from connectors.base import Batch, Connector, ObjectRef
from fauxforce.warehouse import Warehouse

META_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_batch_id", "BIGINT"),
    ("_ingested_at", "TIMESTAMP WITH TIME ZONE"),
    ("_source_uri", "TEXT"),
    ("_row_number", "BIGINT"),
    ("_row_hash", "TEXT"),
)
META_NAMES = frozenset(name for name, _ in META_COLUMNS)


def bronze_table(ref: ObjectRef) -> str:
    return f"{ref.system}__{ref.table}"


@dataclass
class Landed:
    """What one batch did to bronze."""

    ref: ObjectRef
    batch_id: int
    rows: int
    source_uri: str
    new_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)


def row_hashes(data: pa.Table) -> pa.Array:
    """MD5 of each row's values: fields joined by U+001F, null as U+001E.

    Computed by an in-memory DuckDB whatever the warehouse is; PostgreSQL's
    `md5(concat_ws(chr(31), coalesce(col, chr(30)), …))` gives the same digests.
    """
    if data.num_columns == 0:
        return pa.array([""] * data.num_rows, type=pa.string())
    fields = ", ".join(f"coalesce({_duck_quote(c)}, chr(30))" for c in data.column_names)
    con = duckdb.connect()
    try:
        con.register("batch", data)
        return (
            con.sql(f"SELECT md5(concat_ws(chr(31), {fields})) FROM batch").to_arrow_table().column(0).combine_chunks()
        )
    finally:
        con.close()


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


def seen_files(wh: Warehouse, source: str) -> set[tuple[str, str]]:
    with wh.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT file, sha256 FROM meta.ingested_files WHERE source = :s"), {"s": source})
        return {(r[0], r[1]) for r in rows}


def land(wh: Warehouse, batch: Batch, source: str, now: Callable[[], dt.datetime] | None = None) -> Landed:
    """Append one batch to bronze, with its ledger and log entries, in one transaction."""
    clock = now or (lambda: dt.datetime.now(dt.UTC))
    started = clock()
    table = bronze_table(batch.ref)
    incoming = [c for c in batch.data.column_names if c not in META_NAMES]
    with wh.engine.begin() as conn:
        batch_id = wh.next_batch_id(conn)
        existing = [c for c in wh.columns(conn, "bronze", table) if c not in META_NAMES]
        known = {c.lower() for c in existing}
        if not existing:
            wh.create_table(conn, "bronze", table, [(c, "TEXT") for c in incoming] + list(META_COLUMNS))
            wh.create_index(conn, "bronze", table, ["_batch_id"])
            new: list[str] = []
        else:
            new = [c for c in incoming if c.lower() not in known]
            wh.add_columns(conn, "bronze", table, [(c, "TEXT") for c in new])
        present = {c.lower() for c in incoming}
        missing = [c for c in existing if c.lower() not in present]
        data = with_lineage(batch.data.select(incoming), batch_id, started, batch.source_uri)
        wh.insert_arrow(conn, "bronze", table, data)
        params = {
            "source": source,
            "object": str(batch.ref),
            "file": batch.state.get("file", batch.source_uri),
            "sha256": batch.state.get("sha256", ""),
            "batch_id": batch_id,
            "rows": data.num_rows,
            "at": started,
        }
        conn.execute(
            sa.text(
                "INSERT INTO meta.ingested_files (source, object, file, sha256, batch_id, row_count, ingested_at) "
                "VALUES (:source, :object, :file, :sha256, :batch_id, :rows, :at)"
            ),
            params,
        )
        conn.execute(
            sa.text(
                "INSERT INTO meta.load_log (batch_id, layer, source, object, source_uri, started_at, finished_at, "
                "rows_in, rows_loaded, rows_quarantined, rows_duplicate, reasons, missing_columns, new_columns) "
                "VALUES (:batch_id, 'bronze', :source, :object, :uri, :at, :finished, :rows, :rows, 0, 0, NULL, "
                ":missing, :new)"
            ),
            params
            | {
                "uri": batch.source_uri,
                "finished": clock(),
                "missing": json.dumps(missing) if missing else None,
                "new": json.dumps(new) if new else None,
            },
        )
    return Landed(batch.ref, batch_id, data.num_rows, batch.source_uri, new, missing)


def land_object(wh: Warehouse, connector: Connector, ref: ObjectRef, source: str) -> list[Landed]:
    """Land every batch of one object that has not landed yet."""
    done = seen_files(wh, source)
    return [
        land(wh, batch, source)
        for batch in connector.extract(ref, lambda state: (state.get("file"), state.get("sha256")) in done)
    ]
