"""Value pools that Faker fills once per run; columns are drawn from them with numpy (docs/generator.md).

Faker costs 10–50 µs a call, so it fills small pools (names, streets) and numpy draws whole
columns from them. Every pool is seeded on its own, so adding one does not shift another.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from faker import Faker

from fauxforce.generators import geo, vocab
from fauxforce.generators.columns import pool, rng_for

NAMES_PER_COUNTRY = 400
STREETS_PER_COUNTRY = 300
ROOTS = 1600


@dataclass(frozen=True)
class Pools:
    first_names: pa.StringArray  # per country (geo.COUNTRIES order): NAMES_PER_COUNTRY / 2 female, then male
    last_names: pa.StringArray
    streets: pa.StringArray  # STREETS_PER_COUNTRY per country
    company_roots: pa.StringArray
    postal_codes: pa.StringArray  # POSTAL_CODES_PER_CITY per city
    words: pa.StringArray  # lower-case words for descriptions
    salutations: pa.StringArray


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
        half = NAMES_PER_COUNTRY // 2
        first += _distinct(names.first_name_female, half, half * 6) + _distinct(names.first_name_male, half, half * 6)
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
        salutations=pool(vocab.SALUTATIONS),
    )


def per_country(country: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Indexes into a pool laid out as `size` entries per country."""
    return country * size + rng.integers(0, size, len(country))


def people(pools: Pools, country: np.ndarray, rng: np.random.Generator) -> tuple[pa.Array, pa.Array, pa.Array]:
    """First name, last name and a salutation that fits the first name, for people of each country."""
    n = len(country)
    male = rng.random(n) < 0.5
    half = NAMES_PER_COUNTRY // 2
    first = pools.first_names.take(pa.array(country * NAMES_PER_COUNTRY + male * half + rng.integers(0, half, n)))
    last = pools.last_names.take(pa.array(per_country(country, NAMES_PER_COUNTRY, rng)))
    # vocab.SALUTATIONS order: Mr., Ms., Mrs., Dr., Prof.
    academic = rng.random(n)
    salutation = np.where(male, 0, np.where(rng.random(n) < 0.6, 1, 2))
    salutation = np.where(academic < 0.08, 3, np.where(academic < 0.1, 4, salutation))
    return first, last, pools.salutations.take(pa.array(salutation))
