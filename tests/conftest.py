"""Test-wide setup: Prefect isolated and offline, and generated orgs shared across tests."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

# Before anything imports Prefect: its own home, no telemetry, no server outside this process.
_PREFECT_HOME = tempfile.mkdtemp(prefix="fauxforce-prefect-home-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.pop("PREFECT_API_URL", None)
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "90"

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from generators.org import Manifest, Options, generate_org  # noqa: E402

AS_OF = dt.date(2026, 6, 30)


class Org:
    """A generated org on disk, read back as text exactly as a consumer of the files would."""

    def __init__(self, root: Path, manifest: Manifest) -> None:
        self.root = root
        self.manifest = manifest
        self._cache: dict[str, pd.DataFrame] = {}

    def __getitem__(self, key: str) -> pd.DataFrame:
        if key not in self._cache:
            system, name = key.split("/") if "/" in key else ("salesforce", key)
            self._cache[key] = pd.read_csv(
                self.root / system / f"{name}.csv", dtype=str, keep_default_na=False, na_values=[""]
            )
        return self._cache[key]


@pytest.fixture(scope="session")
def org(tmp_path_factory: pytest.TempPathFactory) -> Org:
    """A small org (scale 0.05) as a full CSV export."""
    out = tmp_path_factory.mktemp("org") / "landing"
    return Org(out, generate_org(Options(out=out, seed=7, scale=0.05, as_of=AS_OF)))


@pytest.fixture(scope="session")
def reference_org(tmp_path_factory: pytest.TempPathFactory) -> Org:
    """The reference volume (scale 1)."""
    out = tmp_path_factory.mktemp("reference") / "landing"
    return Org(out, generate_org(Options(out=out, seed=42, scale=1.0, as_of=AS_OF)))


def ts(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True, format="ISO8601")
