"""Salesforce record Ids for generated records: the key prefix, an org's pod, a counter, the checksum."""

from __future__ import annotations

from typing import Final

import numpy as np
import pyarrow as pa

from fauxforce.core.salesforce import BASE62, KEY_PREFIXES, checksum

POD: Final = b"5g0"  # instance characters 4–6, the same for every record of one org
_B62 = np.frombuffer(BASE62, dtype=np.uint8)


def make_ids(object_name: str, first_counter: int, n: int) -> pa.StringArray:
    """n consecutive 18-character Ids of one object, starting at `first_counter`."""
    return ids_for(KEY_PREFIXES[object_name], np.arange(first_counter, first_counter + n, dtype=np.int64))


def ids_for(prefix: str, counters: np.ndarray) -> pa.StringArray:
    """18-character Ids with a key prefix (`001`, a custom object's `a0B`), one per counter (below 62**9)."""
    n = len(counters)
    body = np.empty((n, 15), dtype=np.uint8)
    body[:, :3] = np.frombuffer(prefix.encode(), dtype=np.uint8)
    body[:, 3:6] = np.frombuffer(POD, dtype=np.uint8)
    rest = np.asarray(counters, dtype=np.int64)
    for pos in range(14, 5, -1):
        body[:, pos] = _B62[rest % 62]
        rest = rest // 62
    full = np.concatenate([body, checksum(body)], axis=1)
    offsets = np.arange(0, 18 * (n + 1), 18, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(full.tobytes()))
