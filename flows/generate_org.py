"""Flow `generate-org`: write a generated org to a landing folder, as `fauxforce generate` does, or
advance a landing folder by one simulated day (`export="daily"`, the `daily-changes` deployment)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from fauxforce.core.settings import resolve
from fauxforce.generators.daily import advance
from fauxforce.generators.org import DEFAULT_AS_OF, GenerateError, Options
from fauxforce.generators.org import generate_org as write_org
from fauxforce.generators.scenarios import load as load_scenario
from fauxforce.generators.writers import Format


@flow(name="generate-org", log_prints=False)
def generate_org(
    out: str | None = None,
    seed: int = 42,
    scale: float = 1.0,
    as_of: dt.date = DEFAULT_AS_OF,
    days: int = 365,
    start: dt.date | None = None,
    format: Format = "csv",
    export: Literal["full", "changes", "daily"] = "full",
    since: dt.date | None = None,
    overwrite: bool = False,
    day: dt.date | None = None,
    describe: str | None = None,
    scenarios: list[str] | None = None,
) -> dict[str, int]:
    """Generate the org and return rows per object (or per day and object for a changes export; days and
    rows written for a daily export).

    With `export="daily"` the landing folder advances by one simulated day per run: the first run
    writes the full export as of `as_of`, each later run the next day's changes (or `day`'s, and any
    skipped before it); a day already written writes nothing. The history starts at `start`
    (default `as_of` - `days`) and stays fixed, so every day extends the same org.

    `describe`, a folder of the org's describe JSON, makes its twin (docs/twin.md); full and changes
    exports only. `scenarios`: presets or YAML files of effects to plant (docs/generator.md, Planted
    scenarios); a daily export takes the same ones every day.
    """
    logger = get_run_logger()
    target = resolve(landing=out).landing
    planted = tuple(effect for text in scenarios or () for effect in load_scenario(text))
    if export == "daily":
        if describe:
            raise GenerateError("describe makes a twin in a full or changes export; the daily export does not take it")
        history_start = start or as_of - dt.timedelta(days=days)
        result = advance(target, seed, scale, history_start, as_of, format, day, planted)
        if result.days:
            logger.info("wrote %s rows for %s to %s", f"{result.rows:,}", ", ".join(map(str, result.days)), target)
        else:
            logger.info("%s already holds %s; nothing new to write", target, day or result.state.last_day)
        create_table_artifact(
            key="daily-changes",
            table=[{"day": d.isoformat(), "landing": str(target)} for d in result.days],
            description=f"Simulated days written (rows: {result.rows:,}); last day now {result.state.last_day}",
        )
        return {"days_written": len(result.days), "rows": result.rows}
    options = Options(
        out=target,
        seed=seed,
        scale=scale,
        as_of=as_of,
        days=days,
        start=start,
        format=format,
        export=export,
        since=since,
        overwrite=overwrite,
        describe=Path(describe) if describe else None,
        scenarios=planted,
    )
    manifest = write_org(options)
    rows = {key: counts["rows"] for key, counts in manifest.objects.items()}
    create_table_artifact(
        key="generated-org",
        table=[{"object": k, "rows": v, "live_rows": manifest.objects[k]["live_rows"]} for k, v in rows.items()],
        description=f"Generated org: seed {seed}, scale {scale}, as of {as_of}, {export} export to {target}",
    )
    logger.info("wrote %s rows in %s files to %s", f"{manifest.total_rows:,}", len(manifest.files), target)
    return rows


if __name__ == "__main__":
    generate_org(out="data/landing", scale=0.1, overwrite=True)
