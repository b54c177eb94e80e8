"""`fauxforce doctor`, and `fauxforce run`'s pre-flight: is everything a run needs there, in about a second?

Each check is one line: what it looked at and what it found. A failed check names what to do. `run` makes
the same checks before it starts Prefect and stops at the first that fails, so a wrong URL, a missing
folder, a refused login or a file another program holds costs one line, not a server start and a
traceback. Nothing here writes data: the warehouse is not created, no data is read from Salesforce (a
login only), and the run lock is held only for the instant the DuckDB file is probed (so that the probe
cannot race a run that starts then; its lock file is created if it was missing, as a run would).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from fauxforce.core import maintenance
from fauxforce.core.policy import Policy, PolicyError
from fauxforce.core.runlock import RunLock
from fauxforce.core.settings import RunSettings, Settings
from fauxforce.core.warehouse import Warehouse, WarehouseError, db_reason

CONNECT_TIMEOUT = 3  # seconds, for a database server or the Prefect API that does not answer


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok, warn (the run goes on), fail (the run would fail), skip (not used by this run)
    detail: str

    def line(self) -> str:
        return f"{self.status:<5} {self.name:<12} {self.detail}"


def checks(run: RunSettings, settings: Settings, prefect: bool = True) -> Iterator[Check]:
    """Every check, in the order a run meets them; the caller may stop at the first `fail`."""
    try:
        Policy.parse(run.validation)
        yield Check("validation", "ok", run.validation or "the default policy")
    except PolicyError as e:
        yield Check("validation", "fail", str(e))
    yield _maintenance(run)
    yield from _warehouse(run)
    if run.reader_copy is not None:
        if _backend(run.warehouse) not in ("duckdb", None):  # None: the warehouse check said what is wrong
            yield Check(
                "reader-copy",
                "fail",
                "FAUXFORCE_READER_COPY is for a DuckDB warehouse; PostgreSQL serves readers itself",
            )
        else:
            yield Check("reader-copy", "ok", f"{run.reader_copy}, refreshed after each run")
    yield _landing(run)
    yield _salesforce(run, settings)
    yield _erp(run, settings)
    if prefect:
        yield _prefect_api(run)


def _backend(url: str) -> str | None:
    try:
        return make_url(url).get_backend_name()
    except sa.exc.ArgumentError:
        return None


def _maintenance(run: RunSettings) -> Check:
    """FAUXFORCE_MAINTENANCE (the Prefect variable is read by flow runs only: it needs the API)."""
    try:
        windows = maintenance.parse(run.maintenance)
    except maintenance.MaintenanceError as e:
        return Check("maintenance", "fail", str(e))
    now = dt.datetime.now(dt.UTC)
    if hit := maintenance.active(windows, maintenance.systems_of(run.source, run.erp_source), now):
        window, ends = hit
        return Check(
            "maintenance",
            "warn",
            f"inside the {window.describe()} until {ends:%Y-%m-%d %H:%M} UTC: a run now ends Cancelled",
        )
    if nxt := maintenance.upcoming(windows, now):
        window, begin, finish = nxt
        return Check("maintenance", "ok", f"next: {window.system} {maintenance.span(begin, finish)}")
    return Check("maintenance", "ok", "no window declared" if not windows else "no window ahead")


def _warehouse(run: RunSettings) -> Iterator[Check]:
    try:
        wh = Warehouse(run.warehouse, read_only=True)
    except WarehouseError as e:
        if "no DuckDB warehouse at" not in str(e):
            yield Check("warehouse", "fail", str(e))
            return
        found = _new_duckdb(run.warehouse)  # a first run creates it: say where, and that its folder is usable
        yield found
        if found.status != "ok":
            return
        if Path(make_url(run.warehouse).database or "").expanduser().parent.is_dir():
            yield from _run_lock(None, run.warehouse)  # a first run may be creating it right now
        else:
            yield Check("run-lock", "ok", "free (no run has used this warehouse)")
        return
    try:
        if wh.dialect == "postgresql":
            found = _postgres(wh, run.warehouse)
            yield found
            if found.status == "fail":
                return
        yield from _run_lock(wh, run.warehouse)
    finally:
        wh.dispose()


def _run_lock(wh: Warehouse | None, url: str) -> Iterator[Check]:
    """Who holds the run lock; while nobody does, it is held for the DuckDB probe, so that the probe's brief
    open of the file cannot race a run starting at that moment (a run opens the file under the lock only)."""
    lock = RunLock(url)
    try:
        holder = lock.try_acquire()
    except WarehouseError as e:
        yield Check("run-lock", "fail", str(e))
        return
    except OSError as e:
        yield Check("run-lock", "fail", f"cannot use the run lock's file: {e.strerror or e}")
        return
    if holder:
        yield Check("run-lock", "warn", f"a run holds the warehouse: {holder}; a new run waits for it")
        return
    try:
        yield Check("run-lock", "ok", "free")
        if wh is not None and wh.dialect == "duckdb":
            yield _duckdb(wh, url)
    finally:
        lock.release()


def _new_duckdb(url: str) -> Check:
    path = Path(make_url(url).database or "").expanduser()
    folder = next((p for p in [path.parent, *path.parent.parents] if p.exists()), Path("."))
    if not os.access(folder, os.W_OK | os.X_OK):
        return Check("warehouse", "fail", f"cannot create the DuckDB warehouse {path}: {folder} is not writable")
    return Check("warehouse", "ok", f"{url}: DuckDB, not there yet; the first run creates {path}")


def _postgres(wh: Warehouse, url: str) -> Check:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": CONNECT_TIMEOUT})
    try:
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SHOW server_version").scalar_one()
    except sa.exc.DBAPIError as e:
        return Check("warehouse", "fail", f"cannot reach the warehouse {wh}: {db_reason(e)}")
    finally:
        engine.dispose()
    return Check("warehouse", "ok", f"{wh}: PostgreSQL {version}, reachable")


def _duckdb(wh: Warehouse, url: str) -> Check:
    """The file exists; a run can open it only if no other process has it open (DuckDB's own file lock)."""
    import duckdb

    path = Path(make_url(url).database or "").expanduser()
    try:
        duckdb.connect(str(path)).close()  # read-write, as a run opens it; closed at once
    except duckdb.Error as e:
        reason = str(e).splitlines()[0]
        if "lock" in reason.lower():
            return Check(
                "warehouse",
                "fail",
                f"{path} is open in another program ({reason.split('Conflicting lock is held in ')[-1]}); a run "
                "cannot write it until that program closes it (README: 'Reading the warehouse safely')",
            )
        return Check("warehouse", "fail", f"cannot open {path}: {reason}")
    return Check("warehouse", "ok", f"{wh}: DuckDB, {path.stat().st_size / 1e6:,.1f} MB")


def _landing(run: RunSettings) -> Check:
    if "csv" not in (run.source, run.erp_source):
        return Check("landing", "skip", "no file source in this run")
    if not run.landing.is_dir():
        return Check(
            "landing", "fail", f"landing folder {run.landing} does not exist; generate one with `fauxforce generate`"
        )
    from fauxforce.connectors.files import FileConnector

    connector = FileConnector(run.landing)
    objects = connector.objects()
    skipped = connector.skipped()
    detail = f"{run.landing}: {len(objects)} objects" + (f", {len(skipped)} entries not read" if skipped else "")
    if not objects:
        return Check("landing", "warn", f"{run.landing} holds no export (salesforce/<Object>.csv, erp/<table>.csv)")
    return Check("landing", "ok", detail)


def _salesforce(run: RunSettings, settings: Settings) -> Check:
    if run.source != "salesforce":
        return Check("salesforce", "skip", "the CRM source is csv")
    import requests

    from fauxforce.connectors.salesforce import SalesforceConnector, SalesforceSourceError

    try:
        connector = SalesforceConnector(settings)
        sf = connector.client()
    except (SalesforceSourceError, ValueError) as e:
        return Check("salesforce", "fail", str(e))
    except requests.exceptions.RequestException as e:
        return Check("salesforce", "fail", f"cannot reach Salesforce's login ({type(e).__name__})")
    return Check("salesforce", "ok", f"logged in to {sf.sf_instance} ({connector.auth.mode}); no data read")


def _erp(run: RunSettings, settings: Settings) -> Check:
    if run.erp_source != "erp-sql":
        return Check("erp", "skip", "the ERP source is csv")
    if not settings.erp_url:
        return Check("erp", "fail", "FAUXFORCE_ERP_SOURCE is erp-sql but FAUXFORCE_ERP_URL is not set")
    try:
        engine = sa.create_engine(settings.erp_url, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
    except (sa.exc.DBAPIError, sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as e:
        reason = db_reason(e) if isinstance(e, sa.exc.DBAPIError) else str(e).splitlines()[0]
        return Check("erp", "fail", f"cannot reach the ERP database: {reason}")
    return Check("erp", "ok", f"{make_url(settings.erp_url).render_as_string(hide_password=True)}: reachable")


def _prefect_api(run: RunSettings) -> Check:
    from prefect.settings import get_current_settings

    from fauxforce.core import local_server

    settings = get_current_settings()
    url = settings.api.url
    if not url and run.prefect_server == "temporary":
        return Check("prefect", "ok", "no API configured: each run starts a temporary server (seconds per run)")
    if not url:
        server = local_server.status(local_server.prefect_home())
        if server is not None:
            return Check("prefect", "ok", f"no API configured: runs use the local server at {server.ui}")
        return Check("prefect", "ok", "no API configured: the next run starts a local server and keeps it for the next")
    import httpx

    try:
        response = httpx.get(f"{url.rstrip('/')}/health", timeout=CONNECT_TIMEOUT)
    except httpx.HTTPError as e:
        return Check("prefect", "fail", f"PREFECT_API_URL {url} does not answer ({type(e).__name__}); start the server")
    if response.status_code != 200:
        return Check("prefect", "warn", f"PREFECT_API_URL {url} answered {response.status_code} to /health")
    return Check("prefect", "ok", f"{url}: healthy")
