"""Silver's shape of an object checked against real describe metadata (../shared/reference/salesforce-describe/,
one real org's): a live org's describe types every field as silver expects, and where there is no describe (a
file), Salesforce's naming conventions agree with the real types."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from fauxforce.core.catalogue import BY_REF, DESCRIBE_TYPES, ObjectRef
from fauxforce.silver.infer import shape

DESCRIBES = Path(__file__).resolve().parents[3] / "shared" / "reference" / "salesforce-describe"
OBJECTS = ("Account", "Contact", "Lead", "Opportunity", "OpportunityContactRole", "Case", "Event")

pytestmark = pytest.mark.skipif(not DESCRIBES.is_dir(), reason="../shared/reference is not on this machine")


def described(name: str) -> dict[str, str]:
    """Queryable fields → describe type (compound address and location fields are never columns)."""
    fields = json.loads((DESCRIBES / f"{name}_describe.json").read_text(encoding="utf-8"))["fields"]
    return {f["name"]: f["type"] for f in fields if f["type"] not in ("address", "location")}


@pytest.mark.parametrize("name", OBJECTS)
def test_a_real_describe_types_every_field(name: str) -> None:
    """As a live org's batch: each field the catalogue does not declare is typed by its describe type."""
    types = described(name)
    ref = ObjectRef("salesforce", name)
    raw = pd.DataFrame({f: pd.Series([None], dtype="string") for f in types})
    table = shape(ref, BY_REF.get(ref), raw, list(types), types, {}, OBJECTS)
    assert table is not None
    by_source = {c.source: c for c in table.columns}
    declared = BY_REF[ref].by_source if ref in BY_REF else {}
    missing = [f for f in types if f not in by_source]
    assert not missing, missing  # every field reaches silver
    for field, kind in types.items():
        if field not in declared:
            expected = DESCRIBE_TYPES.get(kind, "text")
            if expected == "text" and kind == "string" and field.endswith("Country"):
                expected = "country"  # describe has no country type: the name says it (OtherCountry)
            assert by_source[field].type == expected, (field, kind)


@pytest.mark.parametrize("name", OBJECTS)
def test_naming_conventions_agree_with_the_real_types(name: str) -> None:
    """As a file without describe, every column empty: names alone say `Is…`/`Has…` is a checkbox and `…Id` a
    lookup. The real metadata agrees but for Jigsaw's text fields named `…Id`, which values then settle."""
    types = described(name)
    ref = ObjectRef("salesforce", f"{name}Export")  # not declared: shaped from scratch
    raw = pd.DataFrame({f: pd.Series([None], dtype="string") for f in types})
    table = shape(ref, None, raw, list(types), {}, {}, OBJECTS)
    assert table is not None
    got = {c.source: c.type for c in table.columns}
    disagree = []
    for field, kind in types.items():
        if re.match(r"(Is|Has)[A-Z0-9]", field):
            assert kind == "boolean" and got[field] == "bool", field
        elif field.endswith("Id") and (kind in ("reference", "id")) != (got[field] == "id"):
            disagree.append(field)
    assert set(disagree) <= {"JigsawCompanyId", "JigsawContactId"}, disagree
    # With values, such a field is what its values are: text, not a lookup.
    if disagree:
        with_values = raw.assign(**{f: pd.Series(["a1b2c3"], dtype="string") for f in disagree})
        table = shape(ref, None, with_values, list(types), {}, {}, OBJECTS)
        assert table is not None
        assert all(c.type == "text" for c in table.columns if c.source in disagree)
