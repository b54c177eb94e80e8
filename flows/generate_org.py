"""Flow `generate-org`: write a generated org to a landing folder, as `fauxforce generate` does."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from fauxforce.settings import get_settings
from generators.org import DEFAULT_AS_OF, Options
from generators.org import generate_org as write_org


@flow(name="generate-org", log_prints=False)
def generate_org(
    out: str | None = None,
    seed: int = 42,
    scale: float = 1.0,
    as_of: dt.date = DEFAULT_AS_OF,
    days: int = 365,
    start: dt.date | None = None,
    format: str = "csv",
    export: str = "full",
    since: dt.date | None = None,
    overwrite: bool = False,
) -> dict[str, int]:
    """Generate the org and return rows per object (or per day and object for a changes export)."""
    logger = get_run_logger()
    target = Path(out) if out else get_settings().landing_dir
    options = Options(
        out=target, seed=seed, scale=scale, as_of=as_of, days=days, start=start,
        format=format, export=export, since=since, overwrite=overwrite,  # type: ignore[arg-type]
    )  # fmt: skip
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
