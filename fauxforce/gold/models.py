"""The gold models: one SQL file per table under warehouse_sql/gold, its contract in its header.

A file's header comment states the grain and metric definitions for people, and the contract for
the build in `-- @` lines:

    -- @key opportunity_id                                   unique, and not null
    -- @not_null stage_name status                           not null
    -- @references customer_key dim_customer.customer_key    every non-null value is in that gold table
    -- @accepted status won lost open                        every non-null value is one of these
    -- @incremental silver.opportunity opportunity_id        built by key from what changed (below)
    -- @incremental gold.run_context as_of_date where not is_closed

`@incremental` lines let a build update the table by key instead of rebuilding it whole: each names an input
the query reads and how a change in it reaches this table's rows.
- `@incremental <schema.table> <column …>`: a changed row of the input changes the rows of this table whose
  columns of those names hold its values; when the columns are this table's key, the changed rows' values
  are keys of this table too (new rows).
- `@incremental gold.<table> <column …> reading <column …>`: the same, where a gold input's row counts as
  changed only when one of those columns changed (the query reads no other); without `reading`, any column.
- `@incremental gold.run_context <column …> where <predicate>`: a change of those run-context columns
  changes the rows of this table (as last built, named `t`) that the predicate selects; it may read other
  tables (`gold.run_context` holds the new values).
A change in any input no line names rebuilds the table whole.

A model depends on the gold tables its query reads (`gold.<name>`) and those it references; the
build runs them in that order. `gold.run_context` (the as-of date, fiscal year start and reporting
currency), `gold.currency_rate` and `gold.reconciliation` are written by the build itself, before any model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from importlib.resources.abc import Traversable

from fauxforce.core import resources

CONTEXT_TABLE = "run_context"
BUILT_FIRST = (CONTEXT_TABLE, "currency_rate", "reconciliation")  # the build writes these before any model
DIRECTIVES = ("key", "not_null", "references", "accepted", "incremental")


class ModelError(ValueError):
    """A gold SQL file is malformed: the message names the file and line."""


@dataclass(frozen=True)
class Reference:
    column: str
    table: str
    target: str


@dataclass(frozen=True)
class Incremental:
    """An `@incremental` line: how a change in one input reaches the table's rows."""

    source: tuple[str, str]  # (schema, table)
    columns: tuple[str, ...]
    where: str | None = None  # for gold.run_context: the rows (as last built) that its change reaches
    reading: tuple[str, ...] = ()  # for a gold input: the other columns the query reads from it (default: all)


@dataclass(frozen=True)
class Model:
    name: str
    sql: str
    key: tuple[str, ...]
    not_null: tuple[str, ...]
    references: tuple[Reference, ...]
    accepted: dict[str, tuple[str, ...]] = field(default_factory=dict)
    depends: frozenset[str] = frozenset()
    reads: frozenset[tuple[str, str]] = frozenset()  # every (schema, table) its query names, e.g. ("silver", "case")
    incremental: tuple[Incremental, ...] = ()


def tables_read(sql: str) -> frozenset[tuple[str, str]]:
    """The (schema, table) pairs a query names as `schema.table` or `schema."table"`, in any warehouse schema."""
    found = re.findall(r'\b(bronze|silver|gold|quarantine|meta)\.(?:"(\w+)"|(\w+))', sql, flags=re.IGNORECASE)
    return frozenset((schema.lower(), quoted or bare.lower()) for schema, quoted, bare in found)


def strip_comments(sql: str) -> str:
    """SQL without its `--` comments (the headers are for people and for the contract parser)."""
    return re.sub(r"--[^\n]*", "", sql)


