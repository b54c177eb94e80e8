"""Column-building helpers: seeded generators, pool draws and typed Arrow arrays from numpy."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DAY = 86_400
HOUR = 3_600
TS = pa.timestamp("s", tz="UTC")


def rng_for(seed: int, *keys: int | str) -> np.random.Generator:
    """A generator that depends only on the seed and the keys, so streams never shift each other."""
    words = [seed] + [k if isinstance(k, int) else zlib.crc32(k.encode()) for k in keys]
    return np.random.default_rng(np.random.SeedSequence(words))


def pool(values: Sequence[str]) -> pa.StringArray:
    return pa.array(list(values), type=pa.string())


def pick(values: pa.Array, idx: np.ndarray) -> pa.Array:
    return values.take(pa.array(idx, type=pa.int64()))


def choice(rng: np.random.Generator, n: int, k: int, weights: Sequence[float] | np.ndarray | None = None) -> np.ndarray:
    """n indexes in range(k), optionally weighted."""
    if weights is None:
        return rng.integers(0, k, n)
    p = np.asarray(weights, dtype=np.float64)
    return np.searchsorted(np.cumsum(p / p.sum()), rng.random(n), side="right").clip(0, k - 1)


def join(*parts: pa.Array | str, sep: str = "") -> pa.Array:
    return pc.binary_join_element_wise(*parts, sep)


def digits(rng: np.random.Generator, n: int, width: int) -> pa.Array:
    """Zero-padded random digit strings of a fixed width."""
    v = rng.integers(0, 10**width, n) + 10**width
    return pc.utf8_slice_codeunits(pa.array(v).cast(pa.string()), 1)


def number_text(values: np.ndarray, width: int) -> pa.Array:
    """Zero-padded decimal text of non-negative integers."""
    return pc.utf8_slice_codeunits(pa.array(values + 10**width).cast(pa.string()), 1)


def code(prefix: str, values: np.ndarray, width: int) -> pa.Array:
    """Codes like SO-0000123."""
    return join(prefix, number_text(values, width))


def ts(seconds: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(seconds, dtype=np.int64).astype("datetime64[s]"), type=pa.timestamp("s")).cast(TS)


def date(seconds: np.ndarray) -> pa.Array:
    return pa.array((np.asarray(seconds, dtype=np.int64) // DAY).astype(np.int32), type=pa.date32())


def money(cents: np.ndarray) -> pa.Array:
    """Exact decimal(18,2) from integer cents (no float rounding)."""
    c = np.asarray(cents, dtype=np.int64)
    buf = np.zeros((len(c), 2), dtype=np.int64)
    buf[:, 0] = c
    buf[:, 1] = np.where(c < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(18, 2), len(c), [None, pa.py_buffer(buf.tobytes())])


def masked(values: pa.Array, keep: np.ndarray) -> pa.Array:
    """values where keep is true, null elsewhere."""
    return pc.if_else(pa.array(keep, type=pa.bool_()), values, pa.scalar(None, values.type))


def child_index(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For parents with `counts` children each: the parent of every child and its rank among siblings."""
    counts = np.asarray(counts, dtype=np.int64)
    parent = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    rank = np.arange(len(parent)) - starts[parent]
    return parent, rank


def work_time(rng: np.random.Generator, day_start: np.ndarray) -> np.ndarray:
    """A moment during working hours (08:00–18:00 UTC) of the given days."""
    return day_start + 8 * HOUR + rng.integers(0, 10 * HOUR, len(day_start))


def midnight(day: dt.date) -> int:
    """The first second (00:00 UTC) of a day, in epoch seconds: where a planted effect's day starts."""
    return (day - dt.date(1970, 1, 1)).days * DAY


def floor_day(seconds: np.ndarray) -> np.ndarray:
    return (np.asarray(seconds) // DAY) * DAY


def spread(rng: np.random.Generator, n: int) -> np.ndarray:
    """n quantiles evenly spread over (0, 1), in random order: a sample whose shape does not depend on n.

    Independent draws of a skewed distribution swing with the sample's size (a few dozen products
    give a different mix every scale); evenly spread quantiles give the same mix at every size.
    """
    return (rng.permutation(n) + 0.5) / max(n, 1)


def normal_quantiles(u: np.ndarray) -> np.ndarray:
    """The standard normal's quantiles of u (0 < u < 1)."""
    inv = NormalDist().inv_cdf
    return np.array([inv(x) for x in u.tolist()], dtype=np.float64)
