"""The run ledger, `meta.*`: what has landed and been applied, how far each layer has read, what it counted.

This module owns the ledger's DDL and every statement against it; the layers call these functions
inside their own transactions, so a batch and its ledger entries commit together or not at all.

- `meta.ingested_files`: each landed batch's file (or live extract) with its digest, row count and how
  it was read (`encoding`, and `format` as JSON: delimiter, line endings, header mapping, …).
- `meta.watermark`: per layer and object, how far it has read: `bronze:<source>` holds a live source's
  cursor value, `silver` the last bronze batch applied.
- `meta.load_log`: per batch and layer, rows in, loaded, quarantined and duplicate, and the reasons.
- `meta.quarantined_files`: files that could not be landed at all, and why; not retried until they change.
- `meta.source_fields`: the field types (and picklist values) a live source's describe gave for an object,
  for silver's typing and picklist check.
- `meta.runs`: each pipeline run: when, from which sources, how it ended and what it counted, for
  `fauxforce status` and the report's run history.
- `meta.load_jobs` and `meta.load_rows`: what `fauxforce load-org` and `fauxforce sync` wrote to an org: each
  Bulk API ingest job (state, rows processed and failed), and per record and step its latest outcome
  (created, updated, failed, unprocessed), the org's Id, `sf__Error`, and a fingerprint of what was sent,
  so a re-run sends only what did not land or has changed since.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fauxforce.core.warehouse import Warehouse, WarehouseError, db_reason

SCHEMAS = ("bronze", "silver", "gold", "quarantine", "meta")
SILVER = "silver"  # the watermark layer of silver: the last bronze batch applied, per table

DDL = (
    """CREATE SEQUENCE IF NOT EXISTS meta.batch_id_seq""",
    """CREATE TABLE IF NOT EXISTS meta.load_log (
        batch_id BIGINT NOT NULL,
        layer TEXT NOT NULL,
        source TEXT NOT NULL,
        object TEXT NOT NULL,
        source_uri TEXT,
        started_at TIMESTAMP WITH TIME ZONE NOT NULL,
        finished_at TIMESTAMP WITH TIME ZONE NOT NULL,
        rows_in BIGINT NOT NULL,
        rows_loaded BIGINT NOT NULL,
        rows_quarantined BIGINT NOT NULL,
        rows_duplicate BIGINT NOT NULL,
        reasons TEXT,
        missing_columns TEXT,
        new_columns TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS meta.ingested_files (
        source TEXT NOT NULL,
        object TEXT NOT NULL,
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        batch_id BIGINT NOT NULL,
        row_count BIGINT NOT NULL,
        ingested_at TIMESTAMP WITH TIME ZONE NOT NULL,
        PRIMARY KEY (source, file, sha256)
    )""",
    # how each file was read (encoding, delimiter, line endings, header mapping, ragged rows, …)
    """ALTER TABLE meta.ingested_files ADD COLUMN IF NOT EXISTS encoding TEXT""",
    """ALTER TABLE meta.load_log ADD COLUMN IF NOT EXISTS rows_flagged BIGINT""",
    """ALTER TABLE meta.load_log ADD COLUMN IF NOT EXISTS flags TEXT""",
    """ALTER TABLE meta.ingested_files ADD COLUMN IF NOT EXISTS format TEXT""",
    """CREATE TABLE IF NOT EXISTS meta.watermark (
        layer TEXT NOT NULL,
        object TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
        PRIMARY KEY (layer, object)
    )""",
    """CREATE TABLE IF NOT EXISTS meta.quarantined_files (
        source TEXT NOT NULL,
        object TEXT NOT NULL,
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        reason TEXT NOT NULL,
        quarantined_at TIMESTAMP WITH TIME ZONE NOT NULL,
        PRIMARY KEY (source, file, sha256)
    )""",
    """CREATE TABLE IF NOT EXISTS meta.source_fields (
        source TEXT NOT NULL,
        object TEXT NOT NULL,
        field TEXT NOT NULL,
        position BIGINT NOT NULL,
        type TEXT NOT NULL,
        updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
        PRIMARY KEY (source, object, field)
    )""",
    """ALTER TABLE meta.source_fields ADD COLUMN IF NOT EXISTS picklist_values TEXT""",
    """CREATE TABLE IF NOT EXISTS meta.runs (
        run_id TEXT PRIMARY KEY,
        started_at TIMESTAMP WITH TIME ZONE NOT NULL,
        finished_at TIMESTAMP WITH TIME ZONE,
        status TEXT NOT NULL,
        source TEXT NOT NULL,
        erp_source TEXT NOT NULL,
        bronze_rows BIGINT,
        silver_loaded BIGINT,
        silver_flagged BIGINT,
        silver_quarantined BIGINT,
        silver_duplicates BIGINT,
        gold_as_of DATE,
        gold_checks BIGINT,
        message TEXT
    )""",
    # what each gold table and check of the last gold build that passed followed from (its query, its contract,
    # and the versions of what it read): a build leaves a table whose signature is the same as it is
    """CREATE TABLE IF NOT EXISTS meta.load_jobs (
        org TEXT NOT NULL,
        object TEXT NOT NULL,
        step TEXT NOT NULL,
        job_id TEXT NOT NULL,
        operation TEXT NOT NULL,
        state TEXT NOT NULL,
        rows_sent BIGINT NOT NULL,
        rows_processed BIGINT NOT NULL,
        rows_failed BIGINT NOT NULL,
        rows_unprocessed BIGINT NOT NULL,
        api_calls BIGINT NOT NULL,
        error TEXT,
        started_at TIMESTAMP WITH TIME ZONE NOT NULL,
        finished_at TIMESTAMP WITH TIME ZONE NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS meta.load_rows (
        org TEXT NOT NULL,
        object TEXT NOT NULL,
        step TEXT NOT NULL,
        external_id TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        outcome TEXT NOT NULL,
        sf_id TEXT,
        error TEXT,
        job_id TEXT NOT NULL,
        written_at TIMESTAMP WITH TIME ZONE NOT NULL,
        PRIMARY KEY (org, object, step, external_id)
    )""",
    """CREATE TABLE IF NOT EXISTS meta.gold_signatures (
        name TEXT PRIMARY KEY,
        signature TEXT NOT NULL,
        built_at TIMESTAMP WITH TIME ZONE NOT NULL
    )""",
)


def prepare(wh: Warehouse) -> None:
    """Create the warehouse's schemas and the ledger's tables if they are missing."""
    try:
        with wh.engine.begin() as conn:
            if wh.dialect == "postgresql":  # two runs preparing at once would race on CREATE … IF NOT EXISTS
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(1717663096, 2)")
            for schema in SCHEMAS:
                conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {wh.q(schema)}")
            for ddl in DDL:
                conn.exec_driver_sql(ddl)
    except sa.exc.DBAPIError as e:
        reason = db_reason(e)
        verb = "reach" if isinstance(e, sa.exc.OperationalError) and wh.dialect == "postgresql" else "use"
        raise WarehouseError(f"cannot {verb} the warehouse {wh}: {reason}") from None


def next_batch_id(conn: Connection) -> int:
    return int(conn.exec_driver_sql("SELECT nextval('meta.batch_id_seq')").scalar_one())


# ---- files and extracts that landed -------------------------------------------------------------------


def files_seen(wh: Warehouse, source: str) -> set[tuple[str, str]]:
    """(file, sha256) of every file `source` has landed or quarantined: neither is read again unless it changes."""
    with wh.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT file, sha256 FROM meta.ingested_files WHERE source = :s "
                "UNION SELECT file, sha256 FROM meta.quarantined_files WHERE source = :s"
            ),
            {"s": source},
        )
        return {(r[0], r[1]) for r in rows}


def quarantine_file(
    conn: Connection, source: str, obj: str, file: str, sha256: str, reason: str, at: dt.datetime
) -> None:
    """Record a file that cannot be landed, and why; it is not tried again until its content changes."""
    conn.execute(
        sa.text(
            "INSERT INTO meta.quarantined_files (source, object, file, sha256, reason, quarantined_at) "
            "VALUES (:source, :object, :file, :sha256, :reason, :at)"
        ),
        {"source": source, "object": obj, "file": file, "sha256": sha256, "reason": reason, "at": at},
    )


def quarantined_files(wh: Warehouse, since: dt.datetime | None = None) -> list[tuple[str, str, str]]:
    """(object, file, reason) of the files quarantined (since `since`), oldest first."""
    with wh.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT object, file, reason FROM meta.quarantined_files WHERE quarantined_at >= :since "
                "ORDER BY quarantined_at, file"
            ),
            {"since": since or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)},
        )
        return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]


@dataclass(frozen=True)
class LandedFile:
    """One landed batch as `meta.ingested_files` records it."""

    source: str
    obj: str  # `system/Object`
    file: str
    sha256: str
    batch_id: int
    rows: int
    at: dt.datetime
    info: Mapping[str, object]  # how it was read; `encoding` gets a column of its own


def record_file(conn: Connection, f: LandedFile) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO meta.ingested_files (source, object, file, sha256, batch_id, row_count, ingested_at, "
            "encoding, format) VALUES (:source, :object, :file, :sha256, :batch_id, :rows, :at, :encoding, :format)"
        ),
        {
            "source": f.source,
            "object": f.obj,
            "file": f.file,
            "sha256": f.sha256,
            "batch_id": f.batch_id,
            "rows": f.rows,
            "at": f.at,
            "encoding": f.info.get("encoding"),
            "format": json.dumps(dict(f.info), ensure_ascii=False) if f.info else None,
        },
    )


# ---- watermarks ---------------------------------------------------------------------------------------


def source_layer(source: str) -> str:
    """The watermark layer of a live source's cursor."""
    return f"bronze:{source}"


def watermark(conn: Connection, layer: str, obj: str) -> str | None:
    return conn.execute(
        sa.text("SELECT value FROM meta.watermark WHERE layer = :layer AND object = :object"),
        {"layer": layer, "object": obj},
    ).scalar_one_or_none()


def set_watermark(conn: Connection, layer: str, obj: str, value: str, at: dt.datetime) -> None:
    where = {"layer": layer, "object": obj}
    conn.execute(sa.text("DELETE FROM meta.watermark WHERE layer = :layer AND object = :object"), where)
    conn.execute(
        sa.text("INSERT INTO meta.watermark (layer, object, value, updated_at) VALUES (:layer, :object, :v, :at)"),
        where | {"v": value, "at": at},
    )


def forget_watermarks(conn: Connection, layer: str) -> None:
    conn.execute(sa.text("DELETE FROM meta.watermark WHERE layer = :layer"), {"layer": layer})


# ---- the load log -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogEntry:
    """One batch's pass through one layer: rows in = loaded + quarantined + duplicate."""

    batch_id: int
    layer: str
    source: str
    obj: str  # `system/Object`
    source_uri: str | None
    started_at: dt.datetime
    finished_at: dt.datetime
    rows_in: int
    loaded: int
    quarantined: int = 0
    duplicate: int = 0
    reasons: Mapping[str, int] | None = None
    missing_columns: list[str] | None = None
    new_columns: list[str] | None = None
    flagged: int = 0  # records kept in silver with at least one flag
    flags: Mapping[str, int] | None = None  # flags by check


def log(conn: Connection, e: LogEntry) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO meta.load_log (batch_id, layer, source, object, source_uri, started_at, finished_at, "
            "rows_in, rows_loaded, rows_quarantined, rows_duplicate, reasons, missing_columns, new_columns, "
            "rows_flagged, flags) VALUES (:batch_id, :layer, :source, :object, :uri, :started, :finished, :rows_in, "
            ":loaded, :quarantined, :duplicate, :reasons, :missing, :new, :flagged, :flags)"
        ),
        {
            "batch_id": e.batch_id,
            "layer": e.layer,
            "source": e.source,
            "object": e.obj,
            "uri": e.source_uri,
            "started": e.started_at,
            "finished": e.finished_at,
            "rows_in": e.rows_in,
            "loaded": e.loaded,
            "quarantined": e.quarantined,
            "duplicate": e.duplicate,
            "reasons": json.dumps(dict(e.reasons)) if e.reasons else None,
            "missing": json.dumps(e.missing_columns) if e.missing_columns else None,
            "new": json.dumps(e.new_columns) if e.new_columns else None,
            "flagged": e.flagged,
            "flags": json.dumps(dict(e.flags)) if e.flags else None,
        },
    )


# ---- a live source's field types ----------------------------------------------------------------------


def record_source_fields(
    conn: Connection,
    source: str,
    obj: str,
    types: Mapping[str, str],
    at: dt.datetime,
    picklists: Mapping[str, list[str]] | None = None,
) -> None:
    """Keep the field types (and a picklist's active values) a live source's describe gave for an object,
    replacing the last ones."""
    conn.execute(sa.text("DELETE FROM meta.source_fields WHERE source = :s AND object = :o"), {"s": source, "o": obj})
    values = picklists or {}
    rows = [
        {"s": source, "o": obj, "f": k, "p": i, "t": v, "at": at, "v": json.dumps(values[k]) if k in values else None}
        for i, (k, v) in enumerate(types.items())
    ]
    if rows:
        conn.execute(
            sa.text(
                "INSERT INTO meta.source_fields (source, object, field, position, type, updated_at, picklist_values) "
                "VALUES (:s, :o, :f, :p, :t, :at, :v)"
            ),
            rows,
        )


def landed_objects(conn: Connection) -> list[str]:
    """Every object bronze has a batch of (`salesforce/Account`), in name order."""
    rows = conn.execute(sa.text("SELECT DISTINCT object FROM meta.ingested_files ORDER BY object"))
    return [str(r[0]) for r in rows]


def source_fields(conn: Connection, obj: str, batch_id: int) -> dict[str, str]:
    """The field types the live source of a bronze batch described for `obj` (empty for files)."""
    rows = conn.execute(
        sa.text(
            "SELECT f.field, f.type FROM meta.source_fields AS f JOIN meta.ingested_files AS i "
            "ON i.source = f.source AND i.object = f.object WHERE i.batch_id = :b AND f.object = :o ORDER BY f.position"
        ),
        {"b": batch_id, "o": obj},
    )
    return {str(r[0]): str(r[1]) for r in rows}


def source_picklists(conn: Connection, obj: str, batch_id: int) -> dict[str, list[str]]:
    """The active values of each picklist field the live source of a bronze batch described for `obj`."""
    rows = conn.execute(
        sa.text(
            "SELECT f.field, f.picklist_values FROM meta.source_fields AS f JOIN meta.ingested_files AS i "
            "ON i.source = f.source AND i.object = f.object WHERE i.batch_id = :b AND f.object = :o "
            "AND f.picklist_values IS NOT NULL"
        ),
        {"b": batch_id, "o": obj},
    )
    return {str(r[0]): list(json.loads(r[1])) for r in rows}


# ---- pipeline runs ------------------------------------------------------------------------------------

RUN_STATUSES = ("running", "completed", "failed", "cancelled", "interrupted")


@dataclass(frozen=True)
class RunCounts:
    """What a finished run counted, for `meta.runs`."""

    bronze_rows: int = 0
    silver_loaded: int = 0
    silver_flagged: int = 0
    silver_quarantined: int = 0
    silver_duplicates: int = 0
    gold_as_of: dt.date | None = None
    gold_checks: int = 0


def start_run(wh: Warehouse, run_id: str, source: str, erp_source: str, at: dt.datetime) -> None:
    """Record a run that holds the warehouse's run lock; a run still `running` from before was killed."""
    with wh.engine.begin() as conn:
        conn.execute(sa.text("UPDATE meta.runs SET status = 'interrupted' WHERE status = 'running'"))
        conn.execute(
            sa.text(
                "INSERT INTO meta.runs (run_id, started_at, status, source, erp_source) "
                "VALUES (:id, :at, 'running', :source, :erp)"
            ),
            {"id": run_id, "at": at, "source": source, "erp": erp_source},
        )


def finish_run(
    wh: Warehouse, run_id: str, status: str, at: dt.datetime, counts: RunCounts | None = None, message: str = ""
) -> None:
    """Record how a run ended (one of RUN_STATUSES) and, if it got that far, what it counted."""
    if status not in RUN_STATUSES:
        raise ValueError(f"unknown run status {status!r}")
    c = counts or RunCounts()
    with wh.engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE meta.runs SET status = :status, finished_at = :at, bronze_rows = :bronze, "
                "silver_loaded = :loaded, silver_flagged = :flagged, silver_quarantined = :quarantined, "
                "silver_duplicates = :duplicates, gold_as_of = :as_of, gold_checks = :checks, message = :message "
                "WHERE run_id = :id"
            ),
            {
                "id": run_id,
                "status": status,
                "at": at,
                "bronze": c.bronze_rows if counts else None,
                "loaded": c.silver_loaded if counts else None,
                "flagged": c.silver_flagged if counts else None,
                "quarantined": c.silver_quarantined if counts else None,
                "duplicates": c.silver_duplicates if counts else None,
                "as_of": c.gold_as_of,
                "checks": c.gold_checks if counts else None,
                "message": message[:2000] or None,
            },
        )