def parse(path: Traversable) -> Model:
    """Read one model file: its query and the contract in its header."""
    sql = path.read_text(encoding="utf-8")
    name = path.name.removesuffix(".sql")
    key: list[str] = []
    not_null: list[str] = []
    references: list[Reference] = []
    accepted: dict[str, tuple[str, ...]] = {}
    incremental: list[tuple[str, Incremental]] = []
    for number, line in enumerate(sql.splitlines(), 1):
        m = re.match(r"--\s*@(\w+)\s*(.*)$", line)
        if not m:
            continue
        directive, words = m.group(1), m.group(2).split()
        where = f"{path.name}:{number}"
        if directive not in DIRECTIVES:
            raise ModelError(f"{where}: unknown directive @{directive}; use one of {', '.join(DIRECTIVES)}")
        if not words:
            raise ModelError(f"{where}: @{directive} names no column")
        if directive == "key":
            key += words
        elif directive == "not_null":
            not_null += words
        elif directive == "incremental":
            incremental.append((where, _incremental(where, words)))
        elif directive == "references":
            target = re.fullmatch(r"(\w+)\.(\w+)", words[-1])
            if len(words) != 2 or not target:
                raise ModelError(f"{where}: write @references <column> <gold table>.<column>")
            references.append(Reference(words[0], target.group(1), target.group(2)))
        else:
            if len(words) < 2:
                raise ModelError(f"{where}: write @accepted <column> <value> [<value> …]")
            accepted[words[0]] = tuple(words[1:])
    if not key:
        raise ModelError(f"{path.name}: no @key line; every gold table states its grain's key")
    body = strip_comments(sql).strip()
    reads = tables_read(body)
    for where, spec in incremental:
        if spec.source not in reads:
            raise ModelError(f"{where}: @incremental names {'.'.join(spec.source)}, which the query does not read")
    if len({spec.source for _, spec in incremental}) < len(incremental):
        raise ModelError(f"{path.name}: two @incremental lines name the same input")
    gold = {t for s, t in reads if s == "gold"} | {r.table for r in references}
    depends = frozenset(gold - {name, *BUILT_FIRST})
    lines = tuple(spec for _, spec in incremental)
    return Model(name, body, tuple(key), tuple(not_null), tuple(references), accepted, depends, reads, lines)


def _incremental(where: str, words: list[str]) -> Incremental:
    source = re.fullmatch(r"(silver|gold)\.(\w+)", words[0].lower())
    if not source or len(words) < 2:
        raise ModelError(
            f"{where}: write @incremental <silver or gold table> <column> [<column> …] [reading <column> …] "
            "or @incremental gold.run_context <column> [<column> …] where <predicate>"
        )
    text, _, predicate = " ".join(words[1:]).partition(" where ")
    columns, _, reading = text.partition(" reading ")
    names, read = tuple(columns.split()), tuple(reading.split())
    if not names or not all(re.fullmatch(r"\w+", n) for n in (*names, *read)):
        raise ModelError(f"{where}: @incremental names no column of {words[0]}")
    if (source.group(2) == CONTEXT_TABLE) != bool(predicate.strip()):
        raise ModelError(f"{where}: @incremental gold.{CONTEXT_TABLE} takes `where <predicate>`, and only it does")
    if read and source.group(1) != "gold":
        raise ModelError(f"{where}: `reading` is for a gold input (a silver input's changed rows are its new rows)")
    return Incremental((source.group(1), source.group(2)), names, predicate.strip() or None, read)


def sql_files(directory: Traversable | None = None) -> list[Traversable]:
    """The `.sql` files of a folder (default: the gold models shipped with the package), by name."""
    if directory is None:
        return resources.sql_files("gold")
    return sorted((f for f in directory.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)


def load_models(directory: Traversable | None = None) -> list[Model]:
    """Every model of a folder (default: the package's gold models), each after the models it reads (the
    same order every time)."""
    models = {m.name: m for m in (parse(p) for p in sql_files(directory))}
    for m in models.values():
        missing = sorted(m.depends - models.keys())
        if missing:
            raise ModelError(f"{m.name}.sql reads gold tables no file defines: {', '.join(missing)}")
    sorter = TopologicalSorter({name: sorted(m.depends) for name, m in sorted(models.items())})
    try:
        order = list(sorter.static_order())
    except CycleError as e:
        raise ModelError(f"gold models read each other in a cycle: {' → '.join(e.args[1])}") from e
    return [models[name] for name in order]
