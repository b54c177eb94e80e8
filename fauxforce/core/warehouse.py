"""The SQL warehouse: engine from a URL, every dialect difference, and each engine's bulk-load path.

SQLAlchemy carries connections, transactions and bind parameters. Bulk loads use each engine's
native path: DuckDB reads a registered Arrow table (`INSERT … SELECT`), PostgreSQL takes
`COPY … FROM STDIN` through psycopg. Identifiers come from fixed lists or the source's header and
are always quoted; values only ever travel as bind parameters or through the bulk path.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import duckdb_engine  # noqa: F401  # see below
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine

# The DuckDB dialect is imported here, at import time, on purpose: first imported lazily inside a
# Prefect task (a worker thread), DuckDB's bindings report its objects as leaked at interpreter exit.


class WarehouseError(RuntimeError):
    """The warehouse cannot be reached or used: the message says which and what to do."""


def db_reason(e: sa.exc.DBAPIError) -> str:
    """The first line of a database error's own message (drivers add hints on further lines)."""
    text = str(e.orig).strip() if e.orig is not None else ""
    return text.splitlines()[0] if text else type(e).__name__


MAX_IDENTIFIER_BYTES = 63  # PostgreSQL truncates longer names (DuckDB has no limit)


def safe_identifier(name: str) -> str:
    """A name PostgreSQL and DuckDB both keep exactly as a quoted identifier, as close to `name` as can be.

    `name` itself when it has no control characters or line breaks, no `%` (which SQL text handed to
    psycopg would take for a placeholder) and fits in 63 bytes; otherwise those characters become `_`,
    the name is cut to fit, and 8 hex digits of its digest keep two names that differed apart.
    """
    if len(name.encode()) <= MAX_IDENTIFIER_BYTES and not re.search(r"[\x00-\x1f\x7f%]", name) and name.strip():
        return name
    clean = re.sub(r"\s+", " ", re.sub(r"[\x00-\x1f\x7f%]", "_", name)).strip() or "column"
    head = clean.encode()[: MAX_IDENTIFIER_BYTES - 9].decode("utf-8", errors="ignore").rstrip()
    return f"{head}_{hashlib.sha256(name.encode()).hexdigest()[:8]}"


DIALECTS = ("duckdb", "postgresql")
EXAMPLES = "duckdb:///data/warehouse.duckdb or postgresql+psycopg://user@host:5432/db"
ANALYTICS_WORK_MEM = "64MB"  # PostgreSQL's memory per sort or hash of a gold build (Warehouse.for_analytics)
SCHEMAS = ("bronze", "silver", "gold", "meta", "quarantine")  # the warehouse's schemas, one per layer and the ledger


