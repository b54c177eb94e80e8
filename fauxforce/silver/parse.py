"""Text → typed values, a whole column at a time. A parser never raises: it returns the typed values
and a mask of the inputs it could not read (those become quarantine reasons, never silent nulls).

What exports really hold is read as the value it means: `NULL`, `null`, `N/A` and `#N/A` as no
value; booleans as true/false in any case, 1/0, yes/no; timestamps as ISO 8601 with `Z`, an offset
(`+0000`, `+00:00`) or none (UTC), with a space instead of `T`, or as US spreadsheet text
(`02/23/26 08:55 PM`; slashes are always month/day/year); dates likewise, with or without a time
part, or as `YYYYMMDD` integers; numbers with a currency symbol or code and correctly grouped
thousands separators (`$1,234.50`, `1,234 EUR`, `(1,234.50)`), but never a comma that could be a
decimal point (`1,5` is unreadable, not 15).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa

from fauxforce.core.salesforce import checksum
from fauxforce.silver import countries

Parsed = tuple[pd.Series, pd.Series]  # values, unreadable (input present but not understood)

ALL_ZERO_ID = "000000000000000"
TRUE = {"true", "1", "yes", "y", "t"}
FALSE = {"false", "0", "no", "n", "f"}
NULL_TOKENS = {"null", "n/a", "#n/a"}  # compared lower-case, after trimming
US_FORMATS = (  # month/day/year, as US spreadsheets write them
    "%m/%d/%y %I:%M %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%y %I:%M:%S %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y %H:%M",
    "%m/%d/%Y",
    "%m/%d/%y",
)


def _flag(mask: pd.Series) -> pd.Series:
    """A plain boolean mask (missing counts as False)."""
    return mask.fillna(False).astype(bool)


def _text(s: pd.Series) -> pd.Series:
    out = s.astype("string").str.strip()
    return out.mask(_flag((out == "") | out.str.lower().isin(NULL_TOKENS)))


def parse_text(s: pd.Series) -> Parsed:
    out = _text(s)
    return out, pd.Series(False, index=s.index, dtype=bool)


def parse_id(s: pd.Series) -> Parsed:
    """15- or 18-character Salesforce Ids, stored as 18; the all-zero Id means no lookup. A value that is not
    an Id (hashed, cut short) is kept as it came, trimmed, and reported.

    The checksums are computed on the Arrow string buffer itself (one row of bytes per Id), not per value."""
    text = _text(s)
    text = text.mask(_flag(text.str[:15] == ALL_ZERO_ID))
    present = _flag(text.notna())
    readable = present & _flag(text.str.fullmatch(r"[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?"))
    out = text.where(readable)
    bad = present & ~readable
    if readable.any():
        ids = text[readable]
        chars = pa.array(ids.array)
        if isinstance(chars, pa.ChunkedArray):
            chars = chars.combine_chunks()
        chars = chars.cast(pa.large_string())  # ASCII only, as the pattern says
        starts = np.frombuffer(chars.buffers()[1], dtype=np.int64)[chars.offset : chars.offset + len(chars) + 1]
        data = np.frombuffer(chars.buffers()[2], dtype=np.uint8)
        lengths = np.diff(starts)
        if (lengths == 18).all():  # the usual export: the bytes are one row of 18 per Id, as they lie
            matrix = data[starts[0] : starts[-1]].reshape(-1, 18)
            body, given = matrix[:, :15], matrix[:, 15:]
        else:
            rows = starts[:-1, None]
            body = data[rows + np.arange(15)]
            given = data[np.minimum(rows + 15 + np.arange(3), len(data) - 1)]
        computed = checksum(np.ascontiguousarray(body))
        short = lengths == 15
        wrong = ~short & (given != computed).any(axis=1)
        if short.any():
            full = np.concatenate([body[short], computed[short]], axis=1)
            out[ids.index[short]] = np.frombuffer(full.tobytes(), dtype="S18").astype(str)
        if wrong.any():  # an 18-character Id whose case was changed: its checksum says the case
            suffix = np.char.upper(np.frombuffer(given[wrong].tobytes(), dtype="S3"))
            fixed = _recase(np.frombuffer(body[wrong].tobytes(), dtype="S15"), suffix)
            out[ids.index[wrong]] = pd.Series(fixed, dtype="string").to_numpy()
            bad[ids.index[wrong]] = pd.isna(fixed)
    return out.where(~bad, text), bad  # a value that is not an Id is kept as it came, and reported


def _recase(bodies: np.ndarray, suffixes: np.ndarray) -> list[str | None]:
    """18-character Ids with each body letter in the case the checksum encodes; None where none fits."""
    body = np.frombuffer(bodies.tobytes(), dtype=np.uint8).reshape(-1, 15).copy()
    chk = np.frombuffer(suffixes.astype("S3").tobytes(), dtype=np.uint8).reshape(-1, 3)
    bits = np.where(chk >= ord("A"), chk - ord("A"), chk - ord("0") + 26).astype(np.int64)
    upper = ((bits[:, :, None] >> np.arange(5)) & 1).reshape(-1, 15).astype(bool)
    lower_letter = (body >= ord("a")) & (body <= ord("z"))
    upper_letter = (body >= ord("A")) & (body <= ord("Z"))
    body = np.where(upper & lower_letter, body - 32, np.where(~upper & upper_letter, body + 32, body)).astype(np.uint8)
    ok = (checksum(body) == chk).all(axis=1)
    text = np.concatenate([body, chk], axis=1).tobytes().decode("ascii")
    return [text[i * 18 : i * 18 + 18] if ok[i] else None for i in range(len(ok))]


def parse_key(s: pd.Series) -> Parsed:
    """A business key (customer number, SKU, order number): trimmed and upper-case, so `c0000003 ` is `C0000003`."""
    out = _text(s).str.upper()
    return out, pd.Series(False, index=s.index, dtype=bool)


def parse_email(s: pd.Series) -> Parsed:
    """Lower-case; a value that is not an address is kept as it came (lower-case) and reported."""
    text = _text(s).str.lower()
    bad = _flag(text.notna()) & ~_flag(text.str.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s.]+"))
    return text, bad


DEFAULT_REGION = "US"  # where a number written without a country code is taken to be, if the record says nothing
NANP = ("US", "CA")  # the North American Numbering Plan: ten digits, +1


def parse_phone(s: pd.Series, regions: pd.Series | None = None) -> Parsed:
    """E.164 (`+14155550100`) wherever the number can be read; else the text as it came, reported.

    A number with a `+` is international as written; one without is read in its record's country (`regions`:
    ISO codes, such as the record's country column), else the United States. Plain `+digits` and North
    American ten-digit numbers are read directly; everything else (trunk prefixes, `00` exits, other
    countries' national formats) by Google's libphonenumber (`phonenumbers`)."""
    text = _text(s)
    region = pd.Series(DEFAULT_REGION, index=s.index, dtype="string")
    if regions is not None:
        region = regions.astype("string").str.upper().fillna(DEFAULT_REGION)
    digits = text.str.replace(r"[\s().\-/]", "", regex=True)
    plus = _flag(digits.str.fullmatch(r"\+[1-9]\d{7,14}")) & ~_flag(text.str.contains("(0)", regex=False))
    nanp = _flag(region.isin(NANP)) & _flag(digits.str.fullmatch(r"1?[2-9]\d{2}[2-9]\d{6}")) & ~plus
    out = pd.Series(pd.NA, index=s.index, dtype="string")
    out[plus] = digits[plus]
    out[nanp] = "+1" + digits[nanp].str[-10:]
    rest = _flag(text.notna()) & ~plus & ~nanp
    if rest.any():
        pairs = pd.DataFrame({"text": text[rest], "region": region[rest]})
        read = {pair: _libphone(*pair) for pair in set(pairs.itertuples(index=False, name=None))}
        out[rest] = pd.Series([read[p] for p in pairs.itertuples(index=False, name=None)], index=pairs.index)
    bad = rest & _flag(out.isna())
    out[bad] = text[bad]
    return out, bad


def _libphone(text: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(text, region if region in phonenumbers.SUPPORTED_REGIONS else DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def parse_country(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """A country name, local name or code → (English name, ISO code, unreadable); an unreadable value keeps its
    text as the name, with no code."""
    text = _text(s)
    unique = text.dropna().unique()
    codes = {value: countries.code(value) for value in unique}
    code = text.map(codes).astype("string")
    name = code.map(lambda c: countries.name(c) if isinstance(c, str) else pd.NA).astype("string")
    bad = _flag(text.notna()) & _flag(code.isna())
    return name.where(~bad, text), code, bad


def parse_bool(s: pd.Series) -> Parsed:
    text = _text(s).str.lower()
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[_flag(text.isin(TRUE))] = True
    out[_flag(text.isin(FALSE))] = False
    return out, _flag(text.notna()) & _flag(out.isna())


NUMBER = re.compile(
    r"^(?P<neg>-|\()?\s*(?:[$€£]|USD|EUR|GBP)?\s*(?P<sign>-)?"
    r"(?P<digits>\d{1,3}(?:,\d{3})+|\d*)(?P<frac>\.\d+)?"
    r"\s*(?:[$€£]|USD|EUR|GBP)?\s*(?P<close>\))?$"
)


def _number(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = _text(s)
    plain = pd.to_numeric(text, errors="coerce")
    todo = _flag(text.notna()) & _flag(plain.isna())
    if todo.any():  # currency symbols, grouped thousands, accounting brackets
        parts = text[todo].str.extract(NUMBER)
        ok = _flag(parts["digits"].notna()) & ((parts["neg"].fillna("") == "(") == parts["close"].notna())
        ok &= _flag((parts["digits"].str.len() > 0) | parts["frac"].notna())
        number = parts["digits"].str.replace(",", "", regex=False) + parts["frac"].fillna("")
        values = pd.to_numeric(number.where(ok), errors="coerce")
        negative = _flag(parts["neg"].notna()) ^ _flag(parts["sign"].notna())
        plain[todo] = values.where(~negative, -values)
    bad = _flag(text.notna()) & _flag(plain.isna())
    return plain.astype("Float64"), bad


def parse_int(s: pd.Series) -> Parsed:
    values, bad = _number(s)
    fractional = _flag(values != values.round())
    return values.mask(fractional).round().astype("Int64"), bad | fractional


def parse_float(s: pd.Series) -> Parsed:
    return _number(s)


def parse_money(s: pd.Series) -> Parsed:
    values, bad = _number(s)
    return values.round(2), bad


def _us(text: pd.Series, values: pd.Series) -> pd.Series:
    """Fill what ISO parsing left empty from the US spreadsheet formats, one format at a time."""
    for fmt in US_FORMATS:
        todo = _flag(text.notna()) & _flag(values.isna()) & _flag(text.str.contains("/", regex=False))
        if not todo.any():
            break
        found = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        values[todo] = found.dt.tz_localize("UTC") if values.dt.tz is not None else found
    return values


def parse_date(s: pd.Series) -> Parsed:
    """ISO dates (a time part is dropped), `YYYYMMDD` integers, US `MM/DD/YYYY`."""
    text = _text(s)
    compact = _flag(text.str.fullmatch(r"\d{8}"))  # YYYYMMDD
    iso = text.str[:10].where(~compact, text.str[:4] + "-" + text.str[4:6] + "-" + text.str[6:])
    values = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
    values = values.where(~_flag(text.str.contains("/", regex=False)))  # slashes: never the first 10 characters
    values = _us(text, values).dt.normalize()
    return values, _flag(text.notna()) & _flag(values.isna())


def parse_ts(s: pd.Series) -> Parsed:
    """ISO datetimes with `Z`, an offset, or none (taken as UTC), and US spreadsheet text, to UTC."""
    text = _text(s)
    values = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    values = _us(text, values)
    return values, _flag(text.notna()) & _flag(values.isna())


PARSERS: dict[str, Callable[[pd.Series], Parsed]] = {
    "id": parse_id,
    "key": parse_key,
    "text": parse_text,
    "email": parse_email,
    "phone": parse_phone,
    "bool": parse_bool,
    "int": parse_int,
    "float": parse_float,
    "money": parse_money,
    "date": parse_date,
    "ts": parse_ts,
}
