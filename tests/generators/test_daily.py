"""The daily export: one simulated day per call, remembered in the landing folder, never written twice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from fauxforce.generators.daily import STATE_FILE, advance, read_state
from fauxforce.generators.org import GenerateError

START, FIRST = dt.date(2026, 1, 1), dt.date(2026, 3, 1)


def test_each_call_writes_the_next_day_and_a_written_day_writes_nothing(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    first = advance(landing, scale=0.01, start=START, first_day=FIRST)
    assert first.days == [FIRST] and first.rows > 0
    assert (landing / "salesforce" / "Opportunity.csv").exists() and (landing / "erp" / "sales_orders.csv").exists()
    second = advance(landing, scale=0.01, start=START, first_day=FIRST)
    assert second.days == [dt.date(2026, 3, 2)] and (landing / "2026-03-02").is_dir()
    again = advance(landing, scale=0.01, start=START, first_day=FIRST, day=dt.date(2026, 3, 2))
    assert again.days == [] and again.rows == 0
    before = sorted(p.relative_to(landing) for p in landing.rglob("*"))
    assert advance(landing, scale=0.01, start=START, first_day=FIRST, day=FIRST).days == []
    assert sorted(p.relative_to(landing) for p in landing.rglob("*")) == before
    skipped = advance(landing, scale=0.01, start=START, first_day=FIRST, day=dt.date(2026, 3, 5))
    assert skipped.days == [dt.date(2026, 3, 3), dt.date(2026, 3, 4), dt.date(2026, 3, 5)]
    assert read_state(landing).last_day == "2026-03-05"  # type: ignore[union-attr]
    assert not [p for p in landing.iterdir() if p.name.startswith(".daily-")]  # no temporary folder left


def test_a_folder_of_another_org_or_of_other_files_is_refused(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    advance(landing, scale=0.01, start=START, first_day=FIRST)
    with pytest.raises(GenerateError, match=r"seed 42, scale 0\.01"):
        advance(landing, seed=7, scale=0.01, start=START, first_day=FIRST)
    other = tmp_path / "other"
    (other / "salesforce").mkdir(parents=True)
    with pytest.raises(GenerateError, match=f"no {STATE_FILE}"):
        advance(other, scale=0.01, start=START, first_day=FIRST)
