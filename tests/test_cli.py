"""`fauxforce generate` and `run` as a user runs them: summary, one-line errors, nothing half-written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fauxforce.cli import main
from fauxforce.generators import org as org_module

SMALL = ["--scale", "0.01", "--days", "60"]


def run(*args: str, cwd: Path | None = None, **env_vars: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), **env_vars}
    return subprocess.run(
        [sys.executable, "-m", "fauxforce.cli", *args], capture_output=True, text=True, cwd=cwd, env=env, check=False
    )


def test_generate_writes_the_layout_and_prints_a_summary(tmp_path: Path) -> None:
    out = tmp_path / "landing"
    result = run("generate", "--out", str(out), *SMALL)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # not a terminal: no progress display
    assert "salesforce/Opportunity" in result.stdout and f"to {out}" in result.stdout
    assert (out / "salesforce" / "Account.csv").exists() and (out / "erp" / "customers.csv").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 42 and manifest["scale"] == 0.01 and manifest["as_of"] == "2026-06-30"
    assert set(manifest["files"]) == {p.relative_to(out).as_posix() for p in out.rglob("*.csv")}


def test_quiet_prints_nothing(tmp_path: Path) -> None:
    result = run("generate", "--out", str(tmp_path / "o"), "--quiet", *SMALL)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_a_reader_that_goes_away_ends_the_output_quietly(tmp_path: Path) -> None:
    """`fauxforce generate | head -1`: the summary meets a closed pipe; no traceback, and the files are whole."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    args = [sys.executable, "-m", "fauxforce.cli", "generate", "--out", str(tmp_path / "o"), *SMALL]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the summary is printed: generating takes longer than this
    stderr = proc.stderr.read()
    assert proc.wait() == 1 and stderr == "", stderr
    assert json.loads((tmp_path / "o" / "manifest.json").read_text())["scale"] == 0.01


def test_out_defaults_to_the_landing_dir_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAUXFORCE_LANDING_DIR", str(tmp_path / "from-env"))
    assert main(["generate", "--quiet", *SMALL]) == 0
    assert (tmp_path / "from-env" / "manifest.json").exists()


def test_parquet_export(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    assert main(["generate", "--out", str(tmp_path / "p"), "--format", "parquet", "--quiet", *SMALL]) == 0
    table = pq.read_table(tmp_path / "p" / "salesforce" / "Opportunity.parquet")
    assert str(table.schema.field("CreatedDate").type) == "timestamp[ms, tz=UTC]"  # Parquet has no seconds unit
    assert str(table.schema.field("Amount").type) == "decimal128(18, 2)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scale", "-1"], "--scale must be between 0.01 and 100"),
        (["--scale", "0"], "--scale must be between"),
        (["--format", "xml"], "argument --format: invalid choice: 'xml' (choose from 'csv', 'parquet')"),
        (["--export", "weekly"], "argument --export: invalid choice: 'weekly' (choose from 'full', 'changes')"),
        (["--days", "0"], "--days must be at least 1"),
        (["--as-of", "2026-02-30"], "not a date"),
        (["--since", "2026-01-01"], "--since only applies to --export changes"),
        (["--start", "2027-01-01"], "is after --as-of"),
    ],
)
def test_bad_arguments_get_a_one_line_error(tmp_path: Path, args: list[str], message: str) -> None:
    result = run("generate", "--out", str(tmp_path / "o"), *args)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


def test_non_empty_folder_needs_overwrite_and_overwrite_replaces_only_an_export(tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "thesis.txt").write_text("mine")
    result = run("generate", "--out", str(out), *SMALL)
    assert result.returncode == 2 and "pass --overwrite" in result.stderr
    result = run("generate", "--out", str(out), "--overwrite", *SMALL)  # not ours: refused, kept
    assert result.returncode == 2 and "did not write" in result.stderr and len(result.stderr.splitlines()) == 1
    assert (out / "thesis.txt").read_text() == "mine"
    (out / "thesis.txt").unlink()
    assert main(["generate", "--out", str(out), "--quiet", *SMALL]) == 0
    (out / "stray.txt").write_text("left in an export")
    assert main(["generate", "--out", str(out), "--overwrite", "--quiet", *SMALL]) == 0  # ours: replaced
    assert not (out / "stray.txt").exists() and (out / "manifest.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]  # no temporary folders left


def test_new_folders_get_the_users_umask(tmp_path: Path) -> None:
    out = tmp_path / "landing"
    args = ["generate", "--out", str(out), "--quiet", *SMALL]
    code = f"import os; os.umask(0o022); from fauxforce.cli import main; main({args!r})"
    subprocess.run([sys.executable, "-c", code], check=True)
    assert out.stat().st_mode & 0o777 == 0o755


def test_unwritable_target_is_a_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("generate", "--out", str(blocker / "landing"), *SMALL)
    assert result.returncode != 0 and "cannot write" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    result = run("generate", "--out", str(blocker), *SMALL)
    assert result.returncode == 2 and "is not a folder" in result.stderr


def test_a_failure_midway_leaves_no_half_written_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "previous.txt").write_text("old export")
    (out / "manifest.json").write_text('{"generator": "fauxforce"}')  # an export of ours, so --overwrite may replace it

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(org_module.inventory, "plan", fail)
    with pytest.raises(RuntimeError, match="disk on fire"):
        org_module.generate(out, scale=0.01, days=60, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "previous.txt"]  # the old export is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]


