"""A run inside a maintenance window of a system it uses ends Cancelled, naming the window, touching nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from fauxforce.generators.org import Options, generate_org
from tests.test_cli import run

ALWAYS = "daily 00:00-00:00"  # a whole day, every day: whenever the test runs, it is inside


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("maintenance") / "landing"
    generate_org(Options(out=out, scale=0.01, days=30))
    return out


def test_a_warehouse_window_cancels_the_run_before_it_touches_anything(
    landing: Path, tmp_path: Path, prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fauxforce.flows.medallion_pipeline import medallion_pipeline

    monkeypatch.setenv("FAUXFORCE_MAINTENANCE", f"warehouse={ALWAYS}")
    state = medallion_pipeline(
        landing=str(landing), warehouse=f"duckdb:///{tmp_path / 'wh.duckdb'}", report="none", return_state=True
    )
    assert state.is_cancelled()
    assert state.message and "inside the warehouse maintenance window daily 00:00-00:00 (UTC)" in state.message
    assert list(tmp_path.iterdir()) == []  # no warehouse file, no lock file, no report


def test_a_crm_window_matters_only_to_runs_that_read_the_crm(
    landing: Path, tmp_path: Path, prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fauxforce.flows.medallion_pipeline import medallion_pipeline

    monkeypatch.setenv("FAUXFORCE_MAINTENANCE", f"crm={ALWAYS};erp={ALWAYS}")
    state = medallion_pipeline(  # the CRM and ERP come from files: their systems are not touched
        landing=str(landing), warehouse=f"duckdb:///{tmp_path / 'wh.duckdb'}", report="none", return_state=True
    )
    assert state.is_completed()


def test_a_window_declared_in_a_prefect_variable(landing: Path, tmp_path: Path, prefect_harness: None) -> None:
    from prefect.variables import Variable

    from fauxforce.flows.medallion_pipeline import medallion_pipeline

    Variable.set("fauxforce_maintenance", f"warehouse={ALWAYS}", overwrite=True)
    try:
        state = medallion_pipeline(
            landing=str(landing), warehouse=f"duckdb:///{tmp_path / 'wh.duckdb'}", report="none", return_state=True
        )
    finally:
        Variable.unset("fauxforce_maintenance")
    assert state.is_cancelled() and "warehouse maintenance window" in (state.message or "")


def test_the_cli_says_so_in_one_line_and_doctor_and_status_show_the_window(landing: Path, tmp_path: Path) -> None:
    env = {"FAUXFORCE_MAINTENANCE": f"warehouse={ALWAYS}"}
    cancelled = run("run", "--landing", str(landing), "--warehouse", "wh.duckdb", cwd=tmp_path, **env)
    assert cancelled.returncode == 3 and cancelled.stdout == "" and cancelled.stderr.count("\n") == 1
    assert cancelled.stderr.startswith("fauxforce run: cancelled: not run: inside the warehouse maintenance window")
    doctor = run("doctor", "--landing", str(landing), "--warehouse", "wh.duckdb", cwd=tmp_path, **env)
    assert doctor.returncode == 0 and "warn  maintenance  inside the warehouse maintenance window" in doctor.stdout
    ahead = {"FAUXFORCE_MAINTENANCE": "erp=2099-01-01T00:00/2099-01-02T00:00"}
    assert run("run", "--landing", str(landing), "--warehouse", "wh.duckdb", cwd=tmp_path, **ahead).returncode == 0
    status = run("status", "--warehouse", "wh.duckdb", cwd=tmp_path, **ahead)
    assert "maintenance next: erp 2099-01-01 00:00 – 2099-01-02 00:00 UTC" in status.stdout
    bad = run("status", "--warehouse", "wh.duckdb", cwd=tmp_path, FAUXFORCE_MAINTENANCE="db=sun 01:00-02:00")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "system one of warehouse, crm, erp" in bad.stderr
