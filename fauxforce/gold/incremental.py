"""Gold built by key: a table whose model states `@incremental` lines is updated for the keys a change reaches
(delete those keys' rows, insert what the model's query gives for them) instead of being rebuilt whole.

What changed in each input since the last build that passed:
- a silver table: its rows loaded since then, those with a `_batch_id` above the highest it held at that
  build (every load stamps its batch on the rows it writes). A silver table whose content changed with no new
  batch (an `UPDATE` by hand) gives no such rows: the tables that read it are rebuilt whole.
- a gold table updated by key in this build: its rows before and after, for the keys it rewrote;
- a gold table rebuilt whole in this build: the rows in one of its old and new contents but not the other
  (it is copied before the rebuild when a later model reads it by key);
- `gold.run_context`: which of its columns changed (the as-of date moves with every day of changes).

A table is rebuilt whole instead when its model changed, it did not exist, the build is full, or an input
changed that no `@incremental` line names or whose change cannot be known. Rows written by key are what
the model's query gives for those keys, so an update by key and a full build agree whenever the lines name
every way a change reaches the table; the tests compare them table by table, day after day, on both engines.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from fauxforce.core.warehouse import Warehouse
from fauxforce.gold.models import CONTEXT_TABLE, Incremental, Model

STATE = "state:"  # meta.gold_signatures rows: `state:<model>` → what the model's table was last built from


def temp(kind: str, name: str) -> str:
    return f"_gold_{kind}_{name}"


@dataclass
class State:
    """What each model's table was made from at the last build that passed: the model's fingerprint, the
    versions of its inputs, the run context, and the highest `_batch_id` of each silver table it reads by key
    (per model, so a build of some models only leaves the others' starting point as it was)."""

    models: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def read(cls, stored: Mapping[str, str]) -> State:
        return cls({n.removeprefix(STATE): json.loads(v) for n, v in stored.items() if n.startswith(STATE)})

    def keep(
        self,
        model: Model,
        fingerprint: str,
        versions: Mapping[str, str],
        context: Mapping[str, Any],
        batches: Mapping[str, int],
    ) -> None:
        read = {i.source[1] for i in model.incremental if i.source[0] == "silver"}
        self.models[model.name] = {
            "fingerprint": fingerprint,
            "versions": dict(versions),
            "context": dict(context),
            "batches": {t: b for t, b in batches.items() if t in read},
        }

    def rows(self) -> dict[str, str]:
        return {f"{STATE}{m}": json.dumps(v, sort_keys=True) for m, v in self.models.items()}


def silver_read_by_key(models: Sequence[Model]) -> list[str]:
    """The silver tables some model reads by key: their highest batch is kept with each build."""
    return sorted({i.source[1] for m in models for i in m.incremental if i.source[0] == "silver"})


def gold_read_by_key(models: Sequence[Model]) -> set[str]:
    """The gold tables some model reads by key: a build keeps what changed in them for those models."""
    return {
        i.source[1] for m in models for i in m.incremental if i.source[0] == "gold" and i.source[1] != CONTEXT_TABLE
    }


def highest_batches(wh: Warehouse, conn: Connection, tables: Sequence[str]) -> dict[str, int]:
    """The highest `_batch_id` of each silver table read by key. On PostgreSQL each gets an index on `_batch_id`
    (once): the rows loaded since the last build are then an index range, where a scan of the table cost 0.8 s
    for a million deals, and the planner, seeing a few rows, looks their keys up in gold by index too."""
    present = set(wh.tables(conn, "silver"))
    out = {}
    for table in tables:
        if table in present and "_batch_id" in wh.columns(conn, "silver", table):
            wh.create_index(conn, "silver", table, ["_batch_id"])
            value = conn.exec_driver_sql(f"SELECT max(_batch_id) FROM {wh.q('silver', table)}").scalar_one()
            out[table] = int(value) if value is not None else 0
    return out


def _match(wh: Warehouse, left: str, right: str, columns: Sequence[str]) -> str:
    return " AND ".join(f"{left}.{wh.q(c)} = {right}.{wh.q(c)}" for c in columns)


class ByKey:
    """The updates by key of one build: what changed in each gold table it wrote, for the models after it."""

    def __init__(self, wh: Warehouse, conn: Connection, last: State, batches: Mapping[str, int], wanted: set[str]):
        self.wh, self.conn, self.last, self.batches, self.wanted = wh, conn, last, batches, wanted
        # gold table written in this build → its rows before and after, for the keys it wrote (absent: unknown;
        # a table left as it is in this build may still have changed since a reader was built, by a build of
        # some models only)
        self.changes: dict[str, tuple[str, str]] = {}
        self.written: dict[str, str] = {}  # gold table updated by key → a query for the rows it wrote
        self.counts: dict[str, int] = {}  # gold table updated by key → how many keys it rewrote
        self._temps: list[str] = []

    def keys(
        self, model: Model, fingerprint: str, versions: Mapping[str, str], context: Mapping[str, Any]
    ) -> str | None:
        """A query for the keys of `model` the changes since the last build reach, or None when the table must
        be rebuilt whole."""
        before = self.last.models.get(model.name)
        if not model.incremental or before is None or before.get("fingerprint") != fingerprint:
            return None
        lines = {i.source: i for i in model.incremental}
        target, key = self.wh.q("gold", model.name), ", ".join(self.wh.q(c) for c in model.key)
        parts = []
        for name, version in sorted(versions.items()):
            if before["versions"].get(name) == version:
                continue
            schema, table = name.split(".", 1)
            line = lines.get((schema, table))
            if line is None:
                return None
            if line.where is not None:
                was = before.get("context", {})
                moved = {c for c in set(context) | set(was) if context.get(c) != was.get(c)}
                if not moved:
                    continue
                if moved - set(line.columns):
                    return None
                parts.append(f"SELECT {key} FROM {target} AS t WHERE {line.where}")
                continue
            rows = self._changed_rows(line, before.get("batches", {}))
            if rows is None:
                return None
            parts.append(
                f"SELECT {key} FROM {target} AS t WHERE EXISTS (SELECT 1 FROM {rows} AS c WHERE "
                f"{_match(self.wh, 'c', 't', line.columns)})"
            )
            if set(line.columns) == set(model.key):
                parts.append(f"SELECT {key} FROM {rows} AS c")
        return " UNION ".join(parts) if parts else f"SELECT {key} FROM {target} WHERE 1 = 0"

    def _changed_rows(self, line: Incremental, last_batches: Mapping[str, int]) -> str | None:
        schema, table = line.source
        columns = ", ".join(self.wh.q(c) for c in (*line.columns, *line.reading)) if line.reading else "*"
        if schema == "gold":
            if table not in self.changes:
                return None
            before, after = self.changes[table]
            added = f"SELECT {columns} FROM {after} EXCEPT SELECT {columns} FROM {before}"
            removed = f"SELECT {columns} FROM {before} EXCEPT SELECT {columns} FROM {after}"
            return f"(({added}) UNION ALL ({removed}))"
        was, now = last_batches.get(table), self.batches.get(table)
        if was is None or now is None or now <= was:
            return None  # changed, but not by a load since the last build (or never tracked)
        return f"(SELECT {columns} FROM {self.wh.q('silver', table)} WHERE _batch_id > {was})"

    def update(self, model: Model, keys: str) -> None:
        """Rewrite the rows of `model` for `keys`."""
        wh, conn = self.wh, self.conn
        target, key_table = wh.q("gold", model.name), temp("keys", model.name)
        self._create(key_table, keys)
        reached = f"EXISTS (SELECT 1 FROM {key_table} AS k WHERE {_match(wh, 'k', 't', model.key)})"
        self.written[model.name] = f"SELECT * FROM {target} AS t WHERE {reached}"
        if model.name in self.wanted:
            self._create(temp("before", model.name), f"SELECT * FROM {target} AS t WHERE {reached}")
        conn.exec_driver_sql(
            f"DELETE FROM {target} AS t USING {key_table} AS k WHERE {_match(wh, 'k', 't', model.key)}"
        )
        if wh.dialect == "postgresql" and len(model.key) == 1:
            # The keys as a value the planner sees: PostgreSQL pushes `= ANY(array)` down to the scan of the table
            # the key comes from (an index scan), where a join with the keys' table would compute every row first.
            column = wh.q(model.key[0])
            keys_list = conn.exec_driver_sql(f"SELECT {column} FROM {key_table}").scalars().all()
            self.counts[model.name] = len(keys_list)
            conn.exec_driver_sql(
                f"INSERT INTO {target} SELECT * FROM ({model.sql.replace('%', '%%')}) AS t "
                f"WHERE t.{column} = ANY(%(keys)s)",
                {"keys": keys_list},
            )
        else:
            self.counts[model.name] = int(conn.exec_driver_sql(f"SELECT count(*) FROM {key_table}").scalar_one())
            conn.exec_driver_sql(f"INSERT INTO {target} SELECT * FROM ({model.sql}) AS t WHERE {reached}")
        if model.name in self.wanted:
            self._create(temp("after", model.name), f"SELECT * FROM {target} AS t WHERE {reached}")
            self.changes[model.name] = (temp("before", model.name), temp("after", model.name))

    def before_rebuild(self, model: Model, present: bool, same_model: bool) -> None:
        """Keep the old rows of a table a later model reads by key, to tell it what the rebuild changed."""
        if model.name in self.wanted and present and same_model:
            self._create(temp("old", model.name), f"SELECT * FROM {self.wh.q('gold', model.name)}")

    def after_rebuild(self, model: Model) -> None:
        """Index a table that is updated by key on its key and the columns changes reach it by (PostgreSQL:
        the next day's updates then look up a few rows instead of scanning the table)."""
        if model.incremental:
            reached_by = [model.key, *(i.columns for i in model.incremental if i.where is None)]
            for columns in dict.fromkeys(tuple(c) for c in reached_by):
                self.wh.create_index(self.conn, "gold", model.name, columns)
        old = temp("old", model.name)
        if old not in self._temps:
            return
        self.changes[model.name] = (old, self.wh.q("gold", model.name))

    def _create(self, name: str, query: str) -> None:
        self.conn.exec_driver_sql(f"CREATE TEMP TABLE {name} AS {query}")
        self._temps.append(name)

    def drop(self) -> None:
        for name in reversed(self._temps):
            self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
        self._temps.clear()
