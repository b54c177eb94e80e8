"""No secret is ever written: after `fauxforce run` with a warehouse URL that holds a password, and with each
Salesforce auth mode, no password, token, consumer secret, session id or private key appears in what the
run printed, in anything under its Prefect home (the database of flow runs and their parameters, logs),
or in the warehouse.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from fauxforce.generators.org import Options, generate_org
from fauxforce.mock.org import MockOrg
from fauxforce.mock.server import MockSalesforce
from tests.conftest import salesforce_auth_modes

FAUXFORCE = Path(sys.executable).parent / "fauxforce"
WAREHOUSE_PASSWORD = "Wh-pass-7f3a9c1e"  # the test server trusts every local login, so any password works


def _warehouse_text(url: str) -> str:
    """Every value of every table of the warehouse, as text."""
    engine = sa.create_engine(url)
    out = []
    try:
        with engine.connect() as conn:
            tables = conn.exec_driver_sql(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_schema IN ('bronze', 'silver', 'gold', 'quarantine', 'meta')"
            ).fetchall()
            for schema, table in tables:
                for row in conn.exec_driver_sql(f'SELECT * FROM "{schema}"."{table}"'):
                    out.append(" ".join(map(str, row)))
    finally:
        engine.dispose()
    return "\n".join(out)


@pytest.mark.slow
def test_no_secret_is_printed_logged_or_stored(postgres_url: str, tmp_path: Path) -> None:
    options = Options(out=tmp_path / "landing", seed=13, scale=0.01, days=60)
    generate_org(options)
    url = sa.engine.make_url(postgres_url).set(password=WAREHOUSE_PASSWORD).render_as_string(hide_password=False)
    home = tmp_path / "prefect-home"
    printed = []
    with MockSalesforce(MockOrg.from_landing(options.out, options), tmp_path / "certs") as mock:
        secrets = [
            WAREHOUSE_PASSWORD,
            mock.credentials.password,
            mock.credentials.security_token,
            mock.credentials.consumer_secret,
            mock.session_id,
        ]
        key_lines = mock.keys.jwt_private_key.read_text().splitlines()[1:-1]
        base = {k: v for k, v in os.environ.items() if not k.startswith(("FAUXFORCE_", "SALESFORCE_", "PREFECT_API"))}
        base |= {
            "PREFECT_HOME": str(home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
            "FAUXFORCE_CRM_SOURCE": "salesforce",
            "SALESFORCE_LOGIN_URL": mock.instance_url,
            "SALESFORCE_CA_BUNDLE": str(mock.keys.ca_file),
        }
        for mode, settings in salesforce_auth_modes(mock).items():
            result = subprocess.run(
                [str(FAUXFORCE), "run", "--landing", str(options.out), "--warehouse", url],
                env=base | settings,
                cwd=tmp_path,  # the run's report goes to data/report.html here
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert result.returncode == 0, (mode, result.stdout, result.stderr)
            printed.append(result.stdout + result.stderr)
        secrets += list(mock.state.sessions)  # every session the runs were given
    assert "***@" in printed[0]  # the URL is shown, masked
    stored = [(p, p.read_bytes()) for p in home.rglob("*") if p.is_file()]
    assert any(p.name.startswith("prefect.db") for p, _ in stored)
    report = tmp_path / "data" / "report.html"
    assert b"***@" in report.read_bytes()  # the report names the warehouse, masked
    stored.append((report, report.read_bytes()))
    warehouse = _warehouse_text(postgres_url)
    assert "salesforce" in warehouse  # the runs landed
    for secret in [*secrets, *key_lines]:
        assert not any(secret in text for text in printed), secret
        assert not [p for p, data in stored if secret.encode() in data], secret
        assert secret not in warehouse, secret
