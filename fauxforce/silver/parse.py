"""Text → typed values, a whole column at a time. A parser never raises: it returns the typed values
and a mask of the inputs it could not read (those become quarantine reasons, never silent nulls)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from generators.ids import checksum

Parsed = tuple[pd.Series, pd.Series]  # values, unreadable (input present but not understood)

COUNTRY_NAME: dict[str, str] = {}  # lower-case name, alias or ISO code → name
COUNTRY_CODE: dict[str, str] = {}  # → ISO 3166-1 alpha-2
for _code, _name, *_aliases in (
    ("US", "United States", "USA", "U.S.", "U.S.A.", "United States of America", "America"),
    ("CA", "Canada"),
    ("GB", "United Kingdom", "UK", "U.K.", "Great Britain", "England", "Scotland", "Wales"),
    ("DE", "Germany", "Deutschland"),
    ("FR", "France"),
    ("AU", "Australia"),
    ("NL", "Netherlands", "The Netherlands", "Holland"),
    ("IE", "Ireland"),
    ("ES", "Spain", "España"),
    ("IT", "Italy", "Italia"),
    ("CH", "Switzerland"),
    ("SE", "Sweden"),
    ("JP", "Japan"),
    ("CN", "China"),
    ("IN", "India"),
    ("BR", "Brazil"),
    ("MX", "Mexico"),
    ("SG", "Singapore"),
    ("NZ", "New Zealand"),
):
    for _alias in (_code, _name, *_aliases):
        COUNTRY_NAME[_alias.lower()] = _name
        COUNTRY_CODE[_alias.lower()] = _code

ALL_ZERO_ID = "000000000000000"
TRUE = {"true", "1", "yes", "y", "t"}
FALSE = {"false", "0", "no", "n", "f"}


def _flag(mask: pd.Series) -> pd.Series:
    """A plain boolean mask (missing counts as False)."""
    return mask.fillna(False).astype(bool)


def _text(s: pd.Series) -> pd.Series:
    out = s.astype("string").str.strip()
    return out.mask(out == "")


def parse_text(s: pd.Series) -> Parsed:
    out = _text(s)
    return out, pd.Series(False, index=s.index, dtype=bool)


def parse_id(s: pd.Series) -> Parsed:
    """15- or 18-character Salesforce Ids, stored as 18; the all-zero Id means no lookup."""
    text = _text(s)
    text = text.mask(_flag(text.str[:15] == ALL_ZERO_ID))
    present = _flag(text.notna())
    readable = present & _flag(text.str.fullmatch(r"[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?"))
    out = text.where(readable)
    bad = present & ~readable
    if readable.any():
        ids = text[readable]
        body = ids.str[:15].to_numpy(dtype="S15")
        computed = checksum(np.frombuffer(body.tobytes(), dtype=np.uint8).reshape(-1, 15))
        computed = np.ascontiguousarray(computed).view("S3").ravel()
        given = ids.str[15:].to_numpy(dtype="S3")
        short = given == b""
        wrong = ~short & (given != computed)
        if short.any():
            out[ids.index[short]] = np.char.add(body[short], computed[short]).astype(str)
        out[ids.index[wrong]] = pd.NA
        bad[ids.index[wrong]] = True
    return out, bad


def parse_email(s: pd.Series) -> Parsed:
    text = _text(s).str.lower()
    bad = _flag(text.notna()) & ~_flag(text.str.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s.]+"))
    return text.mask(bad), bad


def parse_phone(s: pd.Series) -> Parsed:
    """Digits with a leading `+country`; ten-digit numbers without one are North American (+1)."""
    text = _text(s)
    digits = text.str.replace(r"[^\d+]", "", regex=True)
    plus = _flag(digits.str.startswith("+"))
    digits = digits.str.replace("+", "", regex=False)
    ten = _flag(digits.str.len() == 10)
    out = ("+" + digits).where(plus, ("+1" + digits).where(ten, digits))
    bad = _flag(text.notna()) & ~_flag(digits.str.len() >= 7)
    return out.mask(bad), bad


def parse_country(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """A country name or code → (canonical name, ISO code, unreadable)."""
    text = _text(s)
    key = text.str.lower()
    name = key.map(COUNTRY_NAME).astype("string")
    code = key.map(COUNTRY_CODE).astype("string")
    return name, code, _flag(text.notna()) & _flag(name.isna())


def parse_bool(s: pd.Series) -> Parsed:
    text = _text(s).str.lower()
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[_flag(text.isin(TRUE))] = True
    out[_flag(text.isin(FALSE))] = False
    return out, _flag(text.notna()) & _flag(out.isna())


def _number(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = _text(s)
    cleaned = text.str.replace(r"^[$€£]|,(?=\d{3}(?:\D|$))", "", regex=True)
    values = pd.to_numeric(cleaned, errors="coerce")
    return values.astype("Float64"), _flag(text.notna()) & _flag(values.isna())


def parse_int(s: pd.Series) -> Parsed:
    values, bad = _number(s)
    fractional = _flag(values != values.round())
    return values.mask(fractional).round().astype("Int64"), bad | fractional


def parse_float(s: pd.Series) -> Parsed:
    return _number(s)


def parse_money(s: pd.Series) -> Parsed:
    values, bad = _number(s)
    return values.round(2), bad


def parse_date(s: pd.Series) -> Parsed:
    text = _text(s)
    values = pd.to_datetime(text.str[:10], format="%Y-%m-%d", errors="coerce")
    return values, _flag(text.notna()) & _flag(values.isna())


def parse_ts(s: pd.Series) -> Parsed:
    """ISO datetimes with `Z`, an offset, or none (taken as UTC), to UTC."""
    text = _text(s)
    values = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    return values, _flag(text.notna()) & _flag(values.isna())


PARSERS: dict[str, Callable[[pd.Series], Parsed]] = {
    "id": parse_id,
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
