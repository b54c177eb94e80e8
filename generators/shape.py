"""The shape of a believable company: how segments, regions, industries, reps and the calendar differ.

Every factor here is a target stated, with where it comes from, in docs/generator.md ("A believable
company"), and tests/generators/test_shape.py measures it on the generated files. Factors multiply the
org's base rates (sales.WIN_RATE_BUYING, the line quantity, the sales cycle), so they change how the
org's numbers differ from each other, not their overall level.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from fauxforce.generators import geo, vocab
from fauxforce.generators.columns import normal_quantiles, spread

# Segments, in vocab.CUSTOMER_SEGMENTS order (Enterprise, Mid-Market, SMB); the segment follows headcount.
SEGMENT_MIN_EMPLOYEES: Final = (1000, 100, 0)
SEGMENT_WIN: Final = np.array([0.75, 1.0, 1.2])  # enterprise deals are harder to win ...
SEGMENT_UNITS: Final = np.array([3.0, 1.0, 0.45])  # ... much larger ...
SEGMENT_CYCLE: Final = np.array([1.8, 1.0, 0.6])  # ... and slower

# Regions, as vocab.REGIONS_BY_COUNTRY names them: win rate, deal size and cycle against North America.
REGIONS: Final = ("NA", "EMEA", "APAC")
REGION_WIN: Final = np.array([1.0, 0.85, 1.1])
REGION_UNITS: Final = np.array([1.0, 0.9, 0.75])
REGION_CYCLE: Final = np.array([1.0, 1.3, 0.9])
REGION_OF_COUNTRY: Final = np.array([REGIONS.index(vocab.REGIONS_BY_COUNTRY[c.code]) for c in geo.COUNTRIES])

# Industries that buy differently from the rest: (win rate, deal size, cycle); the others are 1, 1, 1.
INDUSTRY_FACTORS: Final[dict[str, tuple[float, float, float]]] = {
    # heavy equipment buyers: the catalogue is generators, pumps and controllers
    "Energy": (1.2, 1.6, 1.0),
    "Utilities": (1.2, 1.6, 1.2),
    "Manufacturing": (1.15, 1.4, 1.0),
    "Machinery": (1.15, 1.3, 1.0),
    "Construction": (1.1, 1.2, 0.9),
    # regulated buyers: big, slow, procurement-driven
    "Government": (0.7, 1.3, 1.8),
    "Banking": (0.85, 1.2, 1.4),
    "Finance": (0.85, 1.2, 1.4),
    "Insurance": (0.85, 1.1, 1.4),
    "Healthcare": (0.9, 1.0, 1.3),
    # fast movers
    "Technology": (1.2, 0.9, 0.7),
    "Telecommunications": (1.1, 1.1, 0.8),
    # small buyers
    "Retail": (0.95, 0.6, 0.7),
    "Hospitality": (0.9, 0.5, 0.7),
    "Food & Beverage": (0.95, 0.6, 0.8),
    "Education": (0.8, 0.5, 1.3),
    "Not For Profit": (0.75, 0.4, 1.2),
}
_FACTORS = np.array([INDUSTRY_FACTORS.get(i, (1.0, 1.0, 1.0)) for i in vocab.INDUSTRIES])
INDUSTRY_WIN: Final = _FACTORS[:, 0]
INDUSTRY_UNITS: Final = _FACTORS[:, 1]
INDUSTRY_CYCLE: Final = _FACTORS[:, 2]

# Spending power: each account's lognormal multiplier of the units it buys (mean 1), on top of its
# segment. With the segments it puts ~75% of revenue with the top 20% of customers.
WALLET_SIGMA: Final = 1.4
WALLET_TOP: Final = 0.99  # the largest wallet is the distribution's 99th percentile at every scale
WALLET_FREQUENCY: Final = 0.25  # larger wallets also buy more often: opportunities ∝ wallet ** 0.25

# Reps: a rep's win rate is the base times her skill times her manager's team factor (lognormal, mean 1).
REP_SKILL_SIGMA: Final = 0.3
TEAM_SIGMA: Final = 0.15
MAX_WIN_RATE: Final = 0.9
# New reps: a fifth of the reps join during the history; a rep wins at RAMP_START of her rate on joining,
# rising linearly to her full rate after RAMP_DAYS.
REPS_HIRED_DURING_HISTORY: Final = 0.2
RAMP_START: Final = 0.5
RAMP_DAYS: Final = 120

# The calendar: a share of won deals is pulled to the last two weeks of their quarter; more in Q4.
QUARTER_END_PULL: Final = 0.2
YEAR_END_PULL: Final = 0.35
QUARTER_END_DAYS: Final = 14


# Customers pay as they habitually do: most before the due date, a minority late, a few very late.
# Per habit: its share of customers, the median days to pay as a multiple of the payment terms (and
# the lognormal spread around it), and the share of invoices partly paid or never paid.
PAYERS: Final = ("prompt", "slow", "late")
PAYER_SHARE: Final = (0.75, 0.18, 0.07)
PAYER_DELAY: Final = np.array([0.75, 1.25, 2.0])
PAYER_SPREAD: Final = np.array([0.15, 0.25, 0.35])
PAYER_PARTLY: Final = np.array([0.04, 0.12, 0.2])
PAYER_UNPAID: Final = np.array([0.02, 0.08, 0.3])


def frequency(wallet: np.ndarray) -> np.ndarray:
    """How much more often than the average account each of a block's accounts buys: its wallet to the
    power WALLET_FREQUENCY, scaled to mean 1 over the block."""
    f = wallet**WALLET_FREQUENCY
    return f / f.mean() if len(f) else f


def payers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Per customer: an index into PAYERS."""
    return rng.choice(len(PAYERS), n, p=PAYER_SHARE)


