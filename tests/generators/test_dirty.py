"""A dirty org through the pipeline: every injected defect fixed, flagged or quarantined, nothing else changed.

The same org (seed 7, scale 0.05) is generated clean and with `--dirty 0.05`, and both go through
bronze and silver. Per defect kind: a fixable defect gives the clean value in silver; an unfixable one
is, as the default validation policy says, in quarantine at its file and line with the expected check,
or in silver with a flag of that check at its file and line; a duplicated record is counted as a
duplicate, a file's dialect is recorded in `meta.ingested_files`; and silver equals the clean org's
silver for every record without an unfixable defect.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
import pytest

from fauxforce.core.catalogue import BY_NAME, BY_REF, TABLES
from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.dirty import FIXED, Defect, read_defects
from fauxforce.generators.org import Options, generate_org
from fauxforce.silver.conform import action_at, checked_as
from tests.conftest import AS_OF, Org, load_silver

RATE = 0.05
LINEAGE = ["_batch_id", "_row_number", "_loaded_at"]
FIXABLE = {
    "bool_format",
    "ts_format",
    "date_format",
    "zero_date",
    "number_format",
    "null_token",
    "id_15",
    "id_case",
    "zero_lookup",
    "key_space",
    "key_case",
    "mis_encoded",
}
UNFIXABLE = {"ragged_row", "bad_date", "bad_number", "orphan", "missing_required"}
DIALECT = {"encoding", "line_endings", "header_style", "quoting", "final_newline"}


class Loaded:
    def __init__(self, wh: Warehouse, results: list) -> None:  # type: ignore[type-arg]
        self.wh, self.results = wh, results
        self._cache: dict[tuple[str, str], pd.DataFrame] = {}

    def table(self, schema: str, name: str) -> pd.DataFrame:
        if (schema, name) not in self._cache:
            with self.wh.engine.connect() as conn:
                frame = pd.read_sql_query(f"SELECT * FROM {schema}.{name}", conn)
            if schema == "silver" and name in BY_NAME:
                frame.index = _key(name, frame)
            self._cache[(schema, name)] = frame
        return self._cache[(schema, name)]


@pytest.fixture(scope="module")
def dirty_org(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dirty") / "landing"
    generate_org(Options(out=out, seed=7, scale=0.05, as_of=AS_OF, dirty=RATE))
    return out


@pytest.fixture(scope="module")
def loaded(org: Org, dirty_org: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Loaded, Loaded]:
    folder = tmp_path_factory.mktemp("dirty-wh")
    out = []
    for name, landing in (("clean", org.root), ("dirty", dirty_org)):
        wh = Warehouse(f"duckdb:///{folder / name}.duckdb")
        out.append(Loaded(wh, load_silver(wh, landing)))
    return out[0], out[1]


@pytest.fixture(scope="module")
def defects(dirty_org: Path) -> list[Defect]:
    return read_defects(dirty_org / "defects.csv")


def _key(table: str, frame: pd.DataFrame) -> pd.Index:
    cols = BY_NAME[table].key_columns
    key = frame[cols[0]].astype(str)
    for c in cols[1:]:
        key = key + "|" + frame[c].astype(str)
    return pd.Index(key, name="_key")


def test_the_dirty_files_are_reproducible_by_seed(dirty_org: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate_org(Options(out=again, seed=7, scale=0.05, as_of=AS_OF, dirty=RATE))
    for path in sorted(dirty_org.rglob("*.csv")):
        assert (again / path.relative_to(dirty_org)).read_bytes() == path.read_bytes(), path


def test_every_kind_of_defect_is_injected_at_the_rate(org: Org, defects: list[Defect]) -> None:
    kinds = Counter(d.kind for d in defects)
    # the generator leaves no ERP date empty, so `zero_date` has no cell to go in (tested on files instead)
    assert set(kinds) == (FIXABLE | UNFIXABLE | DIALECT | {"duplicate_row"}) - {"zero_date"}, kinds
    records = sum(1 for d in defects if d.record_id)
    assert abs(records - RATE * org.manifest.total_rows) < 0.1 * RATE * org.manifest.total_rows


def test_fixable_defects_give_the_clean_value_in_silver(loaded: tuple[Loaded, Loaded], defects: list[Defect]) -> None:
    clean, dirty = loaded
    checked = Counter()
    for d in defects:
        if d.kind not in FIXABLE:
            continue
        ref = BY_REF[_ref(d.object)]
        column = ref.by_source[d.column].name
        key = _silver_key(ref, d.record_id)
        want, got = (x.table("silver", ref.name).loc[key, column] for x in (clean, dirty))
        assert (pd.isna(want) and pd.isna(got)) or want == got, (d, want, got)
        checked[d.kind] += 1
    assert set(checked) == {d.kind for d in defects if d.kind in FIXABLE}


def _action(d: Defect) -> str:
    """What the default policy does with an unfixable defect's record."""
    return action_at(BY_REF[_ref(d.object)], d.column, d.expected)


