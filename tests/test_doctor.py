"""`fauxforce doctor`: every check a run needs, in about a second, one line each; `run` stops on the same."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fauxforce.core.runlock import RunLock
from fauxforce.generators.org import Options, generate_org
from fauxforce.mock.org import MockOrg
from fauxforce.mock.server import MockSalesforce
from tests.conftest import salesforce_auth_modes
from tests.test_cli import run


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a small export in landing/."""
    root = tmp_path_factory.mktemp("doctor")
    generate_org(Options(out=root / "landing", scale=0.01, days=60))
    return root


@pytest.fixture(scope="module")
def mock(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockSalesforce]:
    with MockSalesforce(MockOrg.from_landing(project / "landing"), tmp_path_factory.mktemp("certs")) as server:
        yield server


def lines(result: subprocess.CompletedProcess[str]) -> dict[str, tuple[str, str]]:
    """check name → (status, detail) from doctor's output."""
    out = {}
    for line in result.stdout.splitlines()[:-1]:
        status, name, detail = line.split(maxsplit=2)
        out[name] = (status, detail)
    return out


def test_a_ready_project_passes_and_nothing_is_written(project: Path) -> None:
    result = run("doctor", "--landing", "landing", "--warehouse", "new/wh.duckdb", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    found = lines(result)
    assert list(found) == [
        "settings",
        "validation",
        "maintenance",
        "warehouse",
        "run-lock",
        "landing",
        "salesforce",
        "erp",
        "prefect",
    ]
    assert found["warehouse"] == (
        "ok",
        "duckdb:///new/wh.duckdb: DuckDB, not there yet; the first run creates new/wh.duckdb",
    )
    assert found["landing"][0] == "ok" and "26 objects" in found["landing"][1]
    assert found["salesforce"][0] == found["erp"][0] == "skip"
    assert result.stdout.splitlines()[-1].startswith("ready to run (")
    assert not (project / "new").exists()


def test_a_warehouse_open_in_another_program_is_named_and_stops_the_run(project: Path) -> None:
    """An analyst's open DuckDB connection would make the run fail on DuckDB's file lock: said before any work."""
    assert (
        run("run", "--landing", "landing", "--warehouse", "wh.duckdb", "--report", "none", cwd=project).returncode == 0
    )
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect('wh.duckdb', read_only=True); "
            "print('open', flush=True); time.sleep(60)",
        ],
        cwd=project,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "open"
        doctor = run("doctor", "--landing", "landing", "--warehouse", "wh.duckdb", cwd=project)
        assert doctor.returncode == 1
        status, detail = lines(doctor)["warehouse"]
        assert status == "fail" and "is open in another program" in detail and f"PID {reader.pid}" in detail
        started = time.monotonic()
        stopped = run("run", "--landing", "landing", "--warehouse", "wh.duckdb", cwd=project)
        assert stopped.returncode == 1 and stopped.stdout == "" and stopped.stderr.count("\n") == 1
        assert "is open in another program" in stopped.stderr and time.monotonic() - started < 20
    finally:
        reader.kill()
        reader.wait()


def test_a_run_in_progress_is_a_warning_not_a_failure(project: Path) -> None:
    url = f"duckdb:///{project / 'busy.duckdb'}"
    with RunLock(url):
        result = run("doctor", "--landing", "landing", "--warehouse", url, cwd=project)
    assert result.returncode == 0
    status, detail = lines(result)["run-lock"]
    assert status == "warn" and "a run holds the warehouse: fauxforce run, pid" in detail


def test_salesforce_is_a_login_and_nothing_more(project: Path, mock: MockSalesforce) -> None:
    env = {"SALESFORCE_LOGIN_URL": mock.instance_url, "SALESFORCE_CA_BUNDLE": str(mock.keys.ca_file)}
    env |= salesforce_auth_modes(mock)["password"]
    calls = mock.api_calls
    ok = run(
        "doctor", "--source", "salesforce", "--landing", "landing", "--warehouse", "wh2.duckdb", cwd=project, **env
    )
    assert ok.returncode == 0, ok.stdout
    status, detail = lines(ok)["salesforce"]
    assert status == "ok" and "(password); no data read" in detail
    assert mock.api_calls == calls  # a login is not an API request: nothing was read
    bad = run(
        "doctor",
        "--source",
        "salesforce",
        "--landing",
        "landing",
        "--warehouse",
        "wh2.duckdb",
        cwd=project,
        **(env | {"SALESFORCE_PASSWORD": "wrong-Pw-9x"}),
    )
    assert bad.returncode == 1 and "wrong-Pw-9x" not in bad.stdout + bad.stderr
    assert lines(bad)["salesforce"][0] == "fail" and "Salesforce refused the password login" in bad.stdout


def test_an_unreachable_prefect_api_and_a_missing_erp_url_fail(project: Path) -> None:
    result = run(
        "doctor",
        "--landing",
        "landing",
        "--warehouse",
        "wh3.duckdb",
        "--erp-source",
        "erp-sql",
        cwd=project,
        PREFECT_API_URL="http://127.0.0.1:1/api",  # nothing listens on port 1
    )
    assert result.returncode == 1
    found = lines(result)
    assert found["erp"] == ("fail", "FAUXFORCE_ERP_SOURCE is erp-sql but FAUXFORCE_ERP_URL is not set")
    assert found["prefect"][0] == "fail" and "does not answer" in found["prefect"][1]
    assert result.stdout.splitlines()[-1].startswith("2 problems found in ")