def check_url(url: str) -> URL:
    """The parsed warehouse URL, or a one-line `WarehouseError` saying what to write instead."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        if url.endswith((".duckdb", ".db")) and "://" not in url:
            raise WarehouseError(f"a warehouse is a URL: write duckdb:///{url} for that file") from None
        shown = url if "@" not in url else "the warehouse URL"  # it may hold a password
        raise WarehouseError(f"{shown} is not a database URL; write one like {EXAMPLES}") from None
    backend = parsed.get_backend_name()
    if backend == "postgres":
        raise WarehouseError(f"write postgresql+psycopg://… for PostgreSQL, not {parsed.drivername}://…") from None
    if backend not in DIALECTS:
        raise WarehouseError(f"warehouse dialect {backend!r} has no bulk-load path; use {EXAMPLES}")
    return parsed


class Warehouse:
    def __init__(self, url: str, read_only: bool = False) -> None:
        """`read_only`: only read (status, the report): a DuckDB file is opened read-only and must exist."""
        self.url = url
        parsed = check_url(url)
        connect_args: dict[str, object] = {}
        if parsed.get_backend_name() == "duckdb" and parsed.database and not parsed.database.startswith(":memory:"):
            path = Path(parsed.database).expanduser()
            if path.stem.lower() in SCHEMAS:  # DuckDB names the file's catalog after it: `bronze.x` is then ambiguous
                raise WarehouseError(
                    f"a DuckDB warehouse cannot be called {path.name}: DuckDB names its catalog {path.stem!r} after "
                    f"the file, the same as the warehouse's {path.stem.lower()} schema; use another name, e.g. "
                    f"{path.with_name('warehouse.duckdb')}"
                )
            if read_only:
                if not path.is_file():
                    raise WarehouseError(f"no DuckDB warehouse at {path} yet: `fauxforce run` creates it")
                connect_args["read_only"] = True
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise WarehouseError(
                    f"cannot create {path.parent} for the DuckDB warehouse: {e.strerror or e}"
                ) from None
        try:
            self.engine: Engine = sa.create_engine(url, connect_args=connect_args)
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as e:
            raise WarehouseError(f"unusable warehouse URL {parsed!r}: {e}") from None
        self.dialect = self.engine.dialect.name
        self._quote = self.engine.dialect.identifier_preparer.quote
        if self.dialect == "duckdb":
            self._quote = _duckdb_quote(self.engine.dialect.identifier_preparer)
        self._remembering = False
        self._catalogue: dict[tuple[str, str], tuple[str, dict[str, str]]] | None = None
        if self.dialect == "postgresql":
            sa.event.listen(self.engine, "connect", _no_jit)

    def __repr__(self) -> str:
        return f"Warehouse({self})"

    def __str__(self) -> str:
        """The URL, its password masked."""
        return self.engine.url.render_as_string(hide_password=True)

    def q(self, *parts: str) -> str:
        """A quoted, dotted identifier."""
        return ".".join(self._quote(p) for p in parts)

    @contextlib.contextmanager
    def catalogue_remembered(self) -> Iterator[None]:
        """Within the block, `columns`, `column_types`, `schemas_with` and `tables` answer from one read of the
        warehouse's catalogue (its schemas' tables and columns), which `create_table` and `add_columns` keep
        current: for a run that asks about the same tables hundreds of times, each ask otherwise a query of
        ~6 ms on DuckDB's information_schema. Any other DDL in the block is followed by `forget_catalogue`."""
        self._remembering = True
        try:
            yield
        finally:
            self._remembering = False
            self._catalogue = None

    def forget_catalogue(self) -> None:
        """Read the catalogue again at the next ask (after DDL not made through this object)."""
        self._catalogue = None

    def _read_catalogue(
        self, conn: Connection, where: str = "", params: dict[str, str] | None = None
    ) -> dict[tuple[str, str], tuple[str, dict[str, str]]]:
        """(schema, table) → (table type, {column: type as the database names it, in order}), for the
        warehouse's schemas."""
        rows = conn.execute(
            sa.text(
                "SELECT c.table_schema, c.table_name, t.table_type, c.column_name, c.data_type "
                "FROM information_schema.columns AS c JOIN information_schema.tables AS t "
                "ON t.table_catalog = c.table_catalog AND t.table_schema = c.table_schema "
                "AND t.table_name = c.table_name "
                f"WHERE c.table_schema IN ({', '.join(repr(s) for s in SCHEMAS)}) {where} "
                "ORDER BY c.table_schema, c.table_name, c.ordinal_position"
            ),
            params or {},
        )
        out: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}
        for schema, table, kind, column, data_type in rows:
            out.setdefault((str(schema), str(table)), (str(kind), {}))[1][str(column)] = str(data_type)
        return out

    def _remembered(
        self, conn: Connection, schema: str | None = None
    ) -> dict[tuple[str, str], tuple[str, dict[str, str]]] | None:
        """The remembered catalogue (read now if it is not yet), or None outside `catalogue_remembered` or for a
        schema not the warehouse's."""
        if not self._remembering or (schema is not None and schema not in SCHEMAS):
            return None
        if self._catalogue is None:
            self._catalogue = self._read_catalogue(conn)
        return self._catalogue

    def _entry(self, conn: Connection, schema: str, table: str) -> tuple[str, dict[str, str]] | None:
        if (catalogue := self._remembered(conn, schema)) is not None:
            return catalogue.get((schema, table))
        rows = conn.execute(
            sa.text(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = :schema AND table_name = :table ORDER BY ordinal_position"
            ),
            {"schema": schema, "table": table},
        ).all()
        return ("", {str(r[0]): str(r[1]) for r in rows}) if rows else None

    def _changed(self, conn: Connection, schema: str, table: str) -> None:
        """Read one table's entry again, after DDL on it."""
        if self._catalogue is not None:
            fresh = self._read_catalogue(conn, "AND c.table_name = :t", {"t": table})
            self._catalogue.pop((schema, table), None)
            self._catalogue.update({k: v for k, v in fresh.items() if k == (schema, table)})

    def columns(self, conn: Connection, schema: str, table: str) -> list[str]:
        """A table's columns in order; empty when the table does not exist."""
        entry = self._entry(conn, schema, table)
        return list(entry[1]) if entry else []

    def column_types(self, conn: Connection, schema: str, table: str) -> dict[str, str]:
        """A table's columns and their SQL types, upper-case (`TEXT` for any character type); empty when the table
        does not exist."""
        entry = self._entry(conn, schema, table)
        texts = ("VARCHAR", "CHARACTER VARYING", "TEXT")
        return {c: "TEXT" if t.upper() in texts else t.upper() for c, t in (entry[1] if entry else {}).items()}

    def schemas_with(self, conn: Connection, table: str) -> set[str]:
        """The schemas that have a table of this name."""
        if (catalogue := self._remembered(conn)) is not None:
            return {s for s, t in catalogue if t == table}
        rows = conn.execute(
            sa.text("SELECT table_schema FROM information_schema.tables WHERE table_name = :table"), {"table": table}
        )
        return {r[0] for r in rows}

    def tables(self, conn: Connection, schema: str) -> list[str]:
        """The base tables of a schema, by name."""
        if (catalogue := self._remembered(conn, schema)) is not None:
            return sorted(t for (s, t), (kind, _) in catalogue.items() if s == schema and kind == "BASE TABLE")
        rows = conn.execute(
            sa.text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = :s AND table_type = 'BASE TABLE'"
            ),
            {"s": schema},
        )
        return sorted(str(r[0]) for r in rows)

    def create_table(
        self, conn: Connection, schema: str | None, table: str, columns: Sequence[tuple[str, str]]
    ) -> None:
        """A table from a column list; with no schema, a temporary table for this connection.

        Always from explicit columns, never `CREATE … AS SELECT … WHERE 1 = 0`: DuckDB 2.0 loses every
        row later copied out of a table made that way once a transaction has put a row group
        (~100k rows) into it.
        """
        body = ", ".join(f"{self._quote(name)} {sql_type}" for name, sql_type in columns)
        kind = "TABLE IF NOT EXISTS" if schema else "TEMPORARY TABLE"
        target = self.q(schema, table) if schema else self.q(table)
        conn.exec_driver_sql(f"CREATE {kind} {target} ({body})")
        if schema:
            self._changed(conn, schema, table)

    def create_index(
        self, conn: Connection, schema: str, table: str, columns: Sequence[str], unique: bool = False
    ) -> None:
        """An index on PostgreSQL; nothing on DuckDB, whose column store scans and hash-joins without one
        (and whose ART indexes would slow every bulk load)."""
        if self.dialect != "postgresql":
            return
        name = self._quote(f"{table}__{'_'.join(columns)}_idx"[:63])
        cols = ", ".join(self._quote(c) for c in columns)
        kind = "UNIQUE INDEX" if unique else "INDEX"
        conn.exec_driver_sql(f"CREATE {kind} IF NOT EXISTS {name} ON {self.q(schema, table)} ({cols})")

    def analyze(self, conn: Connection, *name: str) -> None:
        """Fresh planner statistics for a just-loaded table (PostgreSQL; DuckDB keeps its own)."""
        if self.dialect == "postgresql":
            conn.exec_driver_sql(f"ANALYZE {self.q(*name)}")

    def for_analytics(self, conn: Connection) -> None:
        """Let this transaction's joins and sorts work in memory (PostgreSQL's default work_mem, 4 MB, spills
        gold's hash joins to disk: 64 MB took a scale-1 gold build from 15.4 s to 13.9 s; more gained nothing).
        DuckDB manages its own memory."""
        if self.dialect == "postgresql":
            conn.exec_driver_sql(f"SET LOCAL work_mem = '{ANALYTICS_WORK_MEM}'")

    def use_utc(self, conn: Connection) -> None:
        """Make timestamp → date casts and date arithmetic UTC for this transaction (this connection on DuckDB)."""
        if self.dialect == "postgresql":
            conn.exec_driver_sql("SET LOCAL TIME ZONE 'UTC'")
        else:
            conn.exec_driver_sql("SET TimeZone = 'UTC'")

    def add_columns(self, conn: Connection, schema: str, table: str, columns: Iterable[tuple[str, str]]) -> None:
        added = False
        for name, sql_type in columns:
            conn.exec_driver_sql(f"ALTER TABLE {self.q(schema, table)} ADD COLUMN {self._quote(name)} {sql_type}")
            added = True
        if added:
            self._changed(conn, schema, table)

    def insert_arrow(self, conn: Connection, schema: str | None, table: str, data: pa.Table) -> None:
        """Append an Arrow table through the engine's native bulk path, inside `conn`'s transaction."""
        if data.num_rows == 0:
            return
        target = self.q(schema, table) if schema else self.q(table)
        cols = ", ".join(self._quote(c) for c in data.column_names)
        driver = conn.connection.driver_connection
        if self.dialect == "duckdb":
            view = "_fauxforce_incoming"
            driver.register(view, data)  # type: ignore[union-attr]
            try:
                conn.exec_driver_sql(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {view}")
            finally:
                driver.unregister(view)  # type: ignore[union-attr]
        else:
            buffer = io.BytesIO()
            pacsv.write_csv(data, buffer, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
            sql = f"COPY {target} ({cols}) FROM STDIN WITH (FORMAT csv)"
            with driver.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[union-attr]
                copy.write(buffer.getbuffer())

    @contextlib.contextmanager
    def staged(self, conn: Connection, name: str, columns: Sequence[tuple[str, str]], data: pa.Table) -> Iterator[str]:
        """`data` readable by SQL in `conn`'s transaction under the quoted name yielded, for the length of the
        block: on DuckDB the Arrow table itself (registered, nothing written); on PostgreSQL a table of
        `columns`, loaded through COPY and analysed, dropped afterwards."""
        driver = conn.connection.driver_connection
        if self.dialect == "duckdb":
            driver.register(name, data)  # type: ignore[union-attr]
            try:
                yield self.q(name)
            finally:
                driver.unregister(name)  # type: ignore[union-attr]
            return
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {self.q(name)}")
        self.create_table(conn, None, name, columns)
        self.insert_arrow(conn, None, name, data)
        self.analyze(conn, name)
        yield self.q(name)
        conn.exec_driver_sql(f"DROP TABLE {self.q(name)}")

    def versions(self, conn: Connection, tables: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """A version of each table's content, which changes whenever a row is added, changed or removed ("absent"
        for a table that does not exist). On DuckDB the row count and the sum of every row's hash: the same rows
        give the same version. On PostgreSQL the row count and the id of the newest transaction that wrote a row
        still in the table, which each insert and update raises (reading `xmin` skips turning rows into values:
        ~0.2 s for all of silver at scale 1, against ~3 s for hashing them); rewriting a table gives it a new
        version even with the same rows."""
        wanted = sorted(set(tables))
        present = {(s, t) for s in {s for s, _ in wanted} for t in self.tables(conn, s)}
        if self.dialect == "postgresql":
            newest = "pg_current_xact_id()::text::bigint - min(age(xmin))"
        else:
            newest = "sum(hash(t))"
        out = {}
        for schema, table in wanted:
            if (schema, table) not in present:
                out[schema, table] = "absent"
                continue
            rows, mark = conn.exec_driver_sql(f"SELECT count(*), {newest} FROM {self.q(schema, table)} AS t").one()
            out[schema, table] = f"{rows}:{mark}"
        return out

    def count(self, schema: str, table: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.exec_driver_sql(f"SELECT count(*) FROM {self.q(schema, table)}").scalar_one())

    def dispose(self) -> None:
        self.engine.dispose()

    def copy_for_readers(self, target: Path) -> int:
        """Refresh a copy of a DuckDB warehouse file for readers (an analyst's notebook, a BI tool): checkpoint,
        close, copy beside `target`, rename over it. A reader's open connection keeps the copy it opened
        (the rename never touches it); the next connection sees this one. Call it holding the run lock, so
        nothing writes during the copy. Returns the bytes copied."""
        database = self.engine.url.database or ""
        if self.dialect != "duckdb" or database in ("", ":memory:"):
            raise WarehouseError("a reader copy is for a DuckDB warehouse file; PostgreSQL serves readers itself")
        with self.engine.connect() as conn:
            conn.exec_driver_sql("CHECKPOINT")
        self.engine.dispose()  # the file is whole on disk once no connection holds it
        source = Path(database).expanduser()
        if target.resolve() == source.resolve():
            raise WarehouseError(f"the reader copy {target} cannot be the warehouse itself")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return target.stat().st_size


@functools.cache
def duckdb_keywords() -> frozenset[str]:
    """The words DuckDB does not take as a bare name, as DuckDB itself lists them (every keyword but the
    unreserved ones). The dialect's own list is PostgreSQL's, which lacks some: a column named `at`, `by`,
    `asof`, `semi` or `glob` (a Salesforce field `At__c`) is a syntax error unless quoted."""
    with duckdb.connect() as conn:
        rows = conn.execute("SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category <> 'unreserved'")
        return frozenset(str(r[0]) for r in rows.fetchall())


def _duckdb_quote(preparer: Any) -> Any:
    """The dialect's quoting, which also quotes DuckDB's own keywords."""
    keywords = duckdb_keywords()

    def quote(name: str) -> str:
        return str(preparer.quote_identifier(name)) if name.lower() in keywords else str(preparer.quote(name))

    return quote


def _no_jit(dbapi_connection: Any, _record: Any) -> None:
    """No JIT compilation on the warehouse's PostgreSQL sessions. The planner's estimates for gold's unions and
    joins set it off for queries that then spend most of their time compiling: 1.7 s of dim_user's 1.9 s at
    scale 1; gold's queries took 12.7 s with it and 4.7 s without, the report 2.7 s and 1.4 s. None of the
    warehouse's queries runs long enough for compiled code to pay back."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True  # a session setting, outside any transaction that could roll it back
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    dbapi_connection.autocommit = autocommit


def query_arrow(wh: Warehouse, conn: Connection, sql: str, params: Sequence[object] = ()) -> pa.Table:
    """A query's rows as Arrow through the engine's bulk path (`%s` placeholders); PostgreSQL's come as text."""
    driver = conn.connection.driver_connection
    if wh.dialect == "duckdb":
        return driver.sql(sql.replace("%s", "?"), params=list(params)).to_arrow_table()  # type: ignore[union-attr]
    buffer = io.BytesIO()
    with driver.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)", params) as copy:  # type: ignore[union-attr]
        for chunk in copy:
            buffer.write(chunk)
    header = buffer.getvalue().split(b"\n", 1)[0] + b"\n"
    names = pacsv.read_csv(io.BytesIO(header)).column_names
    buffer.seek(0)
    block = min(max(1 << 20, len(buffer.getbuffer()) + 1), (1 << 31) - 1)  # a cell may be larger than 1 MiB
    return pacsv.read_csv(
        buffer,
        read_options=pacsv.ReadOptions(block_size=block),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=True, null_values=[""]
        ),
    )


def read_batch(wh: Warehouse, conn: Connection, schema: str, table: str, batch_id: int) -> pa.Table:
    """All rows of one batch of a table, in row order."""
    sql = f"SELECT * FROM {wh.q(schema, table)} WHERE _batch_id = %s ORDER BY _row_number"
    return query_arrow(wh, conn, sql, (batch_id,))
