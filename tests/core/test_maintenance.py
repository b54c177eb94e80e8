"""Maintenance windows: read once, weekly and daily spans in UTC; find the one a run falls in, and the next."""

from __future__ import annotations

import datetime as dt

import pytest

from fauxforce.core.maintenance import MaintenanceError, active, parse, systems_of, upcoming

UTC = dt.UTC
SAT_2330 = dt.datetime(2026, 12, 5, 23, 30, tzinfo=UTC)  # a Saturday


def test_the_three_forms_and_which_systems_a_run_uses() -> None:
    windows = parse("warehouse=sun 02:00-04:00; crm=sat 23:00-01:00;erp=2026-12-06T22:00/2026-12-07T02:00 ; ")
    assert [w.system for w in windows] == ["warehouse", "crm", "erp"]
    assert systems_of("csv", "csv") == {"warehouse"}
    assert systems_of("salesforce", "erp-sql") == {"warehouse", "crm", "erp"}
    # Saturday 23:30 is inside the CRM's window that runs past midnight, and only for runs that read the CRM
    hit = active(windows, {"warehouse", "crm"}, SAT_2330)
    assert hit is not None and hit[0].system == "crm" and hit[1] == dt.datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
    assert active(windows, {"warehouse"}, SAT_2330) is None
    sunday_3 = dt.datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    assert active(windows, {"warehouse"}, sunday_3)[0].system == "warehouse"  # type: ignore[index]
    assert active(windows, {"warehouse"}, sunday_3.replace(hour=4)) is None  # the end is not inside
    once = dt.datetime(2026, 12, 6, 23, 0, tzinfo=UTC)
    assert active(windows, {"erp"}, once)[1] == dt.datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # type: ignore[index]
    assert active(windows, {"erp"}, once + dt.timedelta(days=7)) is None  # once means once


def test_the_next_window_and_a_daily_one() -> None:
    windows = parse("warehouse=sun 02:00-04:00;crm=daily 01:00-01:30")
    nxt = upcoming(windows, SAT_2330)
    assert nxt is not None and (nxt[0].system, nxt[1].hour, nxt[1].day) == ("crm", 1, 6)
    always = parse("warehouse=daily 00:00-00:00")  # a whole day, every day
    assert active(always, {"warehouse"}, SAT_2330) is not None
    assert upcoming(parse(""), SAT_2330) is None and parse(None) == []
    assert upcoming(parse("erp=2020-01-01T00:00/2020-01-02T00:00"), SAT_2330) is None  # in the past


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("db=sun 02:00-04:00", "system one of warehouse, crm, erp"),
        ("warehouse", "write system=when"),
        ("crm=sunday 02:00-04:00", "a weekday and hours"),
        ("crm=sun 25:00-04:00", "not a time of day"),
        ("erp=2026-12-07T02:00/2026-12-06T22:00", "ends before it starts"),
        ("erp=tomorrow/later", "not two ISO instants"),
    ],
)
def test_a_window_that_cannot_be_read_is_one_line(text: str, message: str) -> None:
    with pytest.raises(MaintenanceError, match=message) as e:
        parse(text)
    assert "\n" not in str(e.value)
