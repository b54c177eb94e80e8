"""Generator speed and memory: rows, seconds, rows/s and peak memory per scale.

Each scale runs in a fresh process, so peak memory (max RSS) is that scale's alone.
Usage: python benchmarks/generate.py [--scales 0.1 1 5] [--format csv|parquet]
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
manifest = generate(sys.argv[1], scale=float(sys.argv[2]), format=sys.argv[3])
seconds = time.perf_counter() - started
peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": manifest.total_rows, "seconds": seconds, "peak_mib": peak_mib}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.1, 1.0, 5.0])
    parser.add_argument("--format", default="csv", choices=["csv", "parquet"])
    args = parser.parse_args()
    print(f"{'scale':>6} {'rows':>12} {'seconds':>8} {'rows/s':>10} {'peak MiB':>9} {'MiB on disk':>12}")
    for scale in args.scales:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "org"
            started = time.perf_counter()
            child = subprocess.run(
                [sys.executable, "-c", CHILD, str(out), str(scale), args.format],
                capture_output=True,
                text=True,
                check=True,
            )
            wall = time.perf_counter() - started
            result = json.loads(child.stdout.strip().splitlines()[-1])
            disk = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 2**20
        rate = result["rows"] / result["seconds"]
        print(
            f"{scale:>6g} {result['rows']:>12,} {result['seconds']:>8.2f} {rate:>10,.0f} "
            f"{result['peak_mib']:>9.0f} {disk:>12.0f}   (process wall {wall:.1f}s incl. start-up)"
        )


if __name__ == "__main__":
    main()