def runs(conn: Connection, limit: int = 20) -> list[dict[str, object]]:
    """The latest runs, newest first, as `meta.runs` holds them."""
    rows = conn.execute(
        sa.text(
            "SELECT run_id, started_at, finished_at, status, source, erp_source, bronze_rows, silver_loaded, "
            "silver_flagged, silver_quarantined, silver_duplicates, gold_as_of, gold_checks, message "
            "FROM meta.runs ORDER BY started_at DESC LIMIT :n"
        ),
        {"n": limit},
    )
    return [dict(r._mapping) for r in rows]


# ---- what load-org and sync wrote to an org ------------------------------------------------------------
LANDED = ("created", "updated")  # outcomes that mean the org holds what was sent
LOAD_ROW_COLUMNS = (
    ("org", "TEXT"),
    ("object", "TEXT"),
    ("step", "TEXT"),
    ("external_id", "TEXT"),
    ("fingerprint", "TEXT"),
    ("outcome", "TEXT"),
    ("sf_id", "TEXT"),
    ("error", "TEXT"),
    ("job_id", "TEXT"),
    ("written_at", "TIMESTAMP WITH TIME ZONE"),
)


def landed_rows(conn: Connection, org: str, obj: str, step: str) -> dict[str, str]:
    """external id → fingerprint of each record of `obj` whose last write in `step` landed in `org`."""
    return _landed(conn, org, obj, step, "fingerprint")


