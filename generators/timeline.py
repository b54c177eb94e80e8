"""Records with a history of versions, and the two views of it: a snapshot and the changes of a day.

Every object is a set of records with static columns (set at creation) and a list of versions
(creation, edits, stage changes, soft deletes), each with a timestamp and the values of the
columns that change. A snapshot as of a moment is the last version of every record at or before
it; the changes made on day D are the last version on D of every record touched that day. Both
views come from the same arrays, so a snapshot plus the next day's changes is the next snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa

from fauxforce.generators.columns import DAY, ts

System = Literal["salesforce", "erp"]
MODIFIED_COLUMNS: dict[System, tuple[str, ...]] = {
    "salesforce": ("LastModifiedDate", "SystemModstamp"),
    "erp": ("updated_at",),
}
DAY_COLUMN = "_day"


def fields(spec: str) -> tuple[str, ...]:
    """Column names from a whitespace-separated list, in order."""
    return tuple(spec.split())


@dataclass(frozen=True)
class History:
    """One object's records (static columns) and their versions, sorted by (record, time)."""

    name: str
    system: System
    columns: tuple[str, ...]
    static: Mapping[str, pa.Array]
    row: np.ndarray
    at: np.ndarray
    changing: Mapping[str, pa.Array]

    @staticmethod
    def build(
        name: str,
        system: System,
        columns: Sequence[str],
        static: Mapping[str, pa.Array],
        row: np.ndarray,
        at: np.ndarray,
        changing: Mapping[str, pa.Array] | None = None,
    ) -> History:
        if len(row) < 2 or bool(np.all(row[1:] > row[:-1])):
            order = None  # one version per record, already in record order
        else:
            order = np.lexsort((at, row))
            row, at = row[order], at[order]
        taken = pa.array(order) if order is not None else None
        sorted_changing = {k: v if taken is None else v.take(taken) for k, v in (changing or {}).items()}
        known = set(static) | set(sorted_changing) | set(MODIFIED_COLUMNS[system])
        missing = [c for c in columns if c not in known]
        if missing:
            raise ValueError(f"{name}: no values for columns {missing}")
        return History(name, system, tuple(columns), static, row, at, sorted_changing)

    @staticmethod
    def created_only(
        name: str, system: System, columns: Sequence[str], static: Mapping[str, pa.Array], created: np.ndarray
    ) -> History:
        """Records that never change after creation (history rows, payments, transactions)."""
        n = len(created)
        return History.build(name, system, columns, static, np.arange(n), np.asarray(created, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.row)

    def snapshot(self, cut: int) -> pa.Table:
        """Every record created before `cut` (epoch seconds), as its last version before `cut`."""
        return self._view(np.flatnonzero(self.at < cut), by_day=False)

    def daily(self, cut: int) -> pa.Table:
        """The last version per record and day, for versions before `cut`, with a `_day` column."""
        return self._view(np.flatnonzero(self.at < cut), by_day=True)

    def _view(self, sel: np.ndarray, by_day: bool) -> pa.Table:
        rows = self.row[sel]
        boundary = rows[1:] != rows[:-1]
        if by_day:
            days = self.at[sel] // DAY
            boundary |= days[1:] != days[:-1]
        last = sel[np.r_[boundary, True]] if len(sel) else sel
        record = pa.array(self.row[last])
        version = pa.array(last)
        modified = ts(self.at[last])
        out: dict[str, pa.Array] = {}
        for c in self.columns:
            if c in self.changing:
                out[c] = self.changing[c].take(version)
            elif c in self.static:
                out[c] = self.static[c].take(record)
            else:
                out[c] = modified
        if by_day:
            out[DAY_COLUMN] = pa.array(self.at[last] // DAY, type=pa.int64())
        return pa.table(out)


def hand_over(h: History, old: str, new: str, at: int, done: str | None = None) -> History:
    """A Salesforce user `old` leaves at `at` (epoch seconds) and `new` takes over her work.

    Records she owns at that moment get a new version then, owned by `new` (their other values as they
    were), except those whose `done` column is true by then (closed deals and cases, converted leads stay
    hers, as Salesforce's mass transfer leaves them); from then on every value naming her (owner, creator,
    last modifier) names `new` instead. What she did before she left keeps her name. Objects without
    those columns come back as they were.
    """
    users = [c for c in ("OwnerId", "CreatedById", "LastModifiedById") if c in h.columns]
    if not users:
        return h
    n_records = len(h.static[next(iter(h.static))]) if h.static else 0
    created = np.full(n_records, np.iinfo(np.int64).max)
    np.minimum.at(created, h.row, h.at)
    per_version: dict[str, pa.Array] = {
        c: h.changing[c] if c in h.changing else h.static[c].take(pa.array(h.row)) for c in users
    }
    static = {k: v for k, v in h.static.items() if k not in users}
    changing: dict[str, pa.Array] = {**h.changing, **per_version}
    row, when = h.row, h.at
    kept = np.zeros(n_records, dtype=bool)  # records she owned, finished by then: they stay hers
    n_old = len(row)
    if "OwnerId" in users:  # what she owns when she leaves is handed over then: one new version per record
        nxt_row, nxt_at = np.r_[row[1:], -1], np.r_[when[1:], np.iinfo(np.int64).max]
        last_before = (when < at) & ((nxt_row != row) | (nxt_at >= at))
        mine = last_before & (per_version["OwnerId"].to_numpy(zero_copy_only=False) == old)
        if done is not None:
            finished = (changing[done] if done in changing else h.static[done].take(pa.array(row))).fill_null(False)
            finished_np = finished.to_numpy(zero_copy_only=False).astype(bool)
            kept[row[mine & finished_np]] = True
            mine &= ~finished_np
        owned = np.flatnonzero(mine)
        if len(owned):
            row = np.concatenate([row, row[owned]])
            when = np.concatenate([when, np.full(len(owned), at, dtype=np.int64)])
            taken = pa.array(np.concatenate([np.arange(n_old), owned]))
            changing = {k: v.take(taken) for k, v in changing.items()}
    handed = np.arange(len(row)) >= n_old
    after = when >= at
    for c in users:
        values = changing[c].to_numpy(zero_copy_only=False)
        if c == "CreatedById":
            mask = (values == old) & (created[row] >= at)
        elif c == "OwnerId":
            mask = (values == old) & after & ~kept[row]
        else:  # LastModifiedById: the hand-over is the new owner's first change
            mask = ((values == old) & after) | handed
        changing[c] = pa.array(np.where(mask, new, values), type=changing[c].type)
    return History.build(h.name, h.system, h.columns, static, row, when, changing)
