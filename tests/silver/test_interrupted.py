"""A run killed in the middle of a batch leaves the warehouse as it was before that batch.

A child process loads a landing folder and is stopped with SIGKILL while one batch's rows are
written but not committed (bronze: after the rows are inserted; silver: after the upsert, before
the quarantine rows and the watermark). The warehouse must hold every earlier batch and nothing of
that one; the next run finishes the work, with no row twice. On DuckDB and PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fauxforce.bronze.land import bronze_table
from fauxforce.core import ledger
from fauxforce.core.catalogue import ObjectRef
from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.org import Manifest, Options, generate_org
from tests.conftest import load_silver

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import sys, time
from pathlib import Path
from fauxforce.bronze import land as bronze
from fauxforce.silver import build
from fauxforce.core.warehouse import Warehouse
from tests.conftest import load_silver

url, landing, layer, target, marker = sys.argv[1:]

def pause():
    Path(marker).write_text("in the batch")
    time.sleep(600)

if layer == "bronze":
    insert = Warehouse.insert_arrow
    def insert_then_pause(self, conn, schema, table, data):
        insert(self, conn, schema, table, data)
        if schema == "bronze" and table == target:
            pause()
    Warehouse.insert_arrow = insert_then_pause
else:
    quarantine = build._quarantine
    def quarantine_after_upsert(wh, conn, t, out, at):
        if t.name == target:
            pause()
        quarantine(wh, conn, t, out, at)
    build._quarantine = quarantine_after_upsert
load_silver(Warehouse(url), Path(landing))
"""


CONTACT_LOG = "SELECT count(*) FROM meta.load_log WHERE layer = 'silver' AND object = 'salesforce/Contact'"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    out = tmp_path_factory.mktemp("interrupted") / "landing"
    return out, generate_org(Options(out=out, seed=11, scale=0.01, days=60))


def _kill_inside(url: str, landing: Path, layer: str, target: str, tmp_path: Path) -> None:
    marker = tmp_path / f"{layer}-{target}.marker"
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(landing), layer, target, str(marker)], cwd=ROOT, env=env
    )
    try:
        deadline = time.monotonic() + 180
        while not marker.exists():
            assert child.poll() is None, "the child ended before reaching the batch"
            assert time.monotonic() < deadline, "the child never reached the batch"
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    assert child.returncode == -signal.SIGKILL


def _setup(url: str) -> None:
    wh = Warehouse(url)
    ledger.prepare(wh)
    wh.dispose()  # an embedded DuckDB file is locked by the process that has it open


def _count(wh: Warehouse, sql: str) -> int:
    with wh.engine.connect() as conn:
        return int(conn.exec_driver_sql(sql).scalar_one())


def test_killed_in_a_bronze_batch(warehouse_url: str, small: tuple[Path, Manifest], tmp_path: Path) -> None:
    landing, manifest = small
    _setup(warehouse_url)
    _kill_inside(warehouse_url, landing, "bronze", "salesforce__opportunity", tmp_path)
    wh = Warehouse(warehouse_url)
    with wh.engine.connect() as conn:
        landed = {r[0]: r[1] for r in conn.exec_driver_sql("SELECT object, row_count FROM meta.ingested_files")}
    # the objects before it landed whole; of the killed batch, nothing: no rows, no ledger entry
    assert landed["salesforce/Account"] == manifest.objects["salesforce/Account"]["rows"]
    assert "salesforce/Opportunity" not in landed
    with wh.engine.connect() as conn:  # the table was created in the killed batch's transaction
        assert "bronze" not in wh.schemas_with(conn, "salesforce__opportunity")
    wh.dispose()

    wh = Warehouse(warehouse_url)
    load_silver(wh, landing)
    for key, counts in manifest.objects.items():
        system, name = key.split("/")
        table = bronze_table(ObjectRef(system, name))  # type: ignore[arg-type]
        assert _count(wh, f"SELECT count(*) FROM bronze.{table}") == counts["rows"], key
    assert _count(wh, "SELECT count(*) FROM silver.opportunity") == manifest.objects["salesforce/Opportunity"]["rows"]
    wh.dispose()


def test_killed_in_a_silver_batch(warehouse_url: str, small: tuple[Path, Manifest], tmp_path: Path) -> None:
    landing, manifest = small
    _setup(warehouse_url)
    _kill_inside(warehouse_url, landing, "silver", "contact", tmp_path)
    wh = Warehouse(warehouse_url)
    assert _count(wh, "SELECT count(*) FROM silver.account") == manifest.objects["salesforce/Account"]["rows"]
    assert _count(wh, "SELECT count(*) FROM silver.contact") == 0  # the upsert went with the kill
    assert _count(wh, "SELECT count(*) FROM meta.watermark WHERE layer = 'silver' AND object = 'contact'") == 0
    assert _count(wh, CONTACT_LOG) == 0
    wh.dispose()

    wh = Warehouse(warehouse_url)
    load_silver(wh, landing)
    contacts = manifest.objects["salesforce/Contact"]["rows"]
    assert _count(wh, "SELECT count(*) FROM silver.contact") == contacts
    assert _count(wh, "SELECT count(DISTINCT contact_id) FROM silver.contact") == contacts
    assert _count(wh, CONTACT_LOG) == 1
    wh.dispose()
