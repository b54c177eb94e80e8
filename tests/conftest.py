"""Test-wide setup: Prefect isolated and offline, and generated orgs shared across tests."""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Before anything imports Prefect: its own home, no telemetry, no server outside this process.
_PREFECT_HOME = tempfile.mkdtemp(prefix="fauxforce-prefect-home-")
atexit.register(shutil.rmtree, _PREFECT_HOME, ignore_errors=True)
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.pop("PREFECT_API_URL", None)
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "90"

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from fauxforce.core import ledger  # noqa: E402
from fauxforce.generators.org import Manifest, Options, generate_org  # noqa: E402

AS_OF = dt.date(2026, 6, 30)
_EXIT = pytest.StashKey[int]()


class Org:
    """A generated org on disk, read back as text exactly as a consumer of the files would."""

    def __init__(self, root: Path, manifest: Manifest) -> None:
        self.root = root
        self.manifest = manifest
        self._cache: dict[str, pd.DataFrame] = {}

    def __getitem__(self, key: str) -> pd.DataFrame:
        if key not in self._cache:
            system, name = key.split("/") if "/" in key else ("salesforce", key)
            self._cache[key] = pd.read_csv(
                self.root / system / f"{name}.csv", dtype=str, keep_default_na=False, na_values=[""]
            )
        return self._cache[key]


@pytest.fixture(scope="session")
def org(tmp_path_factory: pytest.TempPathFactory) -> Org:
    """A small org (scale 0.05) as a full CSV export."""
    out = tmp_path_factory.mktemp("org") / "landing"
    return Org(out, generate_org(Options(out=out, seed=7, scale=0.05, as_of=AS_OF)))


@pytest.fixture(scope="session")
def reference_org(tmp_path_factory: pytest.TempPathFactory) -> Org:
    """The reference volume (scale 1)."""
    out = tmp_path_factory.mktemp("reference") / "landing"
    return Org(out, generate_org(Options(out=out, seed=42, scale=1.0, as_of=AS_OF)))


def load_silver(wh, landing: Path, validation: str | None = None) -> list:  # type: ignore[no-untyped-def, type-arg]
    """Land a folder of exports in bronze and apply it to silver, as the flows' tasks do."""
    from fauxforce.bronze import land as bronze
    from fauxforce.connectors import get_connector
    from fauxforce.core.policy import Policy
    from fauxforce.silver.build import build_all, build_xref

    ledger.prepare(wh)
    connector = get_connector("csv", landing=landing)
    for ref in connector.objects():
        bronze.land_object(wh, connector, ref, "csv")
    results, _ = build_all(wh, Policy.parse(validation))
    build_xref(wh)
    return [r for r in results if not r.bronze_only]


def ts(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True, format="ISO8601")


PG_ADMIN_URL = os.environ.get("FAUXFORCE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_admin():  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    return sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards."""
    import uuid

    import sqlalchemy as sa

    name = f"fauxforce_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as e:  # pragma: no cover - the machine's server is down
        pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is not reachable ({e.orig}); start it (see README)")
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test."""
    with postgres_database() as url:
        yield url


@pytest.fixture(params=["duckdb", "postgresql"])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each warehouse test runs on embedded DuckDB and on PostgreSQL."""
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect API for the session (flows run against it)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


def salesforce_auth_modes(mock) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """The SALESFORCE_* settings of each simple-salesforce auth mode for a mock org."""
    c, k = mock.credentials, mock.keys
    return {
        "password": {
            "SALESFORCE_USERNAME": c.username,
            "SALESFORCE_PASSWORD": c.password,
            "SALESFORCE_SECURITY_TOKEN": c.security_token,
        },
        "oauth password": {
            "SALESFORCE_USERNAME": c.username,
            "SALESFORCE_PASSWORD": c.password,
            "SALESFORCE_CONSUMER_KEY": c.consumer_key,
            "SALESFORCE_CONSUMER_SECRET": c.consumer_secret,
        },
        "client credentials": {
            "SALESFORCE_CONSUMER_KEY": c.consumer_key,
            "SALESFORCE_CONSUMER_SECRET": c.consumer_secret,
            "SALESFORCE_DOMAIN": "acme.my",
        },
        "jwt": {
            "SALESFORCE_USERNAME": c.username,
            "SALESFORCE_CONSUMER_KEY": c.consumer_key,
            "SALESFORCE_PRIVATE_KEY_FILE": str(k.jwt_private_key),
        },
        "session id": {"SALESFORCE_SESSION_ID": mock.session_id, "SALESFORCE_INSTANCE_URL": mock.instance_url},
    }


# ---- the suite ends on pytest's result line --------------------------------------------------------------


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config.stash[_EXIT] = int(exitstatus)
    stop_local_servers()


@pytest.fixture(autouse=True)
def _no_local_server_outlives_its_test() -> Iterator[None]:
    """A test that runs `fauxforce run` with a Prefect home of its own leaves no local server behind (the
    session's shared home keeps its server until the end)."""
    yield
    stop_local_servers(keep=Path(_PREFECT_HOME))


def stop_local_servers(keep: Path | None = None) -> list[int]:
    """Stop the local Prefect servers `fauxforce run` started under the temporary folders tests use (each test's
    Prefect home among them) but `keep`'s; a server outside them (a developer's own) is left alone."""
    import signal

    from fauxforce.core.local_server import supervisors

    stopped = []
    for pid, home in supervisors():
        if home.is_relative_to(tempfile.gettempdir()) and home != keep:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
                stopped.append(pid)
    return stopped


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave the process once pytest is done, after the exit handlers, before interpreter teardown.

    DuckDB's bindings (nanobind) print dozens of "leaked instance" lines at interpreter teardown for
    objects the engine caches for the life of the process; they are not leaks of ours and drown the result
    line. Exit handlers (Prefect's temporary servers among them) still run first; the exit status is
    pytest's own, 5 for no tests included."""
    status = config.stash.get(_EXIT, None)
    if status is None:
        return
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
