"""Build silver from bronze: every unprocessed bronze batch, object by object, parents first.

Each bronze batch becomes one transaction: typed rows upserted into `silver.<table>` (the latest
modstamp wins, older arrivals count as duplicates), failures appended to `quarantine.<table>`, a
row in `meta.load_log`, and the object's watermark (the last bronze batch processed) moved on. A
crash therefore never leaves a batch half-applied, and a re-run picks up exactly where it stopped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fauxforce.bronze.land import bronze_table
from fauxforce.core import ledger, resources
from fauxforce.core.catalogue import BY_NAME, TABLES, Table, with_described
from fauxforce.core.warehouse import Warehouse, query_arrow, read_batch
from fauxforce.silver.conform import QUARANTINE_COLUMNS, Conformed, conform

LINEAGE_COLUMNS = (("_batch_id", "BIGINT"), ("_row_number", "BIGINT"), ("_loaded_at", "TIMESTAMP WITH TIME ZONE"))
INTEGERS = ("_batch_id", "_row_number", "_line_number")
QUARANTINE_DDL = [(c, "BIGINT" if c in INTEGERS else "TEXT") for c in QUARANTINE_COLUMNS] + [
    ("quarantined_at", "TIMESTAMP WITH TIME ZONE")
]


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


class Keys:
    """Keys of silver tables, read once per run and kept current as batches land (for reference checks)."""

    def __init__(self, wh: Warehouse) -> None:
        self.wh = wh
        self._keys: dict[str, list[pa.Array]] = {}

    def __call__(self, table: str) -> pa.Array:
        if table not in self._keys:
            column = BY_NAME[table].key_columns[0]
            keys: list[pa.Array] = []
            with self.wh.engine.connect() as conn:
                if "silver" in self.wh.schemas_with(conn, table):
                    sql = f"SELECT {self.wh.q(column)} FROM {self.wh.q('silver', table)}"
                    keys.append(query_arrow(self.wh, conn, sql).column(0).combine_chunks().cast(pa.string()))
            self._keys[table] = keys
        parts = self._keys[table]
        if len(parts) != 1:
            parts[:] = [pa.concat_arrays(parts) if parts else pa.array([], type=pa.string())]
        return parts[0]

    def add(self, table: str, values: pd.Series) -> None:
        if table in self._keys and len(values):
            self._keys[table].append(pa.array(values.dropna().to_numpy(dtype=object), type=pa.string()))


def ensure_tables(wh: Warehouse, conn: Connection, t: Table) -> set[str]:
    """Create the silver and quarantine tables if missing; return the schemas that have the table."""
    present = wh.schemas_with(conn, t.name)
    if "silver" not in present:
        wh.create_table(conn, "silver", t.name, [*t.output_columns(), *LINEAGE_COLUMNS])
        wh.create_index(conn, "silver", t.name, t.key_columns, unique=True)
    if "quarantine" not in present:
        wh.create_table(conn, "quarantine", t.name, QUARANTINE_DDL)
    else:  # a quarantine table from before `_line_number`
        have = set(wh.columns(conn, "quarantine", t.name))
        wh.add_columns(conn, "quarantine", t.name, [c for c in QUARANTINE_DDL if c[0] not in have])
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
    stage = "_fauxforce_stage"
    target = wh.q("silver", t.name)
    have = set(wh.columns(conn, "silver", t.name))
    wh.add_columns(conn, "silver", t.name, [c for c in t.output_columns() if c[0] not in have])  # described fields
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {wh.q(stage)}")
    wh.create_table(conn, None, stage, [*t.output_columns(), *LINEAGE_COLUMNS])
    wh.insert_arrow(conn, None, stage, data)
    wh.analyze(conn, stage)
    match = " AND ".join(f"s.{wh.q(k)} = t.{wh.q(k)}" for k in t.key_columns)
    mod = wh.q(t.modstamp_column)
    newer = f"SELECT 1 FROM {wh.q(stage)} AS s WHERE {match} AND s.{mod} >= t.{mod}"
    conn.exec_driver_sql(f"DELETE FROM {target} AS t WHERE EXISTS ({newer})")
    stale = conn.exec_driver_sql(
        f"SELECT count(*) FROM {wh.q(stage)} AS s WHERE EXISTS (SELECT 1 FROM {target} AS t WHERE {match})"
    ).scalar_one()
    present = f"SELECT 1 FROM {target} AS t WHERE {match}"
    cols = ", ".join(wh.q(name) for name, _ in [*t.output_columns(), *LINEAGE_COLUMNS])
    conn.exec_driver_sql(
        f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {wh.q(stage)} AS s WHERE NOT EXISTS ({present})"
    )
    conn.exec_driver_sql(f"DROP TABLE {wh.q(stage)}")
    return int(stale)


def _watermark(conn: Connection, table: str) -> int:
    value = ledger.watermark(conn, ledger.SILVER, table)
    return int(value) if value is not None else 0


def build_table(wh: Warehouse, t: Table, keys: Keys, now: dt.datetime | None = None) -> list[SilverResult]:
    """Apply every bronze batch of one object that silver has not seen yet."""
    source = bronze_table(t.ref)
    results: list[SilverResult] = []
    with wh.engine.begin() as conn:
        ensure_tables(wh, conn, t)
        if "bronze" not in wh.schemas_with(conn, source):
            return results
        done = _watermark(conn, t.name)
        pending = [
            int(r[0])
            for r in conn.execute(
                sa.text(f"SELECT DISTINCT _batch_id FROM {wh.q('bronze', source)} WHERE _batch_id > :w ORDER BY 1"),
                {"w": done},
            )
        ]
    declared = t
    for batch_id in pending:
        started = now or dt.datetime.now(dt.UTC)
        with wh.engine.connect() as conn:
            raw = read_batch(wh, conn, "bronze", source, batch_id).to_pandas()
            t = with_described(declared, ledger.source_fields(conn, str(t.ref), batch_id))
        out = conform(t, raw, keys)
        with wh.engine.begin() as conn:
            stale = _upsert(wh, conn, t, _arrow(t, out.good, started))
            _quarantine(wh, conn, t, out, started)
            result = SilverResult(
                str(t.ref),
                batch_id,
                out.rows_in,
                len(out.good) - stale,
                len(out.quarantined),
                out.duplicates + stale,
                dict(out.reasons),
                out.quarantined["reason"].head(3).tolist(),
            )
            _log(conn, result, raw, started)
            ledger.set_watermark(conn, ledger.SILVER, t.name, str(batch_id), started)
        keys.add(t.name, out.good[t.key_columns[0]])
        results.append(result)
    return results


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


def _log(conn: Connection, r: SilverResult, raw: pd.DataFrame, started: dt.datetime) -> None:
    uri = str(raw["_source_uri"].iloc[0]) if len(raw) else None
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
    )
    ledger.log(conn, entry)


def full_refresh(wh: Warehouse) -> None:
    """Forget silver: drop its tables and quarantine, reset watermarks; bronze stays as it is."""
    with wh.engine.begin() as conn:
        for t in TABLES:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {wh.q('silver', t.name)}")
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {wh.q('quarantine', t.name)}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {wh.q('silver', 'customer_xref')}")
        ledger.forget_watermarks(conn, ledger.SILVER)


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
