"""Any landing folder served as an org: a real Salesforce CLI dump this project did not make, served by the mock
org and read back through the real simple-salesforce client, gives the same silver as loading its files."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from fauxforce.core.warehouse import Warehouse
from fauxforce.mock.org import MockOrg
from fauxforce.mock.server import MockSalesforce
from tests.conftest import load_silver
from tests.connectors.test_salesforce import load_live, table
from tests.connectors.test_salesforce_foreign import live
from tests.silver.test_realworld import DEMO

pytestmark = pytest.mark.skipif(not DEMO.is_dir(), reason="../shared/realworld is not on this machine")


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dump") / "landing"
    (root / "salesforce").mkdir(parents=True)
    for f in sorted(DEMO.glob("*.csv")):
        shutil.copy(f, root / "salesforce" / f.name)
    return root


@pytest.fixture(scope="module")
def mock(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockSalesforce]:
    with MockSalesforce(MockOrg.from_landing(landing), tmp_path_factory.getbasetemp() / "sf-certs") as server:
        yield server


def test_a_real_dump_served_as_an_org_gives_the_same_silver_as_its_files(
    landing: Path, mock: MockSalesforce, tmp_path: Path
) -> None:
    sf = live(mock, "*")
    assert {r.name for r in sf.objects()} == {f.stem for f in DEMO.glob("*.csv")}
    from_files = Warehouse(f"duckdb:///{tmp_path / 'files.duckdb'}")
    served = Warehouse(f"duckdb:///{tmp_path / 'live.duckdb'}")
    try:
        load_silver(from_files, landing)
        load_live(served, sf, landing, every_object=True)
        with from_files.engine.connect() as conn:
            names = sorted(r[0] for r in conn.exec_driver_sql(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'silver'"
            ))  # fmt: skip
        assert {"account", "branch__c", "task", "campaign_member"} <= set(names)
        for name in names:
            a, b = table(from_files, "silver", name), table(served, "silver", name)
            assert list(a.columns) == list(b.columns), name
            assert len(a) == len(b), name
            for column in a.columns:
                assert a[column].equals(b[column]), (name, column, a[column].head(3).tolist())
    finally:
        from_files.dispose()
        served.dispose()
