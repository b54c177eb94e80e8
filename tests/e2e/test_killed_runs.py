"""`fauxforce run` killed with SIGKILL inside each layer, then run again: the next run starts at once (the
warehouse's run lock died with the killed run) and finishes with every bronze row applied exactly once.
And two runs with separate Prefect homes on one warehouse take turns instead of colliding.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from fauxforce.core.runlock import RunLock
from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.org import Options, generate_org
from tests.conftest import PG_ADMIN_URL

FAUXFORCE = Path(sys.executable).parent / "fauxforce"


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAUXFORCE_", "PREFECT_API_URL"))}
    return env | {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    }


def _start(landing: Path, url: str, home: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(FAUXFORCE), "run", "--verbose", "--landing", str(landing), "--warehouse", url],  # flows' log lines
        env=_env(home),
        cwd=landing.parent,  # the report of a PostgreSQL run goes to data/report.html under it
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _kill_inside(process: subprocess.Popen[str], flow: str, delay: float) -> list[str]:
    """SIGKILL the run (its main process only, as a crash would) `delay` seconds into subflow `flow`."""
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        if f"for flow '{flow}'" in line:
            time.sleep(delay)
            break
    assert process.poll() is None, "".join(seen)  # still inside the layer
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    with contextlib.suppress(ProcessLookupError):  # and anything it started in its group
        os.killpg(process.pid, signal.SIGKILL)
    return seen


def _balance(url: str) -> tuple[int, int, int]:
    """(bronze batches, silver log rows, distinct silver batches); the last two equal when none ran twice."""
    wh = Warehouse(url)
    try:
        with wh.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT count(DISTINCT batch_id) FILTER (WHERE layer = 'bronze'), "
                "count(*) FILTER (WHERE layer = 'silver'), count(DISTINCT batch_id) FILTER (WHERE layer = 'silver') "
                "FROM meta.load_log"
            ).one()
            unapplied = conn.exec_driver_sql(
                "SELECT count(*) FROM meta.load_log AS b WHERE b.layer = 'bronze' AND NOT EXISTS "
                "(SELECT 1 FROM meta.load_log AS s WHERE s.layer = 'silver' AND s.batch_id = b.batch_id)"
            ).scalar_one()
    finally:
        wh.dispose()
    assert unapplied == 0
    return int(rows[0]), int(rows[1]), int(rows[2])


@pytest.mark.slow
def test_a_run_killed_in_each_layer_does_not_block_the_next(warehouse_url: str, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    generate_org(Options(out=landing, seed=11, scale=0.05, days=90))
    for flow, delay in (("load-bronze", 1.0), ("build-silver", 1.0), ("build-gold", 0.1)):
        _kill_inside(_start(landing, warehouse_url, tmp_path / f"home-{flow}"), flow, delay)
    finished = _start(landing, warehouse_url, tmp_path / "home-last")
    out, _ = finished.communicate(timeout=300)
    assert finished.returncode == 0, out
    assert "waiting for the warehouse" not in out and "checks passed" in out
    bronze, silver_rows, silver_batches = _balance(warehouse_url)
    assert bronze == silver_rows == silver_batches > 0


@pytest.mark.slow
def test_two_runs_with_separate_prefect_homes_take_turns(postgres_url: str, tmp_path: Path) -> None:
    """Each run has its own Prefect (no shared concurrency limit can order them); the warehouse does."""
    landing = tmp_path / "landing"
    generate_org(Options(out=landing, seed=12, scale=0.05, days=90))
    with RunLock(postgres_url):  # hold the warehouse until both runs are waiting for it
        runs = [_start(landing, postgres_url, tmp_path / f"home-{i}") for i in (1, 2)]
        outs = [_read_until(run, "waiting for the warehouse: held by fauxforce run") for run in runs]
    outs = [out + run.communicate(timeout=400)[0] for out, run in zip(outs, runs, strict=True)]
    assert [run.returncode for run in runs] == [0, 0], outs
    bronze, silver_rows, silver_batches = _balance(postgres_url)
    assert bronze == silver_rows == silver_batches == 26  # one batch per file, each landed and applied once


def _read_until(process: subprocess.Popen[str], text: str) -> str:
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        if text in line:
            return "".join(seen)
    raise AssertionError("".join(seen))


@pytest.mark.slow
def test_a_run_whose_connections_are_dropped_stops_in_one_line_and_the_next_run_finishes(
    postgres_url: str, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    generate_org(Options(out=landing, seed=14, scale=0.05, days=90))
    process = _start(landing, postgres_url, tmp_path / "home-1")
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        if "for flow 'build-silver'" in line:
            break
    database = sa.engine.make_url(postgres_url).database
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # as a server restart or an administrator would
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"
            ),
            {"d": database},
        )
    admin.dispose()
    out = "".join(seen) + process.communicate(timeout=300)[0]
    assert process.returncode == 1, out
    errors = [line for line in out.splitlines() if line.startswith("fauxforce run: error:")]
    # the dropped connections surface in the statement that was running, in the next layer's first one, or
    # as the run lock lost: whichever, one line that names the warehouse
    assert len(errors) == 1 and "warehouse" in errors[0], out
    assert any(s in errors[0] for s in ("failed during the run", "run lock was lost", "cannot reach")), out
    finished = _start(landing, postgres_url, tmp_path / "home-2")
    out, _ = finished.communicate(timeout=300)
    assert finished.returncode == 0, out
    bronze, silver_rows, silver_batches = _balance(postgres_url)
    assert bronze == silver_rows == silver_batches == 26
