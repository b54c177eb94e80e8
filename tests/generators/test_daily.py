"""The daily export: one simulated day per call, remembered in the landing folder, never written twice."""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from fauxforce.core.runlock import folder_lock
from fauxforce.generators import scenarios
from fauxforce.generators.daily import LOCK_FILE, STATE_FILE, advance, read_state
from fauxforce.generators.org import GenerateError, Options, generate_org

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
    with pytest.raises(GenerateError, match="not a fauxforce export"):
        advance(other, scale=0.01, start=START, first_day=FIRST)
    assert not (other / STATE_FILE).exists()


def test_a_full_export_of_the_same_org_is_continued_day_by_day(tmp_path: Path) -> None:
    """`make demo` wrote data/landing with `fauxforce generate`; the scheduled daily export goes on from there."""
    landing = tmp_path / "landing"
    generate_org(Options(out=landing, seed=42, scale=0.01, start=START, as_of=FIRST))
    before = (landing / "salesforce" / "Account.csv").read_bytes()
    result = advance(landing, scale=0.01, start=START, first_day=FIRST)
    assert result.days == [dt.date(2026, 3, 2)] and (landing / "2026-03-02" / "salesforce").is_dir()
    assert (landing / "salesforce" / "Account.csv").read_bytes() == before  # the full export is left as it was
    assert read_state(landing).last_day == "2026-03-02"  # type: ignore[union-attr]
    other = tmp_path / "other"
    generate_org(Options(out=other, seed=42, scale=0.02, start=START, as_of=FIRST))
    with pytest.raises(GenerateError, match=r"another org \(seed 42, scale 0\.02"):
        advance(other, scale=0.01, start=START, first_day=FIRST)
    assert not (other / STATE_FILE).exists()


def test_every_day_keeps_the_scenario_its_first_day_was_planted_with(tmp_path: Path) -> None:
    """A rep who leaves on the second day: that day's changes deactivate her and hand her accounts over; the
    folder refuses a day asked for without the scenario, or with another."""
    landing = tmp_path / "landing"
    leaves = (scenarios.RepLeaves(start=dt.date(2026, 3, 2)),)
    first = advance(landing, scale=0.01, start=START, first_day=FIRST, planted=leaves)
    state = read_state(landing)
    assert first.days == [FIRST] and state is not None and [e["effect"] for e in state.scenarios] == ["rep_leaves"]
    rep, successor = state.scenarios[0]["rep"], state.scenarios[0]["successor"]
    accounts = pd.read_csv(landing / "salesforce" / "Account.csv", usecols=["Id", "OwnerId"])
    hers = set(accounts[accounts.OwnerId == rep].Id)
    assert hers
    for wrong in ((), (scenarios.RepLeaves(start=dt.date(2026, 3, 3)),)):
        with pytest.raises(GenerateError, match="planted with rep_leaves"):
            advance(landing, scale=0.01, start=START, first_day=FIRST, planted=wrong)
    assert advance(landing, scale=0.01, start=START, first_day=FIRST, planted=leaves).days == [dt.date(2026, 3, 2)]
    day = landing / "2026-03-02" / "salesforce"
    users = pd.read_csv(day / "User.csv", usecols=["Id", "IsActive"])
    assert users.set_index("Id").IsActive[rep] == False  # noqa: E712 - read as a boolean column
    changed = pd.read_csv(day / "Account.csv", usecols=["Id", "OwnerId"]).set_index("Id").OwnerId
    assert hers <= set(changed.index) and (changed[list(hers)] == successor).all()
    # the same effects, defaults and all, on a folder a full export planted them in
    adopted = tmp_path / "adopted"
    generate_org(Options(out=adopted, scale=0.01, start=START, as_of=FIRST, scenarios=leaves))
    assert advance(adopted, scale=0.01, start=START, first_day=FIRST, planted=leaves).days == [dt.date(2026, 3, 2)]
    with pytest.raises(GenerateError, match="planted with rep_leaves, not no scenario"):
        advance(adopted, scale=0.01, start=START, first_day=FIRST)


def test_two_writers_at_once_write_one_day_each(tmp_path: Path) -> None:
    """A scheduled run and a manual one on the same folder: the second waits for the first, then writes the day
    after. Without the lock both would read the same state and write (and move) the same day folder."""
    landing = tmp_path / "landing"
    advance(landing, scale=0.01, start=START, first_day=FIRST)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: advance(landing, scale=0.01, start=START, first_day=FIRST), range(2)))
    assert sorted(r.days for r in results) == [[dt.date(2026, 3, 2)], [dt.date(2026, 3, 3)]]
    assert read_state(landing).last_day == "2026-03-03"  # type: ignore[union-attr]
    # A held lock makes the writer wait until it is released.
    pool = ThreadPoolExecutor(1)
    with folder_lock(landing / LOCK_FILE):
        waiting = pool.submit(advance, landing, scale=0.01, start=START, first_day=FIRST)
        time.sleep(0.5)
        assert not waiting.done()
    assert waiting.result(timeout=60).days == [dt.date(2026, 3, 4)]
    pool.shutdown()