def segment_of(employees: np.ndarray) -> np.ndarray:
    """Index into vocab.CUSTOMER_SEGMENTS from headcount."""
    return np.where(employees >= SEGMENT_MIN_EMPLOYEES[0], 0, np.where(employees >= SEGMENT_MIN_EMPLOYEES[1], 1, 2))


def wallet(rng: np.random.Generator, n: int) -> np.ndarray:
    """Per account: spending power, lognormal from evenly spread quantiles and scaled to mean 1 in each
    block, so a small org is as concentrated, and spends as much per account, as a large one."""
    z = normal_quantiles(np.clip(spread(rng, n), 1 - WALLET_TOP, WALLET_TOP))
    w = np.exp(WALLET_SIGMA * z)
    return w / w.mean() if n else w


def skills(rng: np.random.Generator, manager: np.ndarray, team: np.ndarray) -> np.ndarray:
    """Per user: the factor on the base win rate of the deals she owns (her own skill and her manager's).

    Deals go to the reps of the account's country, so each country's reps average 1: a sales team of
    a few reps is as good, on average, as a large one, and the org's win rate does not move with scale.
    """
    n = len(manager)
    own = np.exp(REP_SKILL_SIGMA * normal_quantiles(spread(rng, n)))
    coach = np.exp(TEAM_SIGMA * normal_quantiles(spread(rng, n)))  # read at the manager's index
    skill = own * np.where(manager >= 0, coach[np.maximum(manager, 0)], 1.0)
    for t in np.unique(team):
        skill[team == t] /= skill[team == t].mean()
    return skill


def ramp(tenure_seconds: np.ndarray) -> np.ndarray:
    """The factor on a rep's win rate after this long in post."""
    return np.clip(RAMP_START + (1 - RAMP_START) * tenure_seconds / (RAMP_DAYS * 86_400), RAMP_START, 1.0)


def quarter_end(seconds: np.ndarray) -> np.ndarray:
    """The last day (00:00 UTC, in seconds) of the calendar quarter of each instant."""
    month = seconds.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
    next_quarter = (month - month % 3 + 3).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return (next_quarter - 1) * 86_400
