"""`fauxforce status`: what the warehouse holds per layer, and how the last runs went, in a few lines.

Read-only and quick: it counts the tables of each schema, reads the run ledger and gold's run context,
and never takes the run lock (a DuckDB file that a run holds is reported as busy, not waited for).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fauxforce.core import ledger, maintenance
from fauxforce.core.warehouse import Warehouse

LAYERS = ("bronze", "silver", "quarantine", "gold")


@dataclass
class Status:
    warehouse: str
    layers: dict[str, tuple[int, int]] = field(default_factory=dict)  # schema → (tables, rows)
    runs: list[dict[str, Any]] = field(default_factory=list)
    as_of: dt.date | None = None
    flags: dict[str, int] = field(default_factory=dict)
    quarantined_files: int = 0
    watermarks: list[tuple[str, str, str]] = field(default_factory=list)  # (source layer, object, value)
    next_window: str | None = None  # the next maintenance window, as a line

    def lines(self) -> list[str]:
        out = [f"warehouse {self.warehouse}"]
        if not self.layers:
            return [*out, "  empty: nothing has run against it yet (`fauxforce run`)"]
        for schema in LAYERS:
            tables, rows = self.layers.get(schema, (0, 0))
            out.append(f"  {schema:<11}{tables:>4} tables {rows:>14,} rows")
        out.append(f"  gold as of  {self.as_of or '—'}")
        if self.flags:
            shown = ", ".join(f"{k} {v:,}" for k, v in sorted(self.flags.items(), key=lambda kv: -kv[1]))
            out.append(f"  flags      {shown}")
        if self.quarantined_files:
            out.append(f"  files quarantined {self.quarantined_files:,} (meta.quarantined_files)")
        for layer, obj, value in self.watermarks:
            out.append(f"  {layer} {obj} read up to {value}")
        if self.next_window:
            out.append(f"  maintenance {self.next_window}")
        out.append("runs (newest first)" if self.runs else "runs: none recorded")
        for r in self.runs:
            took = ""
            if r["finished_at"] and r["started_at"]:
                took = f" in {(r['finished_at'] - r['started_at']).total_seconds():.1f}s"
            what = ""
            if r["status"] == "completed":
                what = (
                    f": {r['bronze_rows'] or 0:,} rows landed, {r['silver_loaded'] or 0:,} loaded "
                    f"({r['silver_flagged'] or 0:,} flagged, {r['silver_quarantined'] or 0:,} quarantined), "
                    f"gold as of {r['gold_as_of']}"
                )
            elif r["message"]:
                what = f": {r['message']}"
            started = r["started_at"].astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            out.append(f"  {started}  {r['status']}{took} ({r['source']}, {r['erp_source']}){what}")
        return out


def status(wh: Warehouse, runs: int = 5, windows: str | None = None) -> Status:
    """Read what the warehouse holds; an empty or new warehouse gives an empty status, not an error.
    `windows`: the declared maintenance windows, of which the next is shown."""
    s = Status(warehouse=str(wh), next_window=next_window(windows))
    with wh.engine.connect() as conn:
        schemas = {str(r[0]) for r in conn.execute(sa.text("SELECT schema_name FROM information_schema.schemata"))}
        for schema in LAYERS:
            if schema in schemas:
                s.layers[schema] = _count(wh, conn, schema)
        if "meta" not in schemas:
            return s
        has = set(wh.tables(conn, "meta"))
        if "runs" in has:
            s.runs = ledger.runs(conn, runs)
        if "flags" in has:
            rows = conn.execute(sa.text("SELECT check_name, count(*) FROM meta.flags GROUP BY check_name"))
            s.flags = {str(r[0]): int(r[1]) for r in rows}
        if "quarantined_files" in has:
            s.quarantined_files = int(conn.execute(sa.text("SELECT count(*) FROM meta.quarantined_files")).scalar_one())
        if "watermark" in has:
            rows = conn.execute(
                sa.text("SELECT layer, object, value FROM meta.watermark WHERE layer <> 'silver' ORDER BY 1, 2")
            )
            s.watermarks = [(str(r[0]), str(r[1]), str(r[2])) for r in rows]
        if "run_context" in wh.tables(conn, "gold"):
            s.as_of = conn.execute(sa.text("SELECT as_of_date FROM gold.run_context")).scalar_one_or_none()
    return s


def _count(wh: Warehouse, conn: Connection, schema: str) -> tuple[int, int]:
    tables = wh.tables(conn, schema)
    if not tables:
        return 0, 0
    union = " UNION ALL ".join(f"SELECT count(*) AS n FROM {wh.q(schema, t)}" for t in tables)
    return len(tables), int(conn.execute(sa.text(f"SELECT coalesce(sum(n), 0) FROM ({union}) AS c")).scalar_one())


def next_window(windows: str | None, now: dt.datetime | None = None) -> str | None:
    """The next (or current) maintenance window as a phrase, or None when none is declared or ahead."""
    found = maintenance.upcoming(maintenance.parse(windows), now or dt.datetime.now(dt.UTC))
    if found is None:
        return None
    window, begin, finish = found
    return f"next: {window.system} {maintenance.span(begin, finish)} ({window.text})"
