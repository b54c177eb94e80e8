"""Write a generated org's ERP tables into any SQLAlchemy database, as a live ERP replica would hold them.

`write_erp(url, options)` generates the org (Parquet, typed, in a temporary folder) and replaces
each ERP table in the database in one transaction: readers see the old tables or the new ones, never
half. Column types follow the data: text, BIGINT, DOUBLE, NUMERIC(18, 2) money, DATE, TIMESTAMP WITH
TIME ZONE for `created_at` / `updated_at` / `shipped_at` / …, by which the `erp-sql` connector reads
incrementally. Moving `as_of` on and writing again gives the next day's tables, whose changed rows
carry newer `updated_at`.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from fauxforce.core.warehouse import db_reason
from fauxforce.generators.org import Options, generate_org


class ErpDatabaseError(RuntimeError):
    """The ERP database cannot be written: the message says which and what to do."""


def sql_type(t: pa.DataType) -> sa.types.TypeEngine[Any]:
    if pa.types.is_decimal(t):
        return sa.Numeric(t.precision, t.scale)
    if pa.types.is_timestamp(t):
        return sa.DateTime(timezone=t.tz is not None)
    if pa.types.is_date(t):
        return sa.Date()
    if pa.types.is_boolean(t):
        return sa.Boolean()
    if pa.types.is_integer(t):
        return sa.BigInteger()
    if pa.types.is_floating(t):
        return sa.Float()
    return sa.Text()


def write_erp(url: str, options: Options, chunk: int = 20_000) -> dict[str, int]:
    """Replace the ERP tables in the database at `url` with those of the org `options` describe."""
    try:
        engine = sa.create_engine(url)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as e:
        raise ErpDatabaseError(f"unusable --erp-url {sa.engine.make_url(url)!r}: {e}") from e
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="fauxforce-erp-") as tmp:
        out = Path(tmp) / "org"
        generate_org(dataclasses.replace(options, out=out, format="parquet", export="full", dirty=0.0, overwrite=False))
        try:
            with engine.begin() as conn:
                for path in sorted((out / "erp").glob("*.parquet")):
                    table = pq.read_table(path)
                    meta = sa.MetaData()
                    target = sa.Table(path.stem, meta, *(sa.Column(f.name, sql_type(f.type)) for f in table.schema))
                    target.drop(conn, checkfirst=True)
                    target.create(conn)
                    for batch in table.to_batches(max_chunksize=chunk):
                        rows = batch.to_pylist()
                        if rows:
                            conn.execute(target.insert(), rows)
                    counts[path.stem] = table.num_rows
        except sa.exc.OperationalError as e:
            raise ErpDatabaseError(f"cannot write the ERP tables to {engine.url!r}: {db_reason(e)}") from e
        finally:
            engine.dispose()
    return counts
