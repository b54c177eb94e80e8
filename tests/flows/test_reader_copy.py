"""Reading the warehouse safely: a reader holding the reader copy open never stops a run, and sees the new
data once it reconnects. (Holding the warehouse file itself open stops a run with one line: test_doctor.)"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import duckdb

from fauxforce.generators.daily import advance
from tests.test_cli import run

COUNT = "SELECT count(*) FROM meta.load_log"  # grows with every batch a run applies
READER = f"""
import duckdb, sys
old = duckdb.connect('reader.duckdb', read_only=True)
print(old.execute('{COUNT}').fetchone()[0], flush=True)
sys.stdin.readline()  # held open until the test says the run is over
print(old.execute('{COUNT}').fetchone()[0], flush=True)
"""


def test_an_open_reader_of_the_copy_does_not_break_a_run(tmp_path: Path) -> None:
    start, first = dt.date(2026, 1, 1), dt.date(2026, 3, 1)
    advance(tmp_path / "landing", scale=0.01, start=start, first_day=first)
    env = {"FAUXFORCE_READER_COPY": "reader.duckdb"}
    args = ("run", "--landing", "landing", "--warehouse", "wh.duckdb", "--report", "none")
    first_run = run(*args, cwd=tmp_path, **env)
    assert first_run.returncode == 0, first_run.stderr
    assert "reader copy reader.duckdb" in first_run.stdout and (tmp_path / "reader.duckdb").is_file()
    reader = subprocess.Popen(
        [sys.executable, "-c", READER], cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert reader.stdin is not None and reader.stdout is not None
    try:
        before = int(reader.stdout.readline())
        for day in range(2, 6):  # a few days of changes, each with new opportunities
            advance(tmp_path / "landing", scale=0.01, start=start, first_day=first, day=first + dt.timedelta(days=day))
        second = run(*args, cwd=tmp_path, **env)
        assert second.returncode == 0, second.stderr  # the open reader held the copy, never the warehouse
        reader.stdin.write("\n")
        reader.stdin.flush()
        kept = int(reader.stdout.readline())
    finally:
        reader.kill()
        reader.wait()
    fresh = duckdb.connect(str(tmp_path / "reader.duckdb"), read_only=True)
    now = fresh.execute(COUNT).fetchone()[0]  # type: ignore[index]
    fresh.close()
    assert kept == before < now  # the open connection kept its copy; a new one sees the new run's data
    assert not list(tmp_path.glob(".reader.duckdb.*"))  # no temporary copy left behind
