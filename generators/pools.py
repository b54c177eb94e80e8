"""Value pools that Faker fills once per run; columns are drawn from them with numpy (DESIGN §3).

Faker costs 10–50 µs a call, so it fills small pools (names, streets) and numpy draws whole
columns from them. Every pool is seeded on its own, so adding one does not shift another.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from faker import Faker

from generators import geo
from generators.columns import pool, rng_for

NAMES_PER_COUNTRY = 400
STREETS_PER_COUNTRY = 300
ROOTS = 1600


@dataclass(frozen=True)
class Pools:
    first_names: pa.StringArray  # NAMES_PER_COUNTRY per country, countries in geo.COUNTRIES order
    last_names: pa.StringArray
    streets: pa.StringArray  # STREETS_PER_COUNTRY per country
    company_roots: pa.StringArray
    postal_codes: pa.StringArray  # POSTAL_CODES_PER_CITY per city
    words: pa.StringArray  # lower-case words for descriptions


def _seeded(fake: Faker, seed: int, key: str) -> Faker:
    """Re-seed a Faker for one pool, so each pool's values depend on the seed and its key only."""
    fake.seed_instance(int(rng_for(seed, "faker", str(fake.locales[0]), key).integers(2**31)))
    return fake


def _distinct(draw: object, n: int, limit: int) -> list[str]:
    """Up to n distinct values from a Faker method, in first-drawn order."""
    seen: dict[str, None] = {}
    for _ in range(limit):
        seen.setdefault(str(draw()), None)  # type: ignore[operator]
        if len(seen) == n:
            break
    values = list(seen)
    while len(values) < n:  # a locale with few distinct values: repeat them
        values.append(values[len(values) % max(1, len(seen))])
    return values


def build(seed: int) -> Pools:
    first: list[str] = []
    last: list[str] = []
    streets: list[str] = []
    roots: dict[str, None] = {}
    for country in geo.COUNTRIES:
        fake = Faker(country.locale, use_weighting=False)
        names = _seeded(fake, seed, "names")
        first += _distinct(names.first_name, NAMES_PER_COUNTRY, NAMES_PER_COUNTRY * 4)
        last_names = _distinct(names.last_name, NAMES_PER_COUNTRY, NAMES_PER_COUNTRY * 4)
        last += last_names
        addresses = _seeded(fake, seed, "streets")
        streets += [addresses.street_address().replace("\n", " ") for _ in range(STREETS_PER_COUNTRY)]
        for name in last_names:
            if name.isalpha():
                roots.setdefault(name, None)
    words = _seeded(Faker("en_US", use_weighting=False), seed, "words")
    for w in _distinct(words.word, ROOTS, ROOTS * 6):
        if len(roots) >= ROOTS:
            break
        roots.setdefault(w.capitalize(), None)
    codes = [c for city in geo.postal_codes(rng_for(seed, "postal")) for c in city]
    return Pools(
        first_names=pool(first),
        last_names=pool(last),
        streets=pool(streets),
        company_roots=pool(sorted(roots)),
        postal_codes=pool(codes),
        words=pool(_distinct(words.word, 300, 3000)),
    )


def per_country(country: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Indexes into a pool laid out as `size` entries per country."""
    return country * size + rng.integers(0, size, len(country))
