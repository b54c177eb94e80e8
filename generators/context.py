"""What one generated org is: its spec, its value pools and the Id/number sequences of its objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fauxforce.generators.columns import DAY, rng_for
from fauxforce.generators.pools import Pools

# Reference volumes at scale 1 over the reference period (docs/generator.md, "What is generated").
ACCOUNTS_AT_SCALE_1 = 20_000
BLOCK_DAYS = 30  # records are generated in blocks of creation time, each seeded on its own
MAX_BLOCK_ACCOUNTS = 2_000  # a block larger than this is split into chunks (bounded memory)


@dataclass(frozen=True)
class Spec:
    """The identity of a generated org: the same spec always gives the same history."""

    seed: int = 42
    scale: float = 1.0
    start: dt.date = dt.date(2025, 6, 30)
    days: int = 365  # the reference period: volumes are calibrated so scale 1 fills it

    @property
    def start_ts(self) -> int:
        return int(dt.datetime(self.start.year, self.start.month, self.start.day, tzinfo=dt.UTC).timestamp())

    def per_day(self, at_scale_1: float) -> float:
        """A daily arrival rate that makes `at_scale_1 × scale` records over the reference period."""
        return at_scale_1 * self.scale / self.days

    def block_count(self, rate_at_scale_1: float, block: int) -> int:
        """Records of one block, from a cumulative rate so block counts add up exactly."""
        rate = self.per_day(rate_at_scale_1)
        return int(np.floor(rate * (block + 1) * BLOCK_DAYS) - np.floor(rate * block * BLOCK_DAYS))

    def block_start(self, block: int) -> int:
        return self.start_ts + block * BLOCK_DAYS * DAY


@dataclass
class Sequences:
    """Running counters for Ids and document numbers, advanced in a fixed order."""

    seed: int
    next: dict[str, int] = field(default_factory=dict)

    def number(self, name: str, n: int) -> np.ndarray:
        """The next n document numbers (1, 2, 3, …) of a sequence."""
        first = self.next.get(name, 1)
        self.next[name] = first + n
        return np.arange(first, first + n, dtype=np.int64)

    def take(self, name: str, n: int) -> int:
        """The first of the next n Id counters of an object."""
        if name not in self.next:
            # Start each sequence at a seed-dependent point so Ids of two orgs differ.
            self.next[name] = int(rng_for(self.seed, "sequence", name).integers(10_000, 90_000)) * 1_000
        first = self.next[name]
        self.next[name] = first + n
        return first


@dataclass
class Context:
    spec: Spec
    pools: Pools
    seq: Sequences
    planted: tuple[Any, ...] = ()  # the scenario's effects, resolved (generators/scenarios.py)
    # records planted effects name, as met while generating: name → (created, epoch seconds; a buying account)
    met: dict[str, tuple[int, bool]] = field(default_factory=dict)

    def rng(self, *keys: int | str) -> np.random.Generator:
        return rng_for(self.spec.seed, *keys)