def test_progress_is_drawn_on_a_terminal() -> None:
    import io

    from fauxforce.core.progress import Progress

    stream = io.StringIO()
    progress = Progress("generating", 4, enabled=True, stream=stream)
    progress.advance(2, "10 rows")
    progress.finish()
    assert "[###############---------------] 2/4 10 rows" in stream.getvalue()
    quiet = io.StringIO()
    Progress("generating", 4, stream=quiet).advance(1)  # StringIO is not a terminal
    assert quiet.getvalue() == ""


@pytest.mark.parametrize(
    ("setting", "args", "message"),
    [
        ({"FAUXFORCE_CRM_SOURCE": "bogus"}, [], "FAUXFORCE_CRM_SOURCE: Input should be 'csv' or 'salesforce'"),
        ({"FAUXFORCE_FISCAL_YEAR_START_MONTH": "13"}, [], "FAUXFORCE_FISCAL_YEAR_START_MONTH: Input should be less"),
        ({}, ["--warehouse", "mysql://u@h/db"], "dialect 'mysql' has no bulk-load path"),
        ({}, ["--warehouse", "not-a-url"], "not-a-url is not a database URL"),
        ({}, ["--warehouse", "data/file.sqlite"], "data/file.sqlite is not a database URL"),
        ({}, ["--warehouse", "postgres://u:Pw-9x@127.0.0.1/db"], "write postgresql+psycopg://"),
        ({}, ["--warehouse", "duckdb:////proc/none/x.duckdb"], "cannot create /proc/none for the DuckDB warehouse"),
        ({}, ["--warehouse", "postgresql+psycopg://u:Pw-9x@127.0.0.1:1/db"], "cannot reach the warehouse"),
        ({}, ["--warehouse", "data/Silver.duckdb"], "a DuckDB warehouse cannot be called Silver.duckdb"),
        ({}, ["--landing", "nowhere"], "landing folder nowhere does not exist"),
        ({"dotenv": "FAUXFORCE_CRM_SOURCE=\xff\n"}, [], ".env is not UTF-8 text"),
    ],
)
def test_configuration_errors_are_one_line_before_any_work(
    tmp_path: Path, setting: dict[str, str], args: list[str], message: str
) -> None:
    (tmp_path / "landing").mkdir()
    if "dotenv" in setting:
        (tmp_path / ".env").write_bytes(setting.pop("dotenv").encode("latin-1"))
    warehouse = ["--warehouse", "duckdb:///wh.duckdb"] if "--warehouse" not in args else []
    result = run("run", "--landing", "landing", *warehouse, *args, cwd=tmp_path, **setting)
    assert result.returncode != 0 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert "Pw-9x" not in result.stderr
    assert not (tmp_path / "wh.duckdb").exists()  # stopped before the warehouse file was made


def test_run_prints_its_summary_and_a_failure_in_one_line(tmp_path: Path) -> None:
    """No Prefect chatter by default (`--verbose` brings it back), and a failure inside a flow ends in one
    line of ours with no traceback on the console."""
    assert run("generate", "--out", "landing", "--quiet", *SMALL, cwd=tmp_path).returncode == 0
    ok = run("run", "--landing", "landing", "--warehouse", "wh.duckdb", cwd=tmp_path)  # a plain path is that file
    assert ok.returncode == 0, ok.stderr
    assert (
        (tmp_path / "wh.duckdb").is_file()
        and "report report.html" in ok.stdout
        and (tmp_path / "report.html").is_file()
    )
    assert "checks passed" in ok.stdout and len(ok.stdout.splitlines()) <= 8
    assert ok.stderr == ""  # no Prefect chatter, and nothing a library prints as the process ends
    unreachable = "postgresql+psycopg://postgres@127.0.0.1:1/erp"  # nothing listens on port 1
    failed = run(
        "run",
        "--landing",
        "landing",
        "--warehouse",
        "duckdb:///wh.duckdb",
        "--erp-source",
        "erp-sql",
        cwd=tmp_path,
        FAUXFORCE_ERP_URL=unreachable,
    )
    assert failed.returncode == 1 and "Traceback" not in failed.stderr, failed.stderr
    assert "Encountered exception" not in failed.stderr  # said once, by our own line
    assert failed.stderr.splitlines()[-1].startswith("fauxforce run: error: cannot reach the ERP database")
    verbose = run("run", "--verbose", "--landing", "landing", "--warehouse", "duckdb:///wh.duckdb", cwd=tmp_path)
    assert verbose.returncode == 0 and " INFO " in verbose.stderr


def test_a_terminal_gets_one_progress_bar_per_layer(tmp_path: Path) -> None:
    """On a terminal (a pseudo-terminal here) each layer draws a bar; piped output has none (above)."""
    import pty

    assert run("generate", "--out", "landing", "--quiet", *SMALL, cwd=tmp_path).returncode == 0
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    args = [sys.executable, "-m", "fauxforce.cli", "run", "--landing", "landing", "--warehouse", "wh.duckdb"]
    proc = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=follower, text=True)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    out, _ = proc.communicate(timeout=300)
    os.close(leader)
    assert proc.returncode == 0 and "checks passed" in out
    drawn = seen.decode("utf-8", "replace")
    for layer, last in (("bronze", "26/26"), ("silver", "26/26"), ("gold  ", "checks")):
        assert f"\r{layer} [" in drawn and last in drawn, layer
    assert "#" * 30 in drawn  # bars reach the end
