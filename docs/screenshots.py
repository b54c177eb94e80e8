"""Make the report screenshots in docs/img/ from a freshly generated org: `python docs/screenshots.py`.

Generates the demo org (scale 0.1, seed 42), runs bronze, silver and gold into a temporary DuckDB
warehouse (recorded in meta.runs as a run is), writes the report with a weekly warehouse maintenance
window declared, and photographs each section in the system's headless Chromium (Debian's
`chromium`), with every request other than the file itself refused. Nothing is drawn by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

from fauxforce.core import ledger
from fauxforce.core.policy import Policy
from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.org import Options, generate_org
from fauxforce.gold.build import build_gold
from fauxforce.report import write_report

SECTIONS = ("sales", "customers", "supply", "finance", "health")
OUT = Path(__file__).resolve().parent / "img"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--height", type=int, default=1100, help="the most of each section shown, in pixels")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("screenshots: error: no chromium on the PATH (apt-get install chromium)", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    from fauxforce.bronze import land as bronze
    from fauxforce.connectors import get_connector
    from fauxforce.silver.build import build_all, build_xref

    with tempfile.TemporaryDirectory() as tmp:
        landing = Path(tmp) / "landing"
        manifest = generate_org(Options(out=landing, scale=args.scale, seed=42))
        wh = Warehouse(f"duckdb:///{Path(tmp) / 'wh.duckdb'}")
        ledger.prepare(wh)
        connector = get_connector("csv", landing=landing)
        for ref in connector.objects():
            bronze.land_object(wh, connector, ref, "csv")
        started = dt.datetime.now(dt.UTC)
        ledger.start_run(wh, "screenshots", "csv", "csv", started)
        results, _ = build_all(wh, Policy.parse(None))
        build_xref(wh)
        gold = build_gold(wh)
        counts = ledger.RunCounts(
            bronze_rows=manifest.total_rows,
            silver_loaded=sum(r.loaded for r in results),
            gold_as_of=gold.as_of,
            gold_checks=gold.checks,
        )
        ledger.finish_run(wh, "screenshots", "completed", dt.datetime.now(dt.UTC), counts)
        report = write_report(wh, Path(tmp) / "report.html", maintenance="warehouse=sun 02:00-04:00")
        wh.dispose()
        OUT.mkdir(exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
            context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
            page = context.new_page()
            page.goto(report.path.as_uri(), wait_until="load")
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length > 0")
            page.wait_for_timeout(500)
            for section in SECTIONS:
                box = page.locator(f"#{section}").bounding_box()
                assert box is not None
                clip = {"x": 0, "y": box["y"], "width": 1280, "height": min(box["height"], args.height)}
                target = OUT / f"report-{section}.png"
                page.screenshot(path=str(target), clip=clip, full_page=True)
                print(f"{target.relative_to(OUT.parent.parent)}: {target.stat().st_size / 1e3:,.0f} kB")
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
