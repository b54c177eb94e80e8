"""Value parsers: the formats they read, and that no text makes them raise."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from fauxforce.silver import parse


def test_ids_become_18_characters_and_bad_checksums_are_flagged() -> None:
    values, bad = parse.parse_id(
        pd.Series(["0015g000003ywsC", "0015g000003ywsCAAQ", "0015g000003ywsCAAX", "000000000000000AAA", None, "x!"])
    )
    assert values.tolist()[:2] == ["0015g000003ywsCAAQ", "0015g000003ywsCAAQ"]
    assert bad.tolist() == [False, False, True, False, False, True]
    assert values.isna().tolist()[2:] == [True, True, True, True]  # the all-zero Id means "no lookup"


def test_formats() -> None:
    ts, bad = parse.parse_ts(
        pd.Series(["2025-06-30T08:36:38.000Z", "2025-06-30T08:36:38.000+0000", "2025-06-30 08:36:38"])
    )
    assert not bad.any() and ts.nunique() == 1 and str(ts.dt.tz) == "UTC"
    phone, _ = parse.parse_phone(pd.Series(["(415) 555-0134", "+44 20 555-1234"]))
    assert phone.tolist() == ["+14155550134", "+44205551234"]
    name, code, _ = parse.parse_country(pd.Series(["United States", "usa", "DE"]))
    assert name.tolist() == ["United States", "United States", "Germany"] and code.tolist() == ["US", "US", "DE"]
    flags, bad = parse.parse_bool(pd.Series(["true", "FALSE", "1", "0", "maybe"]))
    assert flags.tolist()[:4] == [True, False, True, False] and bad.tolist() == [False] * 4 + [True]
    money, bad = parse.parse_money(pd.Series(["1234.50", "$1,234.50", "12.345.6"]))
    assert money.tolist()[:2] == [1234.5, 1234.5] and bad.tolist() == [False, False, True]
    emails, bad = parse.parse_email(pd.Series([" Ann@Example.COM ", "not-an-email"]))
    assert emails.tolist()[0] == "ann@example.com" and bad.tolist() == [False, True]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=40)), min_size=1, max_size=20))
def test_no_text_makes_a_parser_raise(values: list[str | None]) -> None:
    series = pd.Series(values, dtype="object")
    for name, parser in parse.PARSERS.items():
        parsed, bad = parser(series)
        assert len(parsed) == len(series) and len(bad) == len(series), name
        # an unreadable value is never also returned as a value
        assert not (bad & parsed.notna().to_numpy()).any(), name
    name, code, bad = parse.parse_country(series)
    assert len(name) == len(code) == len(bad) == len(series)
