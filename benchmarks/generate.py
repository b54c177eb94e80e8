"""Generator speed and memory: rows, seconds, rows/s and peak memory per scale.

Each scale runs in a fresh process, so peak memory (max RSS) is that scale's alone. With `--describe DIR`
each scale also makes the twin of the org that folder describes, and prints its time against the built-in
org's, measured in the same run.
Usage: python benchmarks/generate.py [--scales 0.1 1 5] [--format csv|parquet] [--describe DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import json, resource, sys, time
from fauxforce.generators.org import generate
started = time.perf_counter()
manifest = generate(sys.argv[1], scale=float(sys.argv[2]), format=sys.argv[3], describe=sys.argv[4] or None)
seconds = time.perf_counter() - started
peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": manifest.total_rows, "seconds": seconds, "peak_mib": peak_mib}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.1, 1.0, 5.0])
    parser.add_argument("--format", default="csv", choices=["csv", "parquet"])
    parser.add_argument("--describe", type=Path, help="also make the twin of the org this folder describes")
    args = parser.parse_args()
    print(f"{'scale':>6} {'org':>8} {'rows':>12} {'seconds':>8} {'rows/s':>10} {'peak MiB':>9} {'MiB on disk':>12}")
    for scale in args.scales:
        built_in = run(scale, args.format, None)
        if args.describe:
            twin = run(scale, args.format, args.describe)
            print(f"{'':>6} twin ÷ built-in: {twin / built_in:.2f}× the seconds")


def run(scale: float, fmt: str, describe: Path | None) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "org"
        started = time.perf_counter()
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(out), str(scale), fmt, str(describe or "")],
            capture_output=True,
            text=True,
            check=True,
        )
        wall = time.perf_counter() - started
        result = json.loads(child.stdout.strip().splitlines()[-1])
        disk = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 2**20
    rate = result["rows"] / result["seconds"]
    print(
        f"{scale:>6g} {'twin' if describe else 'built-in':>8} {result['rows']:>12,} {result['seconds']:>8.2f} "
        f"{rate:>10,.0f} {result['peak_mib']:>9.0f} {disk:>12.0f}   (process wall {wall:.1f}s incl. start-up)"
    )
    return float(result["seconds"])


if __name__ == "__main__":
    main()
