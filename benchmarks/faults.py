"""Faults: the pipeline run again and again while things go wrong, then checked for lost and doubled rows.

Each cycle adds a simulated day of changes to a landing folder and starts `fauxforce run` as a user
would (its own process, its own temporary Prefect API). A seeded draw then lets it finish, SIGKILLs it
after a random delay, or (on PostgreSQL) drops every connection of the warehouse after a random delay,
as a server restart would. After the cycles, one clean run. Then silver is compared with a full export
of the same org as of the last day (one row per record, soft-deleted ones included) and the load log is
checked for bronze batches never applied or applied twice. Usage:

  python benchmarks/faults.py [--warehouse duckdb|postgresql] [--cycles 10] [--scale 0.05] [--seed 7]

PostgreSQL: FAUXFORCE_BENCH_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test); a database
of its own is created and dropped.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from fauxforce.core import local_server
from fauxforce.core.catalogue import BY_REF, ObjectRef
from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.daily import advance
from fauxforce.generators.org import Options, generate_org

FAUXFORCE = Path(sys.executable).parent / "fauxforce"
START = dt.date(2026, 3, 1)
FIRST_DAY = dt.date(2026, 6, 30)


def start_run(landing: Path, url: str, home: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAUXFORCE_", "PREFECT_API_URL"))}
    env |= {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    }
    return subprocess.Popen(
        [str(FAUXFORCE), "run", "--landing", str(landing), "--warehouse", url],
        env=env,
        cwd=landing.parent,  # the report of a PostgreSQL run goes to data/report.html under it
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def drop_connections(admin_url: str, database: str) -> None:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"
            ),
            {"d": database},
        )
    admin.dispose()


def check(url: str, expected: dict[str, int]) -> dict[str, int]:
    """Rows lost and doubled against the expected rows per silver table; batches never or twice applied."""
    wh = Warehouse(url)
    try:
        have = {table: wh.count("silver", table) for table in expected}
        with wh.engine.connect() as conn:
            unapplied = conn.exec_driver_sql(
                "SELECT count(*) FROM meta.load_log AS b WHERE b.layer = 'bronze' AND NOT EXISTS "
                "(SELECT 1 FROM meta.load_log AS s WHERE s.layer = 'silver' AND s.batch_id = b.batch_id)"
            ).scalar_one()
            twice = conn.exec_driver_sql(
                "SELECT count(*) - count(DISTINCT batch_id) FROM meta.load_log WHERE layer = 'silver'"
            ).scalar_one()
    finally:
        wh.dispose()
    return {
        "rows_lost": sum(max(0, n - have[t]) for t, n in expected.items()),
        "rows_doubled": sum(max(0, have[t] - n) for t, n in expected.items()),
        "batches_unapplied": int(unapplied),
        "batches_applied_twice": int(twice),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", choices=["duckdb", "postgresql"], default="duckdb")
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="fauxforce-faults-"))
    landing = tmp / "landing"
    admin_url = os.environ.get("FAUXFORCE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    database = f"fauxforce_faults_{uuid.uuid4().hex[:8]}"
    if args.warehouse == "postgresql":
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
        url = sa.engine.make_url(admin_url).set(database=database).render_as_string(hide_password=False)
    else:
        url = f"duckdb:///{tmp / 'warehouse.duckdb'}"
    faults = ["none", "kill"] + (["drop"] if args.warehouse == "postgresql" else [])
    counts = {"attempted": 0, "completed": 0, "killed": 0, "dropped": 0, "failed": 0}
    started = time.perf_counter()
    day = FIRST_DAY
    try:
        for cycle in range(args.cycles):
            advance(landing, seed=args.seed, scale=args.scale, start=START, first_day=FIRST_DAY, day=day)
            fault, delay = rng.choice(faults), rng.uniform(2.0, 20.0)
            run = start_run(landing, url, tmp / f"home-{cycle}")
            counts["attempted"] += 1
            try:
                code = run.wait(timeout=None if fault == "none" else delay)
            except subprocess.TimeoutExpired:
                if fault == "kill":
                    run.send_signal(signal.SIGKILL)
                    counts["killed"] += 1
                else:
                    drop_connections(admin_url, database)
                    counts["dropped"] += 1
                code = run.wait()
            else:
                counts["completed" if code == 0 else "failed"] += 1
            with contextlib.suppress(ProcessLookupError):
                os.killpg(run.pid, signal.SIGKILL)  # anything a killed run left in its group
            print(f"cycle {cycle + 1}: day {day}, fault {fault} after {delay:.1f}s, exit {code}", flush=True)
            day += dt.timedelta(days=1)
        final = start_run(landing, url, tmp / "home-final")
        recovered = final.wait() == 0
        last = day - dt.timedelta(days=1)
        snapshot = generate_org(
            Options(out=tmp / "snapshot", seed=args.seed, scale=args.scale, start=START, as_of=last)
        )
        expected = {BY_REF[ObjectRef(*k.split("/"))].name: v["rows"] for k, v in snapshot.objects.items()}  # type: ignore[arg-type]
        result = check(url, expected)
    finally:
        if args.warehouse == "postgresql":
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            admin.dispose()
        for home in tmp.glob("home-*"):  # each run's Prefect home kept its local server up
            local_server.stop(home)
        shutil.rmtree(tmp, ignore_errors=True)
    seconds = time.perf_counter() - started
    print()
    print(
        "| warehouse | runs attempted | finished | killed | connections dropped | failed cleanly | final run "
        "| rows lost | rows doubled | batches never applied | batches applied twice | seconds |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    print(
        f"| {args.warehouse} | {counts['attempted']} | {counts['completed']} | {counts['killed']} | "
        f"{counts['dropped']} | {counts['failed']} | {'recovered' if recovered else 'FAILED'} | "
        f"{result['rows_lost']:,} | {result['rows_doubled']:,} | {result['batches_unapplied']} | "
        f"{result['batches_applied_twice']} | {seconds:.0f} |"
    )
    if not recovered or any(result.values()):
        raise SystemExit("faults: data was lost or doubled, or the pipeline did not recover")


if __name__ == "__main__":
    main()
