"""Same arguments, same bytes; and the snapshot and the daily changes are views of one history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from fauxforce.generators.org import Options, generate_org
from tests.generators.test_integrity import PRIMARY_KEYS

START = dt.date(2025, 12, 1)


def _read(root: Path, key: str) -> pd.DataFrame:
    system, name = key.split("/")
    path = root / system / f"{name}.csv"
    if not path.exists():
        return pd.DataFrame()
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _key(key: str) -> list[str]:
    system, name = key.split("/")
    return PRIMARY_KEYS[name if system == "salesforce" else key]


def _apply(base: pd.DataFrame, changes: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    merged = pd.concat([base, changes], ignore_index=True) if len(changes) else base
    if merged.empty:
        return merged
    return merged.drop_duplicates(key, keep="last").sort_values(key).reset_index(drop=True)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_same_arguments_give_identical_bytes(tmp_path: Path, fmt: str) -> None:
    a = generate_org(Options(out=tmp_path / "a", seed=3, scale=0.02, format=fmt))  # type: ignore[arg-type]
    b = generate_org(Options(out=tmp_path / "b", seed=3, scale=0.02, format=fmt))  # type: ignore[arg-type]
    assert a == b
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    c = generate_org(Options(out=tmp_path / "c", seed=4, scale=0.02, format=fmt))  # type: ignore[arg-type]
    assert c.files != a.files


def test_a_snapshot_plus_next_days_changes_is_the_next_snapshot(tmp_path: Path) -> None:
    day = dt.date(2026, 4, 14)
    nxt = day + dt.timedelta(days=1)
    common = {"seed": 11, "scale": 0.03, "start": START}
    before = generate_org(Options(out=tmp_path / "before", as_of=day, **common))  # type: ignore[arg-type]
    after = generate_org(Options(out=tmp_path / "after", as_of=nxt, **common))  # type: ignore[arg-type]
    delta = generate_org(Options(out=tmp_path / "delta", as_of=nxt, export="changes", since=day, **common))  # type: ignore[arg-type]
    assert {k.split("/")[0] for k in delta.objects} == {nxt.isoformat()}
    changed = 0
    for key in after.objects:
        expected = _read(tmp_path / "after", key).sort_values(_key(key)).reset_index(drop=True)
        changes = _read(tmp_path / "delta" / nxt.isoformat(), key)
        changed += len(changes)
        rebuilt = _apply(_read(tmp_path / "before", key), changes, _key(key))
        pd.testing.assert_frame_equal(rebuilt, expected, obj=key)
    assert changed > 50  # a working day touches many records, even at scale 0.03
    assert before.objects != after.objects


def test_replaying_every_day_of_a_changes_export_gives_the_full_snapshot(tmp_path: Path) -> None:
    as_of = START + dt.timedelta(days=40)
    common = {"seed": 5, "scale": 0.02, "start": START, "as_of": as_of}
    full = generate_org(Options(out=tmp_path / "full", **common))  # type: ignore[arg-type]
    generate_org(Options(out=tmp_path / "changes", export="changes", **common))  # type: ignore[arg-type]
    days = sorted(p.name for p in (tmp_path / "changes").iterdir() if p.is_dir())
    assert days[0] == START.isoformat() and days[-1] == as_of.isoformat()
    for key in full.objects:
        state = pd.DataFrame()
        for d in days:
            state = _apply(state, _read(tmp_path / "changes" / d, key), _key(key))
        expected = _read(tmp_path / "full", key).sort_values(_key(key)).reset_index(drop=True)
        if expected.empty:  # nothing yet: the full export has a header-only file, the days have none
            assert state.empty, key
            continue
        pd.testing.assert_frame_equal(state, expected, obj=key)


def test_a_day_folder_holds_only_that_days_changes(tmp_path: Path) -> None:
    as_of = START + dt.timedelta(days=20)
    generate_org(Options(out=tmp_path / "c", seed=5, scale=0.02, start=START, as_of=as_of, export="changes"))
    checked = 0
    for folder in sorted(p for p in (tmp_path / "c").iterdir() if p.is_dir() and p.name > START.isoformat()):
        for path in folder.rglob("*.csv"):
            df = pd.read_csv(path, dtype=str)
            column = "SystemModstamp" if "SystemModstamp" in df else "updated_at"
            assert (pd.to_datetime(df[column]).dt.date.astype(str) == folder.name).all(), path
            checked += len(df)
    assert checked > 100
    # The first day also carries what existed before the period (users, products, ...).
    users = pd.read_csv(tmp_path / "c" / START.isoformat() / "salesforce" / "User.csv", dtype=str)
    assert (pd.to_datetime(users["CreatedDate"]).dt.date < START).all()
