import numpy as np
import pytest

from fauxforce.core.salesforce import KEY_PREFIXES, is_valid, to_18
from fauxforce.generators.ids import make_ids


def test_checksum_matches_real_salesforce_ids() -> None:
    # RecordType Ids as a real org returned them (shared/reference/salesforce-describe).
    assert to_18("01254000001upcK") == "01254000001upcKAAQ"
    assert to_18("012000000000000") == "012000000000000AAA"


def test_generated_ids_have_prefix_checksum_and_are_unique_case_insensitively() -> None:
    ids = make_ids("Opportunity", 123_456_789, 5_000).to_pylist()
    assert all(i.startswith(KEY_PREFIXES["Opportunity"]) and len(i) == 18 and is_valid(i) for i in ids)
    assert len({i.lower() for i in ids}) == len(ids)


def test_ids_are_consecutive_in_base62() -> None:
    a, b = make_ids("Account", 61, 2).to_pylist()
    assert a[6:15] == "00000000z" and b[6:15] == "000000010"


def test_to_18_rejects_wrong_length() -> None:
    with pytest.raises(ValueError, match="15 or 18"):
        to_18("001")
    assert not is_valid("001000000000000AAB")
    assert np.all([is_valid(to_18(i[:15])) for i in make_ids("Case", 5, 3).to_pylist()])
