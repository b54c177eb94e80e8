"""Generate a whole org: reference data, then block after block of accounts and all they bring, then stock.

Output goes to a temporary folder beside the target and is renamed into place at the end, so a
failed or interrupted run never leaves a half-written folder.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

import fauxforce
from fauxforce.core import catalogue, describe
from fauxforce.core.files import umask
from fauxforce.core.hashing import file_sha256
from fauxforce.core.progress import NullProgress, Progress
from fauxforce.generators import crm, dirty, erp, geo, inventory, pools, reference, sales, scenarios, support, twin
from fauxforce.generators.columns import DAY
from fauxforce.generators.context import ACCOUNTS_AT_SCALE_1, MAX_BLOCK_ACCOUNTS, Context, Sequences, Spec
from fauxforce.generators.timeline import DAY_COLUMN, History, System
from fauxforce.generators.writers import FORMATS, Format, TableWriter, open_writer

Export = Literal["full", "changes"]
EXPORTS: tuple[Export, ...] = ("full", "changes")
DEFAULT_AS_OF = dt.date(2026, 6, 30)
MIN_SCALE, MAX_SCALE = 0.01, 100.0


class GenerateError(ValueError):
    """A bad argument or an unusable output folder: the message says which and what to do."""


@dataclass(frozen=True)
class Options:
    out: Path
    seed: int = 42
    scale: float = 1.0
    as_of: dt.date = DEFAULT_AS_OF
    days: int = 365
    start: dt.date | None = None  # default: as_of - days; fix it to move as_of on without rewriting history
    format: Format = "csv"
    export: Export = "full"
    since: dt.date | None = None  # changes export: only days after this one
    overwrite: bool = False
    dirty: float = 0.0  # rate of defects per record (see generators/dirty.py); 0 writes clean exports
    describe: Path | None = None  # a folder of the org's describe metadata: write its twin (generators/twin.py)
    describe_label: str | None = None  # what the manifest calls that metadata (default: the folder)
    scenarios: tuple[scenarios.Effect, ...] = ()  # effects planted in the org (generators/scenarios.py)

    @property
    def period_start(self) -> dt.date:
        return self.start or (self.as_of - dt.timedelta(days=self.days))

    def validate(self) -> None:
        if not (MIN_SCALE <= self.scale <= MAX_SCALE) or math.isnan(self.scale):
            raise GenerateError(f"--scale must be between {MIN_SCALE} and {MAX_SCALE:g}, not {self.scale}")
        if self.days < 1:
            raise GenerateError(f"--days must be at least 1, not {self.days}")
        if self.format not in FORMATS:
            raise GenerateError(f"--format must be one of {', '.join(FORMATS)}, not {self.format!r}")
        if self.export not in EXPORTS:
            raise GenerateError(f"--export must be one of {', '.join(EXPORTS)}, not {self.export!r}")
        if self.period_start > self.as_of:
            raise GenerateError(f"--start {self.period_start} is after --as-of {self.as_of}")
        if self.since is not None and self.export != "changes":
            raise GenerateError("--since only applies to --export changes")
        if self.seed < 0:
            raise GenerateError(f"--seed must be zero or positive, not {self.seed}")
        if not (0 <= self.dirty <= 1) or math.isnan(self.dirty):
            raise GenerateError(f"--dirty must be a rate between 0 and 1, not {self.dirty}")
        if self.dirty and self.format != "csv":
            raise GenerateError("--dirty writes messy CSV files; it cannot be combined with --format parquet")
        if self.dirty and self.describe is not None:
            raise GenerateError("--dirty spoils the built-in org's columns; it cannot be combined with --describe yet")


@dataclass
class Manifest:
    generator: str
    version: str
    seed: int
    scale: float
    start: str
    days: int
    as_of: str
    export: str
    format: str
    since: str | None
    objects: dict[str, dict[str, int]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    dirty: float = 0.0
    defects: int = 0  # defects injected by dirty mode, listed in defects.csv
    describe: dict[str, Any] | None = None  # a twin's: the describe files it was made from, and their SHA-256
    scenarios: list[dict[str, Any]] | None = None  # the effects planted, as resolved, with their sizes

    def to_json(self) -> str:
        data = asdict(self)
        for key in ("describe", "scenarios"):  # the built-in org's manifest stays as it was
            if data[key] is None:
                del data[key]
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @property
    def total_rows(self) -> int:
        return sum(v["rows"] for v in self.objects.values())


def _system_dir(h: History) -> str:
    return h.system


class _FullSink:
    """Snapshot views streamed to one file per object.

    Formatting and writing run on one background thread (Arrow releases the GIL there), so the
    next block is generated while the last one is written; at most `MAX_PENDING` writes wait.
    """

    MAX_PENDING = 64

    def __init__(self, root: Path, fmt: Format, cut: int) -> None:
        self.root, self.fmt, self.cut = root, fmt, cut
        self.writers: dict[str, TableWriter] = {}
        self.counts: dict[str, dict[str, int]] = {}
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fauxforce-writer")
        self.pending: deque[Future[None]] = deque()

    def view(self, h: History) -> pa.Table:
        return h.snapshot(self.cut)

    def write(self, system: System, name: str, table: pa.Table) -> int:
        key = f"{system}/{name}"
        if key not in self.writers:
            self.writers[key] = open_writer(self.fmt, self.root / system / f"{name}.{self.fmt}", system)
            self.counts[key] = {"rows": 0, "live_rows": 0}
        self.pending.append(self.pool.submit(self.writers[key].write, table))
        while len(self.pending) > self.MAX_PENDING or (self.pending and self.pending[0].done()):
            self.pending.popleft().result()  # re-raises a failed write here
        self.counts[key]["rows"] += table.num_rows
        self.counts[key]["live_rows"] += _live(table)
        return table.num_rows

    def abort(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> dict[str, dict[str, int]]:
        try:
            while self.pending:
                self.pending.popleft().result()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
            for w in self.writers.values():
                w.close()
        return self.counts


class _ChangesSink:
    """Per-day views spilled to Arrow files per object, then split into one folder per day."""

    def __init__(self, root: Path, fmt: Format, cut: int, first_day: int, since_day: int) -> None:
        self.root, self.fmt, self.cut, self.first_day, self.since_day = root, fmt, cut, first_day, since_day
        self.spill = root / ".spill"
        self.spill.mkdir(parents=True)
        self.writers: dict[str, ipc.RecordBatchFileWriter] = {}
        self.systems: dict[str, str] = {}
        self.schemas: dict[str, pa.Schema] = {}

    def view(self, h: History) -> pa.Table:
        return h.daily(self.cut)

    def write(self, system: System, name: str, table: pa.Table) -> int:
        days = pc.max_element_wise(table[DAY_COLUMN], pa.scalar(self.first_day, pa.int64()))
        table = table.set_column(table.schema.get_field_index(DAY_COLUMN), DAY_COLUMN, days)
        table = table.filter(pc.greater(table[DAY_COLUMN], pa.scalar(self.since_day, pa.int64())))
        key = f"{system}/{name}"
        if key not in self.writers:
            self.schemas[key] = table.schema
            self.writers[key] = ipc.new_file(str(self.spill / f"{system}__{name}.arrow"), table.schema)
            self.systems[key] = system
        self.writers[key].write_table(table.cast(self.schemas[key]))
        return table.num_rows

    def close(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for key, w in self.writers.items():
            w.close()
            system, name = key.split("/")
            with pa.memory_map(str(self.spill / f"{system}__{name}.arrow")) as source:
                table = ipc.open_file(source).read_all()
            if table.num_rows == 0:
                continue
            order = pc.sort_indices(table, [(DAY_COLUMN, "ascending")])  # stable: keeps record order within a day
            table = table.take(order)
            day_values = table[DAY_COLUMN].to_numpy()
            bounds = np.flatnonzero(np.r_[True, day_values[1:] != day_values[:-1], True])
            for lo, hi in itertools.pairwise(bounds):
                day = dt.date(1970, 1, 1) + dt.timedelta(days=int(day_values[lo]))
                part = table.slice(lo, hi - lo).drop_columns([DAY_COLUMN])
                writer = open_writer(self.fmt, self.root / day.isoformat() / system / f"{name}.{self.fmt}", system)  # type: ignore[arg-type]
                writer.write(part)
                writer.close()
                entry = counts.setdefault(f"{day.isoformat()}/{key}", {"rows": 0, "live_rows": 0})
                entry["rows"] += part.num_rows
                entry["live_rows"] += _live(part)
        shutil.rmtree(self.spill)
        return counts

    def abort(self) -> None:
        for w in self.writers.values():
            w.close()


def _live(table: pa.Table) -> int:
    if "IsDeleted" not in table.column_names:
        return table.num_rows
    return table.num_rows - int(pc.sum(table["IsDeleted"].cast(pa.int64())).as_py() or 0)


def _blocks(spec: Spec, through_day: int) -> Iterator[tuple[int, int, int]]:
    """(block, chunk, accounts) for every block that starts on or before `through_day` (epoch day)."""
    block = 0
    while spec.block_start(block) // DAY <= through_day:
        n = spec.block_count(ACCOUNTS_AT_SCALE_1, block)
        chunks = max(1, math.ceil(n / MAX_BLOCK_ACCOUNTS))
        for c in range(chunks):
            yield block, c, n * (c + 1) // chunks - n * c // chunks
        block += 1


def _block_histories(
    ctx: Context, ref: reference.Reference, block: int, chunk: int, n: int
) -> tuple[list[History], erp.StockEvents]:
    account_h, acc = crm.accounts(ctx, ref, block, chunk, n)
    contact_h, con = crm.contacts(ctx, ref, block, chunk, acc)
    campaign_h, campaign_created = sales.campaigns(ctx, ref, block, chunk)
    campaign_ids = campaign_h.static["Id"]
    opp_hs, won, role_contacts, first_opp = sales.opportunities(
        ctx, ref, block, chunk, acc, con, (campaign_ids, campaign_created)
    )
    case_h, case_contacts = support.cases(ctx, ref, block, chunk, acc, con)
    lead_h = support.leads(ctx, ref, block, chunk, acc, con, first_opp)
    referenced = np.zeros(len(con.created), dtype=bool)
    referenced[role_contacts] = True
    referenced[case_contacts] = True
    referenced[con.start] = True  # first contacts: converted leads and ReportsTo point at them
    contact_h = crm.with_soft_deletes(contact_h, ~referenced, 0.015, ctx.rng("Contact-deletes", block, chunk))
    erp_block = erp.erp_block(ctx, ref, block, chunk, acc, won)
    crm_hs = [account_h, contact_h, lead_h, campaign_h, *opp_hs, case_h]
    return crm_hs + erp_block.histories, erp_block.stock


def _planted(
    effects: tuple[scenarios.Effect, ...], spec: Spec, ref: reference.Reference
) -> tuple[scenarios.Effect, ...]:
    """The scenario's effects resolved against this org's suppliers and products."""
    if not effects:
        return ()
    stocked = erp.stock_cells(ref) >= 0
    supply = np.bincount(ref.supplier[stocked], minlength=len(ref.supplier_ids))
    try:
        return scenarios.resolve(
            effects,
            spec.start,
            spec.days,
            ref.supplier_ids.to_pylist(),
            supply,
            ref.reliability,
            ref.skus.to_pylist(),
            np.where(stocked, erp.sales_weights(ref), 0.0),
            [(c.code, c.weight) for c in geo.COUNTRIES],
            ref.reps(),
        )
    except scenarios.ScenarioError as e:
        raise GenerateError(str(e)) from None


def generate_org(options: Options, progress: Progress | None = None) -> Manifest:
    """Write an org to `options.out` and return its manifest."""
    options.validate()
    out = options.out
    _check_target(out, options.overwrite)
    spec = Spec(seed=options.seed, scale=options.scale, start=options.period_start, days=options.days)
    as_of_day = (options.as_of - dt.date(1970, 1, 1)).days
    cut = (as_of_day + 1) * DAY
    # Blocks up to the look-ahead past as-of: their orders shape purchase orders placed before it.
    plan_through = as_of_day + inventory.LOOKAHEAD_DAYS
    blocks = list(_blocks(spec, plan_through))
    described = _read_describe(options.describe) if options.describe is not None else None
    progress = progress or NullProgress()
    progress.total = len(blocks) + 3
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    tmp.chmod(0o777 & ~umask())  # mkdtemp makes it private; the export gets the user's usual permissions
    sink: _FullSink | _ChangesSink | None = None
    try:
        since_day = (options.since - dt.date(1970, 1, 1)).days if options.since else -(10**9)
        first_day = spec.start_ts // DAY
        sink = (
            _FullSink(tmp, options.format, cut)
            if options.export == "full"
            else _ChangesSink(tmp, options.format, cut, first_day, since_day)
        )
        ctx = Context(spec, pools.build(spec.seed), Sequences(spec.seed))
        shaper = _twin(described, spec, ctx, cut) if described is not None else None
        emit = _emitter(sink, shaper)
        ref = reference.build(ctx)
        ctx.planted = _planted(options.scenarios, spec, ref)
        ref = reference.with_planted(ref, ctx.planted)
        rows = sum(emit(h) for h in ref.histories)
        if shaper is not None:
            rows += sum(sink.write("salesforce", n, t) for n, t in shaper.standalone(options.export == "changes"))
        progress.advance(1, f"{rows:,} rows")
        stock: list[erp.StockEvents] = []
        for block, chunk, n in blocks:
            histories, events = _block_histories(ctx, ref, block, chunk, n)
            histories = [reference.hand_over(h, ref) for h in histories]
            stock.append(events)
            if spec.block_start(block) < cut:
                rows += sum(emit(h) for h in histories)
            progress.advance(1, f"{rows:,} rows")
        try:
            scenarios.check_met(ctx.planted, ctx.met)
        except scenarios.ScenarioError as e:
            raise GenerateError(str(e)) from None
        events = erp.StockEvents.concat(stock)
        stock.clear()  # each part is in `events` now; hold one copy while planning
        planned = inventory.plan(ctx, ref, events, as_of_day)
        del events
        while planned:  # each table is let go once written
            rows += emit(planned.pop(0))
        progress.advance(1, f"{rows:,} rows")
        manifest = Manifest(
            generator="fauxforce",
            version=fauxforce.__version__,
            seed=spec.seed,
            scale=spec.scale,
            start=spec.start.isoformat(),
            days=spec.days,
            as_of=options.as_of.isoformat(),
            export=options.export,
            format=options.format,
            since=options.since.isoformat() if options.since else None,
            dirty=options.dirty,
            objects=dict(sorted(sink.close().items())),
            scenarios=scenarios.planted(ctx.planted) if ctx.planted else None,
        )
        if shaper is not None and described is not None:
            describe.write_folder(tmp / describe.FOLDER, shaper.describes())
            if shaper.stages:  # what the stages mean, for a reader of the export and for the mock org
                describe.write_json(tmp / describe.FOLDER / describe.STAGES_FILE, describe.stage_records(shaper.stages))
            if (c := shaper.currencies) is not None:  # what the currencies are worth
                rates = describe.currency_records(c.codes, c.rates, c.decimals, c.corporate)
                describe.write_json(tmp / describe.FOLDER / describe.CURRENCIES_FILE, rates)
            manifest.describe = {
                "folder": options.describe_label or str(options.describe),
                "files": {p.name: file_sha256(p) for p in described.files},
            }
        if options.dirty:
            defects = dirty.make_dirty(tmp, spec.seed, options.dirty)
            manifest.defects = len(defects)
        manifest.files = {
            p.relative_to(tmp).as_posix(): file_sha256(p) for p in sorted(tmp.rglob(f"*.{options.format}"))
        }
        (tmp / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
        progress.advance(1, "written")
        _replace(tmp, out)
    except BaseException:
        if sink is not None:
            sink.abort()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        progress.finish()
    return manifest


def _read_describe(folder: Path) -> describe.Describes:
    try:
        return describe.read_folder(folder)
    except describe.DescribeError as e:
        raise GenerateError(f"--describe: {e}") from None


def _twin(described: describe.Describes, spec: Spec, ctx: Context, cut: int) -> twin.Twin:
    generated = {t.ref.name for t in catalogue.objects("salesforce")}
    try:
        return twin.Twin(described, spec.seed, spec.scale, spec.start_ts, ctx.pools.words, generated, cut)
    except twin.TwinError as e:
        raise GenerateError(f"--describe: {e}") from None


def _emitter(sink: _FullSink | _ChangesSink, shaper: twin.Twin | None) -> Callable[[History], int]:
    """Write a history's view; a twin's Salesforce objects go through the twin first."""

    def emit(h: History) -> int:
        table = sink.view(h)
        if shaper is None or h.system != "salesforce":
            return sink.write(h.system, h.name, table)
        try:
            return sum(sink.write("salesforce", name, t) for name, t in shaper.shape(h.name, table))
        except twin.TwinError as e:
            raise GenerateError(f"--describe: {e}") from None

    return emit


def _check_target(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise GenerateError(f"{out} exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise GenerateError(f"{out} is not empty; pass --overwrite to replace it, or choose another --out")
        if not written_by_us(out):
            raise GenerateError(
                f"{out} holds files fauxforce did not write (it has no manifest.json of ours), and --overwrite "
                "replaces only a folder `fauxforce generate` wrote; empty it yourself or choose another --out"
            )
    parent = out.parent if out.parent != Path("") else Path(".")
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not os.access(probe, os.W_OK | os.X_OK):
        raise GenerateError(f"cannot write to {probe}; choose a folder you can write to")


def written_by_us(folder: Path) -> bool:
    """Whether `folder` is an export `fauxforce generate` wrote: its manifest says so."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("generator") == "fauxforce"


def _replace(tmp: Path, out: Path) -> None:
    """Move the finished folder into place; an old one is removed only after the new one is complete."""
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old)
    else:
        tmp.rename(out)


def generate(out: str | Path, **kwargs: Any) -> Manifest:
    """Python entry point: `generate("landing", seed=42, scale=0.1)`; `describe="folder"` makes a twin."""
    if kwargs.get("describe") is not None:
        kwargs["describe"] = Path(kwargs["describe"])
    return generate_org(Options(out=Path(out), **kwargs))
