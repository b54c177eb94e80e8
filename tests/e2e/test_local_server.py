"""`fauxforce run` without a Prefect API starts a local Prefect server once and reuses it: a real server on
127.0.0.1, real runs recorded in it, stopped by `fauxforce server stop` or after its idle time, never during
a run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from fauxforce.core import local_server
from fauxforce.generators.org import Options, generate_org
from tests.conftest import AS_OF

FAUXFORCE = Path(sys.executable).parent / "fauxforce"


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local-server") / "landing"
    generate_org(Options(out=out, seed=3, scale=0.01, as_of=AS_OF))
    return out


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAUXFORCE_", "PREFECT_API_URL"))}
    return env | {"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"} | extra


def _run(landing: Path, warehouse: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        [str(FAUXFORCE), "run", "--landing", str(landing), "--warehouse", str(warehouse), "--report", "none"],
        env=env,
        cwd=warehouse.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _flow_runs(api: str, name: str) -> int:
    flows = httpx.post(f"{api}/flows/filter", json={"flows": {"name": {"any_": [name]}}}, timeout=10).json()
    body = {"flows": {"id": {"any_": [f["id"] for f in flows]}}}
    return int(httpx.post(f"{api}/flow_runs/count", json=body, timeout=10).json())


def _gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(p == pid for p, _ in local_server.supervisors()):
            return True
        time.sleep(0.2)
    return False


def test_runs_reuse_one_local_server_until_it_is_stopped(landing: Path, tmp_path: Path) -> None:
    home = tmp_path / "prefect-home"
    first = _run(landing, tmp_path / "a.duckdb", _env(home))
    state = json.loads((home / local_server.STATE).read_text())
    shown = re.search(r"^prefect (http://127\.0\.0\.1:\d+)/runs \(a local server", first, re.M)
    assert shown and f"{shown.group(1)}/api" == state["url"], first
    second = _run(landing, tmp_path / "a.duckdb", _env(home))
    assert json.loads((home / local_server.STATE).read_text()) == state  # the same server, not a new one
    assert f"prefect {shown.group(1)}/runs" in second
    assert _flow_runs(state["url"], "medallion-pipeline") == 2  # both runs are recorded in it

    # A configured API wins: a run with PREFECT_API_URL starts nothing in its own home and reports there.
    other = tmp_path / "other-home"
    third = _run(landing, tmp_path / "a.duckdb", _env(other, PREFECT_API_URL=state["url"]))
    assert not (other / local_server.STATE).exists() and "a local server" not in third
    assert _flow_runs(state["url"], "medallion-pipeline") == 3

    stopped = subprocess.run(
        [str(FAUXFORCE), "server", "stop"], env=_env(home), capture_output=True, text=True, timeout=60
    )
    assert stopped.stdout.strip() == f"stopped the local Prefect server at {shown.group(1)}"
    assert _gone(state["pid"], within=30) and not local_server.healthy(state["url"])
    assert not (home / local_server.STATE).exists()
    status = subprocess.run(
        [str(FAUXFORCE), "server", "status"], env=_env(home), capture_output=True, text=True, timeout=60
    )
    assert status.stdout.startswith("no local Prefect server is running")


def test_a_temporary_server_leaves_nothing_running(landing: Path, tmp_path: Path) -> None:
    home = tmp_path / "prefect-home"
    out = _run(landing, tmp_path / "t.duckdb", _env(home, FAUXFORCE_PREFECT_SERVER="temporary"))
    assert "a local server" not in out and out.splitlines()[-1].startswith("warehouse ")
    assert not (home / local_server.STATE).exists()
    assert not [pid for pid, h in local_server.supervisors() if h == home]


def test_the_server_stops_when_idle_but_never_while_a_run_holds_it(tmp_path: Path) -> None:
    home = tmp_path / "prefect-home"
    home.mkdir()
    with local_server.in_use(home, idle=1.0) as server:
        assert server.started and local_server.healthy(server.url)
        time.sleep(3 * local_server.POLL)  # far past its idle time, inside a run
        assert local_server.healthy(server.url)
        with local_server.in_use(home, idle=1.0) as again:  # a second run meanwhile reuses it
            assert again.url == server.url and not again.started
    assert _gone(server.pid, within=30)  # the runs ended: idle, it stops by itself
    assert not local_server.healthy(server.url) and not (home / local_server.STATE).exists()


def test_flows_on_the_local_server_send_no_heartbeats() -> None:
    """Nothing reads heartbeats on the local server (it runs no services), and each flow's end waits for its
    heartbeat thread: the run's settings turn them off, and only for the run."""
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    from fauxforce.cli import _prefect_api
    from fauxforce.core.settings import resolve

    with temporary_settings(restore_defaults={PREFECT_API_URL}):  # no API configured (the suite's harness sets one)
        before = get_current_settings().flows.heartbeat_frequency
        assert before is not None  # Prefect's default sends them
        with _prefect_api(resolve()) as ui:
            inside = get_current_settings()
            assert ui and inside.api.url == f"{ui}/api" and local_server.healthy(inside.api.url)
            assert inside.flows.heartbeat_frequency is None
        assert get_current_settings().flows.heartbeat_frequency == before and not get_current_settings().api.url
