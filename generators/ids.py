"""Salesforce record Ids: 15 case-sensitive base-62 characters plus a 3-character checksum (DESIGN §9)."""

from __future__ import annotations

from typing import Final

import numpy as np
import pyarrow as pa

BASE62: Final = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
CHECKSUM_ALPHABET: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
KEY_PREFIXES: Final[dict[str, str]] = {
    "Account": "001",
    "Contact": "003",
    "User": "005",
    "Opportunity": "006",
    "OpportunityHistory": "008",
    "OpportunityLineItem": "00k",
    "OpportunityContactRole": "00K",
    "Lead": "00Q",
    "Pricebook2": "01s",
    "Product2": "01t",
    "PricebookEntry": "01u",
    "Case": "500",
    "Campaign": "701",
}
POD: Final = b"5g0"  # instance characters 4–6, the same for every record of one org
_B62 = np.frombuffer(BASE62, dtype=np.uint8)
_CHK = np.frombuffer(CHECKSUM_ALPHABET, dtype=np.uint8)


def checksum(body: np.ndarray) -> np.ndarray:
    """The 3 checksum characters for an (n, 15) uint8 array of Id bodies."""
    upper = (body >= ord("A")) & (body <= ord("Z"))
    weights = 1 << np.arange(5, dtype=np.int64)
    chunks = upper.reshape(-1, 3, 5).astype(np.int64) @ weights
    return _CHK[chunks]


def make_ids(object_name: str, first_counter: int, n: int) -> pa.StringArray:
    """n consecutive 18-character Ids of one object, starting at `first_counter`."""
    counters = np.arange(first_counter, first_counter + n, dtype=np.int64)
    body = np.empty((n, 15), dtype=np.uint8)
    body[:, :3] = np.frombuffer(KEY_PREFIXES[object_name].encode(), dtype=np.uint8)
    body[:, 3:6] = np.frombuffer(POD, dtype=np.uint8)
    rest = counters
    for pos in range(14, 5, -1):
        body[:, pos] = _B62[rest % 62]
        rest = rest // 62
    full = np.concatenate([body, checksum(body)], axis=1)
    offsets = np.arange(0, 18 * (n + 1), 18, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(full.tobytes()))


def to_18(id15: str) -> str:
    """The 18-character form of a 15-character Id (an 18-character Id is returned unchanged)."""
    if len(id15) == 18:
        return id15
    if len(id15) != 15:
        raise ValueError(f"a Salesforce Id has 15 or 18 characters, not {len(id15)}: {id15!r}")
    body = np.frombuffer(id15.encode("ascii"), dtype=np.uint8).reshape(1, 15)
    return id15 + checksum(body).tobytes().decode("ascii")


def is_valid(record_id: str) -> bool:
    """True when an 18-character Id's checksum matches its first 15 characters."""
    return len(record_id) == 18 and to_18(record_id[:15]) == record_id
