"""Value parsers: the formats they read, and that no text makes them raise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from fauxforce.core.catalogue import BY_NAME
from fauxforce.core.salesforce import is_valid, to_18
from fauxforce.silver import parse
from fauxforce.silver.conform import conform, not_in


class Parents:
    """Lookup targets held in memory: table → keys (a table not listed was never extracted)."""

    def __init__(self, keys: dict[str, pa.Array]) -> None:
        self.keys = keys

    def missing(self, table: str, values: pa.Array) -> np.ndarray | None:
        keys = self.keys.get(table)
        return None if keys is None else not_in(values, keys)

    def prefixes(self, table: str) -> set[str]:
        return {str(k)[:3] for k in self.keys.get(table, pa.array([], type=pa.string())).to_pylist()}


def test_ids_become_18_characters_and_bad_checksums_are_flagged() -> None:
    values, bad = parse.parse_id(
        pd.Series(["0015g000003ywsC", "0015g000003ywsCAAQ", "0015g000003ywsCAAX", "000000000000000AAA", None, "x!"])
    )
    assert values.tolist()[:2] == ["0015g000003ywsCAAQ", "0015g000003ywsCAAQ"]
    assert bad.tolist() == [False, False, True, False, False, True]
    assert values.isna().tolist()[3:5] == [True, True]  # the all-zero Id means "no lookup"
    assert values.tolist()[2] == "0015g000003ywsCAAX" and values.tolist()[5] == "x!"  # not Ids: kept, reported


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
        if name in ("id", "email", "phone"):  # an unreadable Id, address or number is kept as it came, trimmed
            kept = series.astype("string").str.strip()
            assert (parsed[bad].str.lower() == kept[bad].str.lower()).all(), name
        else:  # an unreadable value is never also returned as a value
            assert not (bad & parsed.notna().to_numpy()).any(), name
    name, code, bad = parse.parse_country(series)
    assert len(name) == len(code) == len(bad) == len(series)
    assert not (bad & code.notna().to_numpy()).any()  # an unreadable country keeps its text, never a code


# ---- every bronze row ends in silver, in quarantine, or as an older duplicate ---------------------

GOOD = {
    "id": ["0085g000003RY1qAAG", "0085g000003RY1q", "0085G000003RY1QAAG", "0085g000003RY1rAAG"],
    "ts": ["2026-01-02T03:04:05.000Z", "2026-01-02 03:04:05", "01/02/26 03:04 AM"],
    "date": ["2026-01-02", "20260102", "01/02/2026"],
    "money": ["12.50", "$1,250.00", "(5.00)"],
    "float": ["50", "12.5"],
    "bool": ["true", "0", ""],
    "text": ["Prospecting", "Closed Won"],
}


def _cell(kind: str) -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), st.sampled_from(GOOD.get(kind, ["x"])), st.text(max_size=12))


@st.composite
def bronze_batch(draw: st.DrawFn) -> pd.DataFrame:
    table = BY_NAME["opportunity_history"]
    n = draw(st.integers(0, 12))
    data: dict[str, list[object]] = {c.source: [draw(_cell(c.type)) for _ in range(n)] for c in table.columns}
    data["_issue"] = [
        draw(st.sampled_from([None, None, "ragged_row: 3 fields where the header has 12"])) for _ in range(n)
    ]
    data["_raw"] = [None if i is None else '["a", "b", "c"]' for i in data["_issue"]]
    data["_batch_id"] = [1] * n
    data["_row_number"] = list(range(1, n + 1))
    data["_line_number"] = list(range(2, n + 2))
    data["_source_uri"] = ["file:///x/salesforce/OpportunityHistory.csv"] * n
    return pd.DataFrame(data)


@settings(max_examples=80, deadline=None)
@given(bronze_batch())
def test_every_bronze_row_is_loaded_quarantined_or_an_older_duplicate(raw: pd.DataFrame) -> None:
    parents = pa.array(["0065g000002pmXgAAI"], type=pa.string())
    out = conform(BY_NAME["opportunity_history"], raw, Parents({"opportunity": parents}))
    assert out.rows_in == len(raw)
    loaded, quarantined = set(out.good["_row_number"]), set(out.quarantined["_row_number"])
    assert not loaded & quarantined and len(loaded) == len(out.good) and len(quarantined) == len(out.quarantined)
    assert loaded | quarantined <= set(raw["_row_number"])
    # every quarantined row says where it is and why
    assert all(r.startswith("salesforce/OpportunityHistory.csv line ") for r in out.quarantined["reason"])
    broken = set(raw.loc[raw["_issue"].notna(), "_row_number"])
    assert broken <= quarantined


def test_countries_as_the_world_writes_them() -> None:
    values = [
        "Deutschland",
        "Alemania",
        " perú ",
        "U.S.A.",
        "UK",
        "Cayman Islands",
        "ECUADOR",
        "日本",
        "Atlantis",
        None,
    ]
    name, code, bad = parse.parse_country(pd.Series(values))
    assert code.tolist()[:8] == ["DE", "DE", "PE", "US", "GB", "KY", "EC", "JP"]
    assert name.tolist()[:4] == ["Germany", "Germany", "Peru", "United States"]
    assert bad.tolist() == [False] * 8 + [True, False]
    assert name.tolist()[8] == "Atlantis" and pd.isna(code.tolist()[8])  # kept as it came, without a code


def test_phone_numbers_in_their_records_country() -> None:
    values = pd.Series(
        ["(415) 555-0134", "030 1234567", "+44 (0)20 7946 0958", "0044 20 7946 0958", "11", "02 9374 4000"]
    )
    regions = pd.Series(["US", "DE", None, "GB", "US", "AU"])
    phone, bad = parse.parse_phone(values, regions)
    assert phone.tolist() == ["+14155550134", "+49301234567", "+442079460958", "+442079460958", "11", "+61293744000"]
    assert bad.tolist() == [False] * 4 + [True, False]


ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@st.composite
def id_cell(draw: st.DrawFn) -> str | None:
    """A cell of an Id column as exports write it: 18 or 15 characters, re-cased, padded, zero, or not an Id."""
    body = draw(st.text(alphabet=ALNUM, min_size=15, max_size=15))
    full = to_18(body)
    kind = draw(st.sampled_from(["18", "18", "15", "recased", "bad suffix", "padded", "zero", "none", "text"]))
    if kind == "15":
        return body
    if kind == "recased":
        return full.swapcase() if draw(st.booleans()) else full.upper()
    if kind == "bad suffix":
        return body + draw(st.text(alphabet=ALNUM, min_size=3, max_size=3))
    if kind == "padded":
        return f"  {full} "
    if kind == "zero":
        return "000000000000000" + draw(st.sampled_from(["", "AAA"]))
    if kind == "none":
        return None
    return draw(st.text(max_size=20))


@settings(max_examples=150, deadline=None)
@given(st.lists(id_cell(), min_size=1, max_size=30))
def test_ids_match_the_checksum_one_value_at_a_time(cells: list[str | None]) -> None:
    """The whole-column Id parser (checksums on the Arrow buffer) agrees with the checksum of each value alone."""
    values, bad = parse.parse_id(pd.Series(cells, dtype="object"))
    for cell, value, unreadable in zip(cells, values.tolist(), bad.tolist(), strict=True):
        text = (cell or "").strip()
        if not text or text.lower() in parse.NULL_TOKENS or text[:15] == "000000000000000":
            assert pd.isna(value) and not unreadable, cell
        elif unreadable:
            assert value == text and not (len(text) == 15 and text.isalnum() and text.isascii()), cell
        else:
            assert is_valid(value), cell
            assert value[:15] == text if len(text) == 15 else value.lower() == text.lower(), cell
