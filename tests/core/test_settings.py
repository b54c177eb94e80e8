"""Settings are resolved once, by one function: an argument wins, else the environment, else the default."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from fauxforce.core.settings import resolve
from fauxforce.flows.build_gold import build_gold
from fauxforce.flows.build_silver import build_silver
from fauxforce.flows.load_bronze import load_bronze
from fauxforce.flows.medallion_pipeline import medallion_pipeline

NAMES = (
    "FAUXFORCE_LANDING_DIR",
    "FAUXFORCE_WAREHOUSE_URL",
    "FAUXFORCE_CRM_SOURCE",
    "FAUXFORCE_ERP_SOURCE",
    "FAUXFORCE_CSV_ENCODING",
    "FAUXFORCE_CSV_DELIMITER",
    "FAUXFORCE_FISCAL_YEAR_START_MONTH",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    return monkeypatch


def test_defaults_then_environment_then_arguments(clean_env: pytest.MonkeyPatch) -> None:
    run = resolve()
    assert (run.landing, run.warehouse) == (Path("data/landing"), "duckdb:///data/warehouse.duckdb")
    assert (run.source, run.erp_source, run.encoding, run.delimiter) == ("csv", "csv", None, None)
    assert run.fiscal_year_start_month == 1

    clean_env.setenv("FAUXFORCE_CRM_SOURCE", "salesforce")
    clean_env.setenv("FAUXFORCE_ERP_SOURCE", "erp-sql")
    clean_env.setenv("FAUXFORCE_WAREHOUSE_URL", "postgresql+psycopg://wh@127.0.0.1/wh")
    clean_env.setenv("FAUXFORCE_CSV_DELIMITER", ";")
    clean_env.setenv("FAUXFORCE_FISCAL_YEAR_START_MONTH", "2")
    run = resolve()
    assert (run.source, run.erp_source, run.delimiter) == ("salesforce", "erp-sql", ";")
    assert (run.warehouse, run.fiscal_year_start_month) == ("postgresql+psycopg://wh@127.0.0.1/wh", 2)

    run = resolve(source="csv", erp_source="csv", warehouse="duckdb:///x.duckdb", delimiter="|", landing="in")
    assert (run.source, run.erp_source, run.warehouse, run.delimiter, run.landing) == (
        "csv",
        "csv",
        "duckdb:///x.duckdb",
        "|",
        Path("in"),
    )


def test_a_dotenv_file_is_read(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("FAUXFORCE_CRM_SOURCE=salesforce\nFAUXFORCE_LANDING_DIR=exports\n", encoding="utf-8")
    run = resolve()
    assert (run.source, run.landing) == ("salesforce", Path("exports"))


@pytest.mark.parametrize("flow", [medallion_pipeline, load_bronze, build_silver, build_gold])
def test_flows_leave_every_setting_unset_by_default(flow: object) -> None:
    """A deployment that passes no parameters must get the settings, so no flow may default to a value."""
    params = inspect.signature(flow.fn).parameters  # type: ignore[attr-defined]
    settable = {"landing", "warehouse", "source", "erp_source", "encoding", "delimiter", "fiscal_year_start_month"}
    present = settable & params.keys()
    assert present, flow
    assert {name: params[name].default for name in present} == dict.fromkeys(present)
