"""The one connector interface: list the objects a source provides, extract one as batches.

A connector yields `Batch`es: a pyarrow table with the source's own column names (Salesforce API
names for both CRM connectors, an ERP's table columns) and every value as text, plus the state to
remember once the batch has landed. A file connector may add the reserved columns `_line_number`
(where each record starts in its file), `_issue` (why a record cannot be taken as it is) and `_raw`
(such a record's fields), and says in `info` what it found (encoding, delimiter, …). The pipeline
stores that state in the warehouse in the same transaction as the batch, so an interrupted run
neither loses nor repeats a batch.
"""

from __future__ import annotations

import datetime as dt
import decimal
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pyarrow as pa

from fauxforce.core.catalogue import ObjectRef, System

__all__ = ["REGISTRY", "Batch", "Connector", "ObjectRef", "System", "as_text", "get_connector", "register"]


@dataclass(frozen=True)
class Batch:
    """Rows of one object as received, and what to remember once they have landed."""

    ref: ObjectRef
    data: pa.Table  # every column a string; null where the source had no value
    source_uri: str
    state: dict[str, str]  # the connector's state after this batch (for files: the file's key and digest)
    info: dict[str, object] = field(default_factory=dict)  # how the source was read (kept in meta.ingested_files)
    fields: dict[str, str] = field(default_factory=dict)  # a live source's field → describe type (meta.source_fields)
    picklists: dict[str, list[str]] = field(default_factory=dict)  # a picklist field → the org's active values
    error: str | None = None  # why the source could not be read (`data` is then empty): the file is quarantined


class Connector(ABC):
    """A source of CRM or ERP objects."""

    name: ClassVar[str]

    @abstractmethod
    def objects(self) -> list[ObjectRef]:
        """The objects this source can provide now."""

    @abstractmethod
    def extract(
        self, ref: ObjectRef, seen: Callable[[dict[str, str]], bool], since: str | None = None
    ) -> Iterator[Batch]:
        """The batches of `ref` not yet landed.

        `seen(state)` says whether a batch's state already landed (a file source's key); `since` is the
        watermark the last landed batch of a live source carried (`state["watermark"]`), if any.
        """

    def skipped(self) -> list[tuple[str, str]]:
        """What the source holds but does not read, and why (a file source's stray files); reported, never
        silently dropped."""
        return []


def as_text(value: Any) -> str | None:
    """A source value as an export spells it: booleans `true`/`false`, datetimes `2026-04-04 16:24:19` (UTC),
    dates `2026-04-04`, decimals as written, null as None; strings as they are."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return str(value)


REGISTRY: dict[str, type[Connector]] = {}


def register(cls: type[Connector]) -> type[Connector]:
    REGISTRY[cls.name] = cls
    return cls


def get_connector(name: str, **options: Any) -> Connector:
    """The connector registered under `name`, configured with `options`."""
    try:
        cls = REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown source {name!r}; choose one of {', '.join(sorted(REGISTRY))}") from None
    return cls(**options)
