"""Country names as the world writes them → ISO 3166-1, from pycountry's data.

A value is matched without regard to case, accents, dots and spacing against, in this order: the ISO
alpha-2 and alpha-3 codes and the English names (short, official and common), the names in every
language pycountry carries a translation for (`Deutschland`, `Alemania`, `Perú`, `日本`), and a few
English usages that are not ISO names (`UK`, `England`, `Holland`). Translations are read only when a
value is not found in English, and once per process.
"""

from __future__ import annotations

import gettext
import os
import re
import unicodedata
from functools import cache

import pycountry

# Everyday English names that ISO does not list (a code or name of one of ISO's countries would be found).
USAGE = {
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "america": "US",
    "united states of america": "US",
    "holland": "NL",
    "the netherlands": "NL",
    "russia": "RU",
    "south korea": "KR",
    "north korea": "KP",
}


def normalise(value: str) -> str:
    """`  U.S.A. ` → `usa`, `Perú` → `peru`: case, accents, dots and spacing removed."""
    text = unicodedata.normalize("NFKD", value.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).replace(".", "")
    return re.sub(r"\s+", " ", text).strip()


def _names(country: object) -> list[str]:
    return [v for v in (getattr(country, a, None) for a in ("name", "official_name", "common_name")) if v]


@cache
def _english() -> dict[str, str]:
    found: dict[str, str] = {}
    for country in pycountry.countries:
        for value in (country.alpha_2, country.alpha_3, *_names(country)):
            found.setdefault(normalise(value), country.alpha_2)
    for alias, code in USAGE.items():
        found.setdefault(normalise(alias), code)
    return found


@cache
def _translated() -> dict[str, str]:
    found: dict[str, str] = {}
    for language in sorted(os.listdir(pycountry.LOCALES_DIR)):
        try:
            translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        except OSError:
            continue
        for country in pycountry.countries:
            for name in _names(country):
                found.setdefault(normalise(translation.gettext(name)), country.alpha_2)
    return found


def code(value: str) -> str | None:
    """The ISO alpha-2 code of a country name, local name or code; None if it names no country."""
    key = normalise(value)
    if not key:
        return None
    return _english().get(key) or _translated().get(key)


@cache
def name(alpha_2: str) -> str:
    """The country's everyday English name: `US` → `United States`, `BO` → `Bolivia`, `TW` → `Taiwan`."""
    country = pycountry.countries.get(alpha_2=alpha_2)
    return str(getattr(country, "common_name", None) or country.name) if country else alpha_2
