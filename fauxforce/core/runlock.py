"""One pipeline run per warehouse at a time, with a lock that dies with the run that holds it.

The lock is held by the warehouse's own machinery, never by an orchestrator's database:

- PostgreSQL: a session-level advisory lock on a connection of its own. When the holding process dies,
  its connection drops and the server releases the lock at once.
- DuckDB: an exclusive `flock` on `<warehouse file>.lock`. The operating system releases it when the
  holding process exits, however it exits.

Whichever Prefect setup the runs use (a server, separate `PREFECT_HOME`s, none), two runs on one
warehouse never overlap. A run that finds the lock taken waits, and says for whom and since when;
a signal (SIGTERM, Ctrl-C) ends the wait like any other.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType

import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url

from fauxforce.core.warehouse import WarehouseError, db_reason

# The advisory lock's two keys: 'faux' and 1, the run lock (pg_locks shows them as classid / objid).
PG_KEYS = (0x66617578, 1)
REPORT_EVERY = 30.0  # seconds between "still waiting" messages


def holder_note() -> str:
    """Who holds a lock: this process, on this host, since now."""
    since = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return f"fauxforce run, pid {os.getpid()} on {socket.gethostname()}, since {since}"


class RunLock:
    """`with RunLock(url): …` holds the warehouse's run lock for the block, waiting for it if needed."""

    def __init__(
        self, url: str, *, poll: float = 1.0, on_wait: Callable[[str], None] | None = None, timeout: float | None = None
    ) -> None:
        self.url = url
        self.poll = poll
        self.on_wait = on_wait or (lambda message: None)
        self.timeout = timeout
        self.dialect = make_url(url).get_backend_name()
        self._conn: Connection | None = None
        self._engine: sa.Engine | None = None
        self._fd: int | None = None

    # ---- the two kinds of lock ------------------------------------------------------------------------
    def _try(self, note: str) -> str | None:
        """Take the lock if it is free and return None; else return who holds it."""
        if self.dialect == "postgresql":
            return self._try_postgres(note)
        if self.dialect == "duckdb":
            return self._try_file(note)
        raise WarehouseError(f"no run lock for warehouse dialect {self.dialect!r}")

    def _try_postgres(self, note: str) -> str | None:
        if self._conn is None:
            self._engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
            try:
                self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            except sa.exc.OperationalError as e:
                raise WarehouseError(f"cannot reach the warehouse for its run lock: {db_reason(e)}") from None
            self._conn.execute(sa.text("SELECT set_config('application_name', :n, false)"), {"n": note[:63]})
        got = self._conn.execute(sa.text("SELECT pg_try_advisory_lock(:a, :b)"), dict(zip("ab", PG_KEYS, strict=True)))
        if got.scalar_one():
            return None
        row = self._conn.execute(
            sa.text(
                "SELECT a.application_name, a.pid, a.client_addr FROM pg_locks AS l "
                "JOIN pg_stat_activity AS a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.classid = :a AND l.objid = :b AND l.objsubid = 2 "
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            dict(zip("ab", PG_KEYS, strict=True)),
        ).first()
        if row is None:  # released between the two statements
            return "another run (it has just finished)"
        return f"{row[0] or 'another client'} (PostgreSQL backend {row[1]})"

    def lock_file(self) -> Path:
        database = make_url(self.url).database or ""
        return Path(database).expanduser().with_name(Path(database).name + ".lock")

    def _try_file(self, note: str) -> str | None:
        database = make_url(self.url).database or ""
        if database in ("", ":memory:") or database.startswith(":memory:"):
            return None  # an in-memory warehouse belongs to one process
        path = self.lock_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        if self._fd is None:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = Path(path).read_text(encoding="utf-8", errors="replace").strip()
            return f"{holder or 'another run'} (lock file {path})"
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, note.encode(), 0)
        return None

    # ---- acquire and release ----------------------------------------------------------------------------
    def try_acquire(self) -> str | None:
        """Take the lock if it is free now and return None (release it when done); else return who holds it.
        Never waits."""
        holder = self._try(f"{holder_note()} (checking)")
        if holder is not None:
            self.release()
        return holder

    def acquire(self) -> None:
        note = holder_note()
        started = time.monotonic()
        reported = -REPORT_EVERY
        while (holder := self._try(note)) is not None:
            waited = time.monotonic() - started
            if self.timeout is not None and waited >= self.timeout:
                self.release()
                raise WarehouseError(f"the warehouse is busy: {holder}; gave up after {waited:.0f}s")
            if waited - reported >= REPORT_EVERY:
                self.on_wait(f"waiting for the warehouse: held by {holder}; waited {waited:.0f}s so far")
                reported = waited
            time.sleep(self.poll)

    def ensure_held(self) -> None:
        """Raise a `WarehouseError` if the lock was lost while held: a PostgreSQL advisory lock goes with its
        connection, and a dropped connection (a server restart, an administrator) frees it for another run."""
        if self._conn is None:
            return  # a file lock (or none) cannot be lost while this process lives
        try:
            held = self._conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory' "
                    "AND granted AND classid = :a AND objid = :b AND objsubid = 2"
                ),
                dict(zip("ab", PG_KEYS, strict=True)),
            ).scalar_one()
        except sa.exc.SQLAlchemyError:  # the connection is gone, and the lock with it
            held = 0
        if not held:
            raise WarehouseError(
                "the warehouse's run lock was lost (its connection was dropped); stopped so that no other run "
                "overlaps this one; every batch is whole or absent, so run again"
            )

    def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sa.exc.SQLAlchemyError):  # if the connection is gone, so is the lock
                self._conn.execute(sa.text("SELECT pg_advisory_unlock(:a, :b)"), dict(zip("ab", PG_KEYS, strict=True)))
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self._conn.close()
            self._conn = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()


@contextlib.contextmanager
def folder_lock(path: Path, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold an exclusive `flock` on `path` (created if missing) for the block, waiting for it if another
    process holds it. The operating system releases it when the holder exits, however it exits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = path.read_text(encoding="utf-8", errors="replace").strip() or "another process"
            if on_wait:
                on_wait(f"waiting for {path.parent}: held by {holder}")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder_note().encode(), 0)
        yield
    finally:
        os.close(fd)
