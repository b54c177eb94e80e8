"""Prefect commands run from the project folder keep their state in the project's `.prefect/`, not ~/.prefect."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_prefect_config_set_stays_in_the_project(tmp_path: Path) -> None:
    project, home = tmp_path / "project", tmp_path / "home"
    project.mkdir()
    home.mkdir()
    shutil.copy(ROOT / "prefect.toml", project / "prefect.toml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {"HOME": str(home)}
    prefect = Path(sys.executable).with_name("prefect")
    subprocess.run(
        [prefect, "config", "set", "PREFECT_API_URL=http://127.0.0.1:4299/api"],
        cwd=project,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert "127.0.0.1:4299" in (project / ".prefect" / "profiles.toml").read_text(encoding="utf-8")
    assert not (home / ".prefect").exists()  # the user's own Prefect home is untouched
    shown = subprocess.run(
        [prefect, "config", "view"], cwd=project, env=env, check=True, capture_output=True, text=True, timeout=120
    ).stdout
    assert "PREFECT_SERVER_ANALYTICS_ENABLED='False' (from prefect.toml)" in shown
    # an explicit PREFECT_HOME still wins
    mine = tmp_path / "mine"
    shown = subprocess.run(
        [prefect, "config", "view"],
        cwd=project,
        env=env | {"PREFECT_HOME": str(mine)},
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert f"PREFECT_HOME='{mine}' (from env)" in shown and "127.0.0.1:4299" not in shown
