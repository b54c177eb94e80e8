"""The org's shape at several scales, side by side: the figures docs/generator.md states targets for.

Each scale is generated into a temporary folder and measured from its files (generators/measure.py), so
the columns show whether a figure holds as the org grows (per-entity averages should stay within a few
percent; the mean won deal within its sampling error, printed beside it).
Usage: python benchmarks/shape.py [--scales 0.1 0.5 1 5] [--seed 42]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from fauxforce.generators.measure import Shape, measure
from fauxforce.generators.org import Options, generate_org

ROWS: tuple[tuple[str, str, str], ...] = (
    ("accounts", "accounts", "{:,.0f}"),
    ("won deals", "won", "{:,.0f}"),
    ("opportunities per account", "opportunities_per_account", "{:.2f}"),
    ("line items per opportunity", "lines_per_opportunity", "{:.2f}"),
    ("win rate (closed deals)", "win_rate", "{:.3f}"),
    ("median won deal", "median_won", "{:,.0f}"),
    ("mean won deal", "mean_won", "{:,.0f}"),
    ("  its standard error", "won_standard_error", "{:,.0f}"),
    ("top 20% customers' revenue share", "top20_customer_share", "{:.3f}"),
    ("top 20% products' revenue share", "top20_product_share", "{:.3f}"),
    ("quarter's last month share", "quarter_last_month_share", "{:.3f}"),
    ("quarter's last two weeks share", "quarter_last_two_weeks_share", "{:.3f}"),
    ("December's share of Q4", "december_share_of_q4", "{:.3f}"),
    ("rep win rate p10", "rep_win_rate_p10", "{:.3f}"),
    ("rep win rate p90", "rep_win_rate_p90", "{:.3f}"),
    ("team win rate min", "team_win_rate_min", "{:.3f}"),
    ("team win rate max", "team_win_rate_max", "{:.3f}"),
    ("new reps' win rate (first 60 days)", "new_rep_win_rate", "{:.3f}"),
    ("tenured reps' win rate", "tenured_rep_win_rate", "{:.3f}"),
    ("days of cover p25 (by demand)", "cover_days_p25", "{:.1f}"),
    ("days of cover p50", "cover_days_p50", "{:.1f}"),
    ("days of cover p75", "cover_days_p75", "{:.1f}"),
    ("late payers (customers)", "late_payer_share", "{:.3f}"),
    ("customers over credit limit", "over_credit_share", "{:.3f}"),
    ("DSO (days)", "dso_days", "{:.1f}"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.1, 0.5, 1.0, 5.0])
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    shapes: list[Shape] = []
    seconds: list[float] = []
    for scale in args.scales:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "org"
            started = time.perf_counter()
            generate_org(Options(out=out, seed=args.seed, scale=scale))
            seconds.append(time.perf_counter() - started)
            shapes.append(measure(out))
    width = 34
    print(f"{'scale':<{width}}" + "".join(f"{s:>14g}" for s in args.scales))
    print(f"{'generate (s)':<{width}}" + "".join(f"{s:>14.1f}" for s in seconds))
    for label, name, fmt in ROWS:
        print(f"{label:<{width}}" + "".join(f"{fmt.format(getattr(s, name)):>14}" for s in shapes))
    for segment in ("Enterprise", "Mid-Market", "SMB"):
        groups = [s.segments[segment] for s in shapes]
        cells = "".join(
            f"{f'{g.win_rate:.2f} {g.mean_won / 1000:,.0f}K {g.median_cycle_days:.0f}d':>14}" for g in groups
        )
        print(f"{segment + ' (win, mean, cycle)':<{width}}{cells}")
    for region in ("NA", "EMEA", "APAC"):
        groups = [s.regions[region] for s in shapes]
        cells = "".join(
            f"{f'{g.win_rate:.2f} {g.mean_won / 1000:,.0f}K {g.median_cycle_days:.0f}d':>14}" for g in groups
        )
        print(f"{region + ' (win, mean, cycle)':<{width}}{cells}")


if __name__ == "__main__":
    main()
