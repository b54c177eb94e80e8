"""Real cities with consistent state, postal code pattern, phone prefix and coordinates.

Postal codes are drawn from each city's own range, so city, state, postal code and country
always agree (a generated address in Munich never has a Hamburg postal code).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    locale: str
    weight: float
    tld: str
    company_suffixes: tuple[str, ...]
    tax_rate: float  # the standard VAT/GST rate an ERP adds to an invoice; US sales tax is state law, not modelled


COUNTRIES: Final[tuple[Country, ...]] = (
    Country("US", "United States", "en_US", 0.52, "com", ("Inc.", "LLC", "Corp.", "Co.", "Inc."), 0.0),
    Country("CA", "Canada", "en_CA", 0.08, "ca", ("Inc.", "Ltd.", "Corp."), 0.05),
    Country("GB", "United Kingdom", "en_GB", 0.12, "co.uk", ("Ltd", "PLC", "Ltd"), 0.20),
    Country("DE", "Germany", "de_DE", 0.11, "de", ("GmbH", "AG", "GmbH"), 0.19),
    Country("FR", "France", "fr_FR", 0.09, "fr", ("SA", "SARL", "SAS"), 0.20),
    Country("AU", "Australia", "en_AU", 0.08, "com.au", ("Pty Ltd", "Ltd"), 0.10),
)

# (country, city, state, postal pattern, phone prefix, latitude, longitude)
# Postal pattern: digits are kept, '#' is a random digit, '@' a random letter.
CITIES: Final[tuple[tuple[str, str, str, str, str, float, float], ...]] = (
    ("US", "New York", "NY", "100##", "(212) ", 40.7128, -74.0060),
    ("US", "San Francisco", "CA", "941##", "(415) ", 37.7749, -122.4194),
    ("US", "Los Angeles", "CA", "900##", "(213) ", 34.0522, -118.2437),
    ("US", "Chicago", "IL", "606##", "(312) ", 41.8781, -87.6298),
    ("US", "Houston", "TX", "770##", "(713) ", 29.7604, -95.3698),
    ("US", "Austin", "TX", "787##", "(512) ", 30.2672, -97.7431),
    ("US", "Seattle", "WA", "981##", "(206) ", 47.6062, -122.3321),
    ("US", "Boston", "MA", "021##", "(617) ", 42.3601, -71.0589),
    ("US", "Denver", "CO", "802##", "(303) ", 39.7392, -104.9903),
    ("US", "Atlanta", "GA", "303##", "(404) ", 33.7490, -84.3880),
    ("US", "Miami", "FL", "331##", "(305) ", 25.7617, -80.1918),
    ("US", "Minneapolis", "MN", "554##", "(612) ", 44.9778, -93.2650),
    ("US", "Phoenix", "AZ", "850##", "(602) ", 33.4484, -112.0740),
    ("US", "Philadelphia", "PA", "191##", "(215) ", 39.9526, -75.1652),
    ("CA", "Toronto", "ON", "M5@ #@#", "(416) ", 43.6532, -79.3832),
    ("CA", "Vancouver", "BC", "V6@ #@#", "(604) ", 49.2827, -123.1207),
    ("CA", "Montreal", "QC", "H3@ #@#", "(514) ", 45.5017, -73.5673),
    ("CA", "Calgary", "AB", "T2@ #@#", "(403) ", 51.0447, -114.0719),
    ("CA", "Ottawa", "ON", "K1@ #@#", "(613) ", 45.4215, -75.6972),
    ("GB", "London", "Greater London", "EC# #@@", "+44 20 ", 51.5074, -0.1278),
    ("GB", "Manchester", "Greater Manchester", "M# #@@", "+44 161 ", 53.4808, -2.2426),
    ("GB", "Birmingham", "West Midlands", "B# #@@", "+44 121 ", 52.4862, -1.8904),
    ("GB", "Edinburgh", "Scotland", "EH# #@@", "+44 131 ", 55.9533, -3.1883),
    ("GB", "Bristol", "Bristol", "BS# #@@", "+44 117 ", 51.4545, -2.5879),
    ("DE", "Berlin", "Berlin", "10###", "+49 30 ", 52.5200, 13.4050),
    ("DE", "München", "Bayern", "80###", "+49 89 ", 48.1351, 11.5820),
    ("DE", "Hamburg", "Hamburg", "20###", "+49 40 ", 53.5511, 9.9937),
    ("DE", "Frankfurt am Main", "Hessen", "60###", "+49 69 ", 50.1109, 8.6821),
    ("DE", "Köln", "Nordrhein-Westfalen", "50###", "+49 221 ", 50.9375, 6.9603),
    ("FR", "Paris", "Île-de-France", "750##", "+33 1 ", 48.8566, 2.3522),
    ("FR", "Lyon", "Auvergne-Rhône-Alpes", "6900#", "+33 4 ", 45.7640, 4.8357),
    ("FR", "Marseille", "Provence-Alpes-Côte d'Azur", "130##", "+33 4 ", 43.2965, 5.3698),
    ("FR", "Toulouse", "Occitanie", "3100#", "+33 5 ", 43.6047, 1.4442),
    ("FR", "Lille", "Hauts-de-France", "5900#", "+33 3 ", 50.6292, 3.0573),
    ("AU", "Sydney", "NSW", "20##", "+61 2 ", -33.8688, 151.2093),
    ("AU", "Melbourne", "VIC", "30##", "+61 3 ", -37.8136, 144.9631),
    ("AU", "Brisbane", "QLD", "40##", "+61 7 ", -27.4698, 153.0251),
    ("AU", "Perth", "WA", "60##", "+61 8 ", -31.9505, 115.8605),
    ("AU", "Adelaide", "SA", "50##", "+61 8 ", -34.9285, 138.6007),
)
POSTAL_CODES_PER_CITY: Final = 40

COUNTRY_INDEX: Final[dict[str, int]] = {c.code: i for i, c in enumerate(COUNTRIES)}
CITY_COUNTRY: Final = np.array([COUNTRY_INDEX[c[0]] for c in CITIES], dtype=np.int64)


def postal_codes(rng: np.random.Generator) -> list[list[str]]:
    """A pool of postal codes per city, each matching its city's pattern."""
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    pools: list[list[str]] = []
    for city in CITIES:
        pattern = city[3]
        drawn = [
            "".join(
                str(rng.integers(10)) if ch == "#" else letters[rng.integers(len(letters))] if ch == "@" else ch
                for ch in pattern
            )
            for _ in range(POSTAL_CODES_PER_CITY)
        ]
        pools.append(sorted(drawn))  # a narrow pattern repeats codes, as real postal codes do
    return pools


def cities_of(country: int) -> np.ndarray:
    """Indexes into CITIES of one country."""
    return np.flatnonzero(country == CITY_COUNTRY)
