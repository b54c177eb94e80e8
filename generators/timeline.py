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
