"""The wheel works outside the checkout: built from the sources, installed in a fresh virtual environment,
then `fauxforce generate` and `fauxforce run` into DuckDB from a folder that has no project files.

No network: the wheel is built with the dev environment's build backend (no build isolation), and the
fresh environment takes the third-party dependencies from the dev environment's site-packages through a
`.pth` line (which, unlike a site folder, runs none of that folder's own `.pth` files, so the editable
install of the checkout is not seen there).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{' '.join(map(str, args))}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.mark.slow
def test_the_wheel_installs_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns(".venv", ".git", "data", "build", "dist", "*.egg-info", "__pycache__", ".*cache")
    shutil.copytree(ROOT, src, symlinks=True, ignore=ignore)
    dist = tmp_path / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    _run(*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, src, cwd=tmp_path)
    (wheel,) = dist.glob("fauxforce-*.whl")

    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"fauxforce", wheel.name.split("-py3")[0] + ".dist-info"}
    for room in ("connectors/salesforce.py", "generators/org.py", "flows/medallion_pipeline.py", "core/ledger.py"):
        assert f"fauxforce/{room}" in names, room
    gold = [n for n in names if n.startswith("fauxforce/warehouse_sql/gold/") and n.endswith(".sql")]
    assert len(gold) == len(list((ROOT / "warehouse_sql" / "gold").glob("*.sql")))
    assert "fauxforce/warehouse_sql/silver/customer_xref.sql" in names
    assert any(n.startswith("fauxforce/warehouse_sql/tests/") for n in names)
    assert "fauxforce/report/report.html.j2" in names  # the report's template is package data too

    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    purelib = Path(
        _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path).strip()
    )
    (purelib / "_fauxforce_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run(*pip, "--python", python, "install", "--no-deps", "--no-index", "--ignore-installed", wheel, cwd=tmp_path)

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "FAUXFORCE_", "VIRTUAL_ENV"))}
    env |= {
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    }
    env.pop("PREFECT_API_URL", None)
    where = _run(
        python,
        "-c",
        "import fauxforce.flows, fauxforce.core.resources as r; print(r.files(r.PACKAGE))",
        cwd=work,
        env=env,
    )
    assert Path(where.strip()).is_relative_to(purelib), where
    for generic in ("flows", "connectors", "generators", "warehouse_sql"):
        probe = subprocess.run([python, "-c", f"import {generic}"], cwd=work, env=env, capture_output=True, check=False)
        assert probe.returncode != 0, f"{generic} is importable as a top-level name"

    fauxforce = venv / "bin" / "fauxforce"
    _run(fauxforce, "generate", "--scale", "0.01", "--days", "60", "--out", "landing", "--quiet", cwd=work, env=env)
    out = _run(fauxforce, "run", "--landing", "landing", "--warehouse", "duckdb:///warehouse.duckdb", cwd=work, env=env)
    assert "checks passed" in out, out
    assert "report report.html" in out and (work / "report.html").stat().st_size > 1_000_000  # beside the warehouse
    con = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    try:
        tables = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'gold'"
            ).fetchall()
        }
        assert {"fact_opportunity", "headline_kpis", "customer_360"} <= tables
        assert con.execute("SELECT count(*) FROM silver.customer_xref").fetchall()[0][0] > 0
    finally:
        con.close()