def landed_ids(conn: Connection, org: str, obj: str, step: str) -> dict[str, str]:
    """external id → the org's Id of each record of `obj` whose last write in `step` landed in `org`."""
    return _landed(conn, org, obj, step, "sf_id")


def _landed(conn: Connection, org: str, obj: str, step: str, column: str) -> dict[str, str]:
    rows = conn.execute(
        sa.text(
            f"SELECT external_id, {column} FROM meta.load_rows WHERE org = :org AND object = :obj AND step = :step "
            f"AND outcome IN {LANDED} AND {column} IS NOT NULL"
        ),
        {"org": org, "obj": obj, "step": step},
    )
    return {str(r[0]): str(r[1]) for r in rows}


def forget_rows(conn: Connection, org: str, obj: str, step: str, sf_ids: Iterable[str]) -> None:
    """Drop what the ledger holds of these records in `step` (records deleted in the org are no longer synced)."""
    ids = sorted(sf_ids)
    if ids:
        conn.execute(
            sa.text(
                "DELETE FROM meta.load_rows WHERE org = :org AND object = :obj AND step = :step AND sf_id IN :ids"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            {"org": org, "obj": obj, "step": step, "ids": ids},
        )


def record_load_job(conn: Connection, job: Mapping[str, object]) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO meta.load_jobs (org, object, step, job_id, operation, state, rows_sent, rows_processed, "
            "rows_failed, rows_unprocessed, api_calls, error, started_at, finished_at) VALUES (:org, :object, :step, "
            ":job_id, :operation, :state, :rows_sent, :rows_processed, :rows_failed, :rows_unprocessed, :api_calls, "
            ":error, :started_at, :finished_at)"
        ),
        dict(job),
    )


def record_load_rows(wh: Warehouse, conn: Connection, rows: pa.Table) -> None:
    """Each record's latest outcome (a table of `LOAD_ROW_COLUMNS`), replacing what the ledger held for it."""
    if rows.num_rows == 0:
        return
    with wh.staged(conn, "_fauxforce_load_rows", LOAD_ROW_COLUMNS, rows) as staged:
        conn.exec_driver_sql(
            f"DELETE FROM meta.load_rows AS l WHERE EXISTS (SELECT 1 FROM {staged} AS s WHERE s.org = l.org "
            "AND s.object = l.object AND s.step = l.step AND s.external_id = l.external_id)"
        )
        names = ", ".join(n for n, _ in LOAD_ROW_COLUMNS)
        conn.exec_driver_sql(f"INSERT INTO meta.load_rows ({names}) SELECT {names} FROM {staged}")
