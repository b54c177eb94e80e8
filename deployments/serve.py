"""Serve the deployments of prefect.yaml from this one process, for users without a work pool.

    python deployments/serve.py [--only NAME ...] [--limit N]

Reads prefect.yaml (the one definition of names, parameters and schedules), builds each deployment
from its flow, and serves them all with `prefect.serve`: scheduled runs, and runs started with
`prefect deployment run 'flow/deployment'`, execute here until the process is stopped (Ctrl-C or TERM).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]


def load_flow(entrypoint: str) -> Any:
    """The flow an entrypoint (`flows/file.py:function`) names, imported as a module of the installed package
    (`fauxforce.flows.file`)."""
    path, name = entrypoint.rsplit(":", 1)
    module = importlib.import_module("fauxforce." + path.removesuffix(".py").replace("/", "."))
    return getattr(module, name)


def deployments(config: dict[str, Any], only: set[str] | None = None) -> list[Any]:
    """A runner deployment for each entry of prefect.yaml (or of `only`, by deployment name)."""
    from prefect.client.schemas.schedules import construct_schedule

    out = []
    for entry in config["deployments"]:
        if only and entry["name"] not in only:
            continue
        flow = load_flow(entry["entrypoint"])
        schedules = [construct_schedule(cron=s["cron"], timezone=s.get("timezone")) for s in entry.get("schedules", [])]
        out.append(
            flow.to_deployment(
                name=entry["name"],
                parameters=entry.get("parameters") or {},
                schedules=schedules,
                tags=entry.get("tags"),
                description=entry.get("description"),
            )
        )
    if only and len(out) != len(only):
        known = ", ".join(e["name"] for e in config["deployments"])
        raise SystemExit(f"unknown deployment in --only {sorted(only)}; prefect.yaml has: {known}")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", help="serve only these deployments (names from prefect.yaml)")
    parser.add_argument("--limit", type=int, default=1, help="flow runs executed at once (default 1)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    from prefect import serve

    serve(*deployments(config, set(args.only) if args.only else None), limit=args.limit)


if __name__ == "__main__":
    main()
