"""Advance a landing folder by one simulated day, as a scheduled export would.

The first call writes the full export as of the first day (`salesforce/`, `erp/`); every later
call writes the next day's changes into `<YYYY-MM-DD>/`, the layout the `csv` connector reads. The
folder remembers where it is in `.fauxforce-daily.json`: which org (seed, scale, history start,
format) and the last day written. Asking for a day already written writes nothing; a day further
ahead also writes the days skipped, so no change is ever missing.

Every write goes to a temporary folder beside the landing folder first and is moved into place
only when complete, and the state file is replaced after the move, so an interrupted run leaves
either nothing or the whole day. A lock file beside the state file keeps two writers (a scheduled run
and a manual one) from writing at once.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from fauxforce.core.runlock import folder_lock
from fauxforce.generators import scenarios
from fauxforce.generators.org import GenerateError, Manifest, Options, generate_org
from fauxforce.generators.writers import Format

STATE_FILE = ".fauxforce-daily.json"
LOCK_FILE = ".fauxforce-daily.lock"  # held while a day is written
SYSTEMS = ("salesforce", "erp")


@dataclass(frozen=True)
class DailyState:
    seed: int
    scale: float
    start: str  # the history's first day; fixed so every later day extends the same history
    format: str
    last_day: str
    scenarios: list[dict[str, Any]] = field(default_factory=list)  # the effects planted, as the manifest has them

    @property
    def last(self) -> dt.date:
        return dt.date.fromisoformat(self.last_day)


@dataclass
class DailyResult:
    days: list[dt.date]  # the days written by this call (empty: nothing new)
    rows: int
    state: DailyState


def read_state(landing: Path) -> DailyState | None:
    path = landing / STATE_FILE
    if not path.exists():
        return None
    try:
        return DailyState(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as e:
        raise GenerateError(f"{path} is not a daily-export state file ({e}); move it away to start over") from e


def _write_state(landing: Path, state: DailyState) -> None:
    tmp = landing / f"{STATE_FILE}.tmp"
    tmp.write_text(json.dumps(asdict(state), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, landing / STATE_FILE)


def advance(
    landing: Path,
    seed: int = 42,
    scale: float = 1.0,
    start: dt.date = dt.date(2025, 6, 30),
    first_day: dt.date = dt.date(2026, 6, 30),
    format: Format = "csv",
    day: dt.date | None = None,
    planted: tuple[scenarios.Effect, ...] = (),
) -> DailyResult:
    """Write the next simulated day (or `day`, and any skipped before it) into `landing`. Two calls on one
    folder never overlap: the second waits for the first, then finds its day written. `planted`: effects
    planted in the org (generators/scenarios.py); every day of a folder takes the same ones."""
    landing.mkdir(parents=True, exist_ok=True)
    with folder_lock(landing / LOCK_FILE):
        return _advance(landing, seed, scale, start, first_day, format, day, planted)


def _advance(
    landing: Path,
    seed: int,
    scale: float,
    start: dt.date,
    first_day: dt.date,
    format: Format,
    day: dt.date | None,
    planted: tuple[scenarios.Effect, ...],
) -> DailyResult:
    state = read_state(landing)
    if state is None and any(p for p in landing.iterdir() if not p.name.startswith(".")):
        state = _adopt(landing, seed, scale, start, format)  # a full export `fauxforce generate` wrote, or an error
        _check_planted(landing, state, planted)
        _write_state(landing, state)
    if state is None:
        target = day or first_day
        options = Options(out=landing, seed=seed, scale=scale, start=start, as_of=target, format=format)
        manifest = _write(landing, replace(options, scenarios=planted))
        state = DailyState(seed, scale, start.isoformat(), format, target.isoformat(), manifest.scenarios or [])
        _write_state(landing, state)
        return DailyResult([target], manifest.total_rows, state)
    wanted = (state.seed, state.scale, state.start, state.format)
    if wanted != (seed, scale, start.isoformat(), format):
        raise GenerateError(
            f"{landing} holds the daily export of seed {state.seed}, scale {state.scale:g}, start {state.start}, "
            f"{state.format}; run with those, or give a different org its own folder"
        )
    _check_planted(landing, state, planted)
    last = state.last
    target = day or last + dt.timedelta(days=1)
    if target <= last:
        return DailyResult([], 0, state)
    options = Options(
        out=landing,
        seed=seed,
        scale=scale,
        start=start,
        as_of=target,
        format=format,
        export="changes",
        since=last,
        scenarios=planted,
    )
    manifest = _write(landing, options)
    state = DailyState(seed, scale, start.isoformat(), format, target.isoformat(), state.scenarios)
    _write_state(landing, state)
    days = [last + dt.timedelta(days=n) for n in range(1, (target - last).days + 1)]
    return DailyResult(days, manifest.total_rows, state)


def _adopt(landing: Path, seed: int, scale: float, start: dt.date, format: Format) -> DailyState:
    """Continue from a full export `fauxforce generate` wrote into `landing` (`make demo`, say) when it is the
    same org; the days after its as-of date follow as changes. Anything else is refused in one line."""
    try:
        manifest = json.loads((landing / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("generator") != "fauxforce":
        raise GenerateError(
            f"{landing} holds files that are not a fauxforce export (no manifest.json of ours); give the daily "
            "export its own folder"
        )
    theirs = (manifest.get("seed"), manifest.get("scale"), manifest.get("start"), manifest.get("format"))
    if manifest.get("export") != "full" or manifest.get("dirty") or theirs != (seed, scale, start.isoformat(), format):
        raise GenerateError(
            f"{landing} holds a fauxforce export of another org (seed {theirs[0]}, scale {theirs[1]}, start "
            f"{theirs[2]}, {theirs[3]}, {manifest.get('export')} export); run the daily export with those, or give "
            "it its own folder"
        )
    return DailyState(seed, scale, start.isoformat(), format, str(manifest["as_of"]), manifest.get("scenarios") or [])


def _check_planted(landing: Path, state: DailyState, planted: tuple[scenarios.Effect, ...]) -> None:
    """Every day of a daily export is the same org: the effects asked for must be the ones planted."""
    if not scenarios.matches(planted, state.scenarios):
        held = ", ".join(str(e["effect"]) for e in state.scenarios) or "no scenario"
        asked = ", ".join(e.effect for e in planted) or "no scenario"
        raise GenerateError(
            f"{landing} holds a daily export planted with {held}, not {asked}; run with the same scenarios, "
            "or give a different org its own folder"
        )


def _write(landing: Path, options: Options) -> Manifest:
    """Generate into a temporary folder beside `landing`, then move its folders in."""
    with tempfile.TemporaryDirectory(prefix=".daily-", dir=landing) as tmp_dir:
        out = Path(tmp_dir) / "export"
        manifest = generate_org(replace(options, out=out))
        folders = SYSTEMS if options.export == "full" else sorted(p.name for p in out.iterdir() if p.is_dir())
        for name in folders:
            if (out / name).exists():
                target = landing / name
                if target.exists():
                    shutil.rmtree(target)  # a day folder half-moved by an interrupted run
                (out / name).rename(target)
        return manifest