def test_unfixable_defects_are_quarantined_or_flagged_at_their_line(
    loaded: tuple[Loaded, Loaded], defects: list[Defect]
) -> None:
    _, dirty = loaded
    unfixable = [d for d in defects if d.kind in UNFIXABLE]
    assert unfixable
    by_table: dict[str, dict[str, list[Defect]]] = defaultdict(lambda: defaultdict(list))
    for d in unfixable:
        assert d.expected != FIXED
        by_table[BY_REF[_ref(d.object)].name][_action(d)].append(d)
    actions = Counter(_action(d) for d in unfixable)
    assert actions["quarantine"] and actions["flag"] and not actions["fail"], actions
    flags = dirty.table("meta", "flags")
    for table in (t.name for t in TABLES):
        q = dirty.table("quarantine", table)
        expected = by_table[table]["quarantine"]
        assert len(q) == len(expected), table  # nothing else quarantined, nothing missing
        for d in expected:
            hits = q[(q["_line_number"] == d.line) & q["_source_uri"].str.endswith(d.file)]
            assert len(hits) == 1, d
            checks = [f["check"] for f in json.loads(hits["failures"].iloc[0])]
            column = next((c.name for c in BY_NAME[table].columns if c.source == d.column), "")
            assert checked_as(BY_NAME[table], d.expected, column) in checks, (d, checks)
            reason = hits["reason"].iloc[0]
            assert f"{d.file} line {d.line}" in reason, reason
            if d.column:
                assert f"column {d.column}" in reason, reason
        mine = flags[flags["table_name"] == table]
        assert len(mine) == len(by_table[table]["flag"]), table  # nothing else flagged
        silver = dirty.table("silver", table)
        for d in by_table[table]["flag"]:
            hits = mine[(mine["_line_number"] == d.line) & mine["_source_uri"].str.endswith(d.file)]
            assert len(hits) == 1, d
            assert hits["check_name"].iloc[0] == checked_as(BY_REF[_ref(d.object)], d.expected, "") or (
                hits["check_name"].iloc[0] == "no_cursor" and d.expected == "not_nullable"
            ), d
            assert f"{d.file} line {d.line}, column {d.column}" in hits["reason"].iloc[0]
            assert _dirty_key(BY_REF[_ref(d.object)], d) in silver.index, d  # the record is in silver


def test_duplicates_are_counted_and_dialects_recorded(loaded: tuple[Loaded, Loaded], defects: list[Defect]) -> None:
    _, dirty = loaded
    duplicates = Counter(d.object for d in defects if d.kind == "duplicate_row")
    counted = Counter()
    for r in dirty.results:
        counted[r.object] += r.duplicates
    assert {k: counted[k] for k in duplicates} == dict(duplicates)
    files = dirty.table("meta", "ingested_files").set_index("file")
    for d in defects:
        if d.kind not in DIALECT:
            continue
        fmt = json.loads(files.loc[d.file, "format"])
        if d.kind == "encoding":
            assert files.loc[d.file, "encoding"] == d.dirty_value, d
        elif d.kind == "line_endings":
            assert fmt["newline"] == d.dirty_value, d
        elif d.kind == "header_style":
            assert fmt["columns"], d  # every header spelling mapped to the field's name
        elif d.kind == "final_newline":
            assert fmt["final_newline"] is False, d


def test_silver_equals_the_clean_silver_for_everything_else(
    loaded: tuple[Loaded, Loaded], defects: list[Defect]
) -> None:
    clean, dirty = loaded
    dropped: dict[str, set[str]] = defaultdict(set)  # quarantined, or flagged and so unlike the clean record
    for d in defects:
        if d.kind in UNFIXABLE:
            ref = BY_REF[_ref(d.object)]
            dropped[ref.name] |= {_silver_key(ref, d.record_id), _dirty_key(ref, d)}
    for t in TABLES:
        want = clean.table("silver", t.name).drop(columns=LINEAGE)
        got = dirty.table("silver", t.name).drop(columns=LINEAGE)
        assert len(want[want.index.isin(dropped[t.name])]) == len(
            {d.record_id for d in defects if d.kind in UNFIXABLE and BY_REF[_ref(d.object)].name == t.name}
        )
        want = want[~want.index.isin(dropped[t.name])]
        got = got[~got.index.isin(dropped[t.name])]
        order = t.key_columns
        pd.testing.assert_frame_equal(  # dtypes aside: a column with a flagged (empty) value reads as float
            want.sort_values(order).reset_index(drop=True),
            got.sort_values(order).reset_index(drop=True),
            obj=t.name,
            check_dtype=False,
        )
    pd.testing.assert_frame_equal(
        clean.table("silver", "customer_xref").sort_values(["account_id", "customer_number"]).reset_index(drop=True),
        dirty.table("silver", "customer_xref").sort_values(["account_id", "customer_number"]).reset_index(drop=True),
    )


def _ref(obj: str):  # type: ignore[no-untyped-def]
    from fauxforce.connectors.base import ObjectRef

    system, name = obj.split("/")
    return ObjectRef(system, name)  # type: ignore[arg-type]


def _silver_key(table, record_id: str) -> str:  # type: ignore[no-untyped-def]
    """The defect's record key as silver spells it (ERP keys upper-case)."""
    parts = record_id.split("|")
    return "|".join(p.upper() if table.by_source[k].type == "key" else p for k, p in zip(table.key, parts, strict=True))


def _dirty_key(table, d: Defect) -> str:  # type: ignore[no-untyped-def]
    """The record's key as silver spells it in the dirty org: a defect in a key column changes the key."""
    parts = d.record_id.split("|")
    if d.column in table.key and d.dirty_value:
        parts[table.key.index(d.column)] = d.dirty_value
    return _silver_key(table, "|".join(parts))
