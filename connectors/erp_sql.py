"""Connector `erp-sql`: ERP tables from any SQLAlchemy database, read incrementally by `updated_at`.

For each ERP table silver knows that the database has: `SELECT * FROM <table> WHERE updated_at >=
<watermark> ORDER BY updated_at`, streamed in batches of at most `batch_rows` rows, each value as
text the way an ERP CSV dump writes it (`2026-04-04 16:24:19` in UTC, `2026-04-04`, `104077.70`).
Each batch carries the highest `updated_at` it holds as its watermark (the rows come in that order),
so a run that stops keeps what landed and the next starts from there; `>=` repeats the boundary's
rows, which silver counts as duplicates. A table without `updated_at` is read whole each run.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from fauxforce.connectors.base import Batch, Connector, ObjectRef, as_text, register
from fauxforce.core import catalogue
from fauxforce.core.settings import Settings, get_settings
from fauxforce.core.warehouse import db_reason

MODSTAMP = "updated_at"


class ErpSourceError(RuntimeError):
    """The ERP database cannot be read: the message says why and what to do."""


@register
class ErpSqlConnector(Connector):
    name = "erp-sql"

    def __init__(
        self,
        url: str | None = None,
        settings: Settings | None = None,
        batch_rows: int = 50_000,
    ) -> None:
        url = url or (settings or get_settings()).erp_url
        if not url:
            raise ErpSourceError("the erp-sql source needs FAUXFORCE_ERP_URL, a SQLAlchemy URL of the ERP database")
        try:
            self.engine = sa.create_engine(url)
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as e:
            raise ErpSourceError(f"unusable FAUXFORCE_ERP_URL {sa.engine.make_url(url)!r}: {e}") from None
        self.batch_rows = batch_rows
        self._quote = self.engine.dialect.identifier_preparer.quote

    def objects(self) -> list[ObjectRef]:
        try:
            present = set(sa.inspect(self.engine).get_table_names())
        except sa.exc.OperationalError as e:
            raise ErpSourceError(f"cannot reach the ERP database {self.engine.url!r}: {db_reason(e)}") from None
        return [t.ref for t in catalogue.objects("erp") if t.ref.name in present]

    def extract(
        self, ref: ObjectRef, seen: Callable[[dict[str, str]], bool], since: str | None = None
    ) -> Iterator[Batch]:
        table = self._quote(ref.name)
        with self.engine.connect() as conn:
            columns = list(conn.execute(sa.text(f"SELECT * FROM {table} WHERE 1 = 0")).keys())
        incremental = MODSTAMP in columns
        sql = f"SELECT * FROM {table}"
        params: dict[str, Any] = {}
        if incremental:
            if since:
                sql += f" WHERE {self._quote(MODSTAMP)} >= :since"
                params["since"] = dt.datetime.fromisoformat(since)
            sql += f" ORDER BY {self._quote(MODSTAMP)}"
        uri = f"{self.engine.url.render_as_string(hide_password=True)}#{ref.name}"
        mark = since or ""
        with self.engine.connect().execution_options(stream_results=True, yield_per=self.batch_rows) as conn:
            result = conn.execute(sa.text(sql), params)
            position = columns.index(MODSTAMP) if incremental else -1
            for rows in result.partitions(self.batch_rows):
                if incremental and rows:
                    last = rows[-1][position]
                    if isinstance(last, dt.datetime) and last.tzinfo is None:
                        last = last.replace(tzinfo=dt.UTC)
                    mark = last.isoformat() if isinstance(last, dt.datetime) else str(last)
                data = pa.table(
                    [pa.array([as_text(r[i]) for r in rows], type=pa.string()) for i in range(len(columns))],
                    names=columns,
                )
                state = {"file": f"{ref}@{mark}#{uuid.uuid4().hex[:12]}", "sha256": ""}
                if incremental:
                    state["watermark"] = mark
                yield Batch(ref, data, uri, state, {"api": "sql", "since": since or ""})
