"""Salesforce facts that more than one layer needs: the record Id and its checksum, key prefixes, and the
standard Opportunity stages.

An Id is 15 case-sensitive base-62 characters (a 3-character key prefix first) plus 3 checksum
characters: split the 15 into three chunks of 5; in each chunk set bit i when character i is an
upper-case letter; the 5-bit value indexes `ABCDEFGHIJKLMNOPQRSTUVWXYZ012345`. The 18-character form
survives case-insensitive tools (spreadsheets), which is why real exports mix both forms.
"""

from __future__ import annotations

from typing import Final

import numpy as np

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
_CHK = np.frombuffer(CHECKSUM_ALPHABET, dtype=np.uint8)

# The standard sales process: StageName → (Probability, ForecastCategoryName, IsClosed, IsWon), open
# stages in pipeline order. An org may rename, translate or add stages; these are the defaults.
STAGES: Final[tuple[tuple[str, int, str, bool, bool], ...]] = (
    ("Prospecting", 10, "Pipeline", False, False),
    ("Qualification", 10, "Pipeline", False, False),
    ("Needs Analysis", 20, "Pipeline", False, False),
    ("Value Proposition", 50, "Pipeline", False, False),
    ("Id. Decision Makers", 60, "Pipeline", False, False),
    ("Perception Analysis", 70, "Pipeline", False, False),
    ("Proposal/Price Quote", 75, "Pipeline", False, False),
    ("Negotiation/Review", 90, "Pipeline", False, False),
    ("Closed Won", 100, "Closed", True, True),
    ("Closed Lost", 0, "Omitted", True, False),
)


def checksum(body: np.ndarray) -> np.ndarray:
    """The 3 checksum characters for an (n, 15) uint8 array of Id bodies."""
    upper = (body >= ord("A")) & (body <= ord("Z"))
    weights = 1 << np.arange(5, dtype=np.int64)
    chunks = upper.reshape(-1, 3, 5).astype(np.int64) @ weights
    return _CHK[chunks]


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
