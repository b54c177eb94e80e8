"""End to end: a real `prefect server`, the deployments of prefect.yaml on a process worker, then the
same deployments served by deployments/serve.py; runs started with `prefect deployment run`.

Everything listens on 127.0.0.1; every process started here is stopped by its process group.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.daily import advance
from fauxforce.generators.erp_db import write_erp
from fauxforce.generators.org import Options, generate_org
from fauxforce.mock.org import MockOrg
from fauxforce.mock.server import MockSalesforce
from tests.conftest import postgres_database
from tests.writeback.test_sync import FIELDS as SYNC_FIELDS

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
FLOW_DEPLOYMENTS = (
    "generate-org/daily-changes",
    "medallion-pipeline/hourly",
    "medallion-pipeline/nightly-full-refresh",
    "sync-to-salesforce/sync-to-salesforce",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Prefect:
    """A Prefect server and the processes around it, all on this machine."""

    def __init__(self, tmp: Path) -> None:
        self.port = _free_port()
        self.api = f"http://127.0.0.1:{self.port}/api"
        self.tmp = tmp
        self.env = {
            **os.environ,
            "PREFECT_HOME": str(tmp / "prefect-home"),
            "PREFECT_API_URL": self.api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_WORKER_QUERY_SECONDS": "2",
            "PREFECT_RUNNER_POLL_FREQUENCY": "2",
            "PREFECT_CLI_COLORS": "false",
            "FAUXFORCE_LANDING_DIR": str(tmp / "landing"),
            "FAUXFORCE_WAREHOUSE_URL": f"duckdb:///{tmp / 'warehouse.duckdb'}",
        }
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, *args: str, log: str) -> subprocess.Popen[bytes]:
        out = (self.tmp / log).open("wb")
        process = subprocess.Popen(
            list(args), cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        assert process.poll() is not None

    def cli(self, *args: str, timeout: float = 240) -> str:
        result = subprocess.run(
            [str(BIN / "prefect"), *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        assert result.returncode == 0, f"prefect {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def post(self, path: str, body: dict) -> list[dict]:  # type: ignore[type-arg]
        response = httpx.post(f"{self.api}{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    def wait_healthy(self, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.api}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"prefect server did not answer on {self.api} within {seconds}s")

    def run(self, deployment: str, seconds: float = 600) -> dict:  # type: ignore[type-arg]
        """Start a run of a deployment, wait for that run (not a scheduled one that may start meanwhile) to end,
        and return it. A scheduled run of the same deployment may hold the warehouse first; this one then waits
        for it, hence the generous deadline."""
        out = self.cli("deployment", "run", deployment)
        found = re.search(r"UUID: ([0-9a-f-]{36})", out)
        assert found, out
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            response = httpx.get(f"{self.api}/flow_runs/{found.group(1)}", timeout=30)
            response.raise_for_status()
            run: dict = response.json()  # type: ignore[type-arg]
            if run["state_type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                return run
            time.sleep(2)
        raise AssertionError(f"{deployment}: run {found.group(1)} did not end within {seconds}s")

    def scheduled_runs(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for dep in self.post("/deployments/filter", {}):
            runs = self.post(
                "/flow_runs/filter",
                {
                    "deployments": {"id": {"any_": [dep["id"]]}},
                    "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
                },
            )
            found[dep["name"]] = len(runs)
        return found


@pytest.fixture
def prefect(tmp_path: Path) -> Iterator[Prefect]:
    p = Prefect(tmp_path)
    try:
        server = p.start(
            str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(p.port), log="server.log"
        )
        p.wait_healthy()
        yield p
    finally:
        for process in reversed(p.processes):
            p.stop(process)
    assert server.poll() is not None


def gold_as_of(p: Prefect) -> dt.date:
    wh = Warehouse(p.env["FAUXFORCE_WAREHOUSE_URL"])
    try:
        with wh.engine.connect() as conn:
            value = conn.exec_driver_sql("SELECT as_of_date FROM gold.run_context").scalar_one()
            assert conn.exec_driver_sql("SELECT count(*) FROM gold.fact_opportunity").scalar_one() > 0
        return value  # type: ignore[no-any-return]
    finally:
        wh.dispose()


@pytest.mark.slow
def test_deployments_run_on_a_worker_and_when_served(prefect: Prefect) -> None:
    p = prefect
    p.cli("work-pool", "create", "fauxforce", "--type", "process")
    p.cli("--no-prompt", "deploy", "--all")
    worker = p.start(
        str(BIN / "prefect"), "worker", "start", "--pool", "fauxforce", "--install-policy", "never", log="worker.log"
    )

    # The landing folder starts where the deployment's first run would leave it: the full export of
    # 2026-06-30 (written here, in-process, to keep the suite short); the deployments take it from there.
    advance(
        Path(p.env["FAUXFORCE_LANDING_DIR"]),
        seed=42,
        scale=0.1,
        start=dt.date(2025, 6, 30),
        first_day=dt.date(2026, 6, 30),
    )
    for deployment in ("generate-org/daily-changes", "medallion-pipeline/hourly"):
        run = p.run(deployment)
        assert run["state_type"] == "COMPLETED", (deployment, run["state"])
    assert gold_as_of(p) == dt.date(2026, 7, 1)
    landing = Path(p.env["FAUXFORCE_LANDING_DIR"])
    assert (landing / "salesforce" / "Opportunity.csv").exists() and (landing / "2026-07-01").is_dir()

    scheduled = p.scheduled_runs()
    assert set(scheduled) == {d.split("/")[1] for d in FLOW_DEPLOYMENTS}
    assert all(n > 0 for n in scheduled.values()), scheduled
    p.stop(worker)

    # Switching from the work pool to serve.py: the pool's deployments go, serve.py registers its own.
    p.cli("--no-prompt", "deployment", "delete", "--all")
    served = p.start(str(BIN / "python"), "deployments/serve.py", log="serve.log")
    log = p.tmp / "serve.log"
    deadline = time.monotonic() + 90
    while "deployments are being served" not in log.read_text(errors="replace"):
        assert served.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.5)
    for deployment in ("generate-org/daily-changes", "medallion-pipeline/hourly"):
        assert p.run(deployment)["state_type"] == "COMPLETED", deployment
    assert gold_as_of(p) == dt.date(2026, 7, 2)
    p.stop(served)


@pytest.mark.slow
def test_the_hourly_deployment_reads_its_sources_from_the_environment(prefect: Prefect) -> None:
    """The deployment passes no source parameters: a worker whose environment says Salesforce and an ERP
    database reads those (here the mock org and PostgreSQL), not the landing folder, which does not exist."""
    p = prefect
    options = Options(out=p.tmp / "org", seed=3, scale=0.01, days=60, as_of=dt.date(2026, 6, 30))
    generate_org(options)
    org = MockOrg.from_landing(options.out, options)
    for name, kind in SYNC_FIELDS.items():  # what the shipped sync.yaml writes, created on Account
        entry = {"name": name, "label": name, "type": kind, "nillable": True, "createable": True, "updateable": True}
        org.objects["Account"].fields.append(entry)
    with MockSalesforce(org, p.tmp / "certs") as mock, postgres_database() as erp_url:
        write_erp(erp_url, options)
        c = mock.credentials
        p.env |= {
            "FAUXFORCE_CRM_SOURCE": "salesforce",
            "FAUXFORCE_ERP_SOURCE": "erp-sql",
            "FAUXFORCE_ERP_URL": erp_url,
            "FAUXFORCE_LANDING_DIR": str(p.tmp / "no-landing-folder"),
            "SALESFORCE_USERNAME": c.username,
            "SALESFORCE_PASSWORD": c.password,
            "SALESFORCE_SECURITY_TOKEN": c.security_token,
            "SALESFORCE_LOGIN_URL": mock.instance_url,
            "SALESFORCE_CA_BUNDLE": str(mock.keys.ca_file),
        }
        p.cli("work-pool", "create", "fauxforce", "--type", "process")
        p.cli("--no-prompt", "deploy", "--name", "hourly")
        p.cli("--no-prompt", "deploy", "--name", "sync-to-salesforce")
        p.start(
            str(BIN / "prefect"),
            "worker",
            "start",
            "--pool",
            "fauxforce",
            "--install-policy",
            "never",
            log="worker.log",
        )
        run = p.run("medallion-pipeline/hourly")
        assert run["state_type"] == "COMPLETED", (run["state"], (p.tmp / "worker.log").read_text(errors="replace"))
        # then gold goes back to the org: each Account with ERP orders gets its lifetime value and last order
        run = p.run("sync-to-salesforce/sync-to-salesforce")
        assert run["state_type"] == "COMPLETED", (run["state"], (p.tmp / "worker.log").read_text(errors="replace"))
        synced = [r for r in org.objects["Account"].records if r.get("Last_Order_Date__c")]
        assert synced and all(r["Lifetime_Value_Tier__c"] for r in synced)
    assert not (p.tmp / "no-landing-folder").exists()
    wh = Warehouse(p.env["FAUXFORCE_WAREHOUSE_URL"])
    try:
        with wh.engine.connect() as conn:
            sources = dict(
                conn.exec_driver_sql(
                    "SELECT source, sum(row_count) FROM meta.ingested_files GROUP BY source"
                ).fetchall()
            )
            opportunities = conn.exec_driver_sql("SELECT count(*) FROM silver.opportunity").scalar_one()
            orders = conn.exec_driver_sql("SELECT count(*) FROM silver.sales_orders").scalar_one()
    finally:
        wh.dispose()
    assert set(sources) == {"salesforce", "erp-sql"}, sources
    assert opportunities == len(org.objects["Opportunity"].records)
    assert orders == len(pd.read_csv(options.out / "erp" / "sales_orders.csv"))
