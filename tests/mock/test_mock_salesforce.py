"""The mock org, through the real simple-salesforce client over HTTPS on 127.0.0.1.

Every auth mode logs in; SOQL filters, orders and limits as Salesforce does; query and queryAll page
with `nextRecordsUrl`; Bulk API 2.0 query jobs page with `Sforce-Locator`; errors carry Salesforce's
codes; faults (503s, expired sessions, the request limit) reach the client as they would from a real
org; and the simulated day moves on.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from fauxforce.connectors.http import session_for
from fauxforce.mock.org import MockOrg
from fauxforce.mock.server import Faults, MockSalesforce
from fauxforce.mock.soql import instant

ROOT = Path(__file__).resolve().parents[2]
VERSION = "62.0"


@pytest.fixture(scope="module")
def org() -> MockOrg:
    return MockOrg.generate(seed=42, scale=0.02, as_of=dt.date(2026, 6, 30))


@pytest.fixture
def mock(org: MockOrg, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockSalesforce]:
    with MockSalesforce(org, tmp_path_factory.getbasetemp() / "mock-certs") as server:
        yield server


def _login(mock: MockSalesforce, **kwargs: object) -> Salesforce:
    c = mock.credentials
    args: dict[str, object] = {"username": c.username, "password": c.password, "security_token": c.security_token}
    args.update(kwargs)
    return Salesforce(**args, session=session_for(mock.instance_url, mock.keys.ca_file), version=VERSION)  # type: ignore[arg-type]


def test_every_auth_mode_logs_in(mock: MockSalesforce) -> None:
    c, k = mock.credentials, mock.keys
    routed = lambda: session_for(mock.instance_url, k.ca_file)  # noqa: E731
    clients = {
        "password + token (SOAP)": _login(mock),
        "sandbox domain": _login(mock, domain="test"),
        "OAuth password": Salesforce(
            username=c.username,
            password=c.password,
            consumer_key=c.consumer_key,
            consumer_secret=c.consumer_secret,
            session=routed(),
            version=VERSION,
        ),
        "OAuth client credentials (My Domain)": Salesforce(
            consumer_key=c.consumer_key,
            consumer_secret=c.consumer_secret,
            domain="acme.my",
            session=routed(),
            version=VERSION,
        ),
        "JWT bearer": Salesforce(
            username=c.username,
            consumer_key=c.consumer_key,
            privatekey_file=str(k.jwt_private_key),
            session=routed(),
            version=VERSION,
        ),
        "session id + instance URL": Salesforce(
            session_id=mock.session_id,
            instance_url=mock.instance_url,
            session=session_for(None, k.ca_file),
            version=VERSION,
        ),
    }
    for mode, sf in clients.items():
        assert sf.query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1, mode
        assert sf.sf_instance == f"127.0.0.1:{mock.port}", mode


def test_wrong_credentials_and_unverified_tls_are_refused(mock: MockSalesforce) -> None:
    with pytest.raises(SalesforceAuthenticationFailed, match="INVALID_LOGIN"):
        _login(mock, password="wrong")
    c = mock.credentials
    with pytest.raises(SalesforceAuthenticationFailed, match="invalid_grant"):
        Salesforce(
            consumer_key=c.consumer_key,
            consumer_secret="wrong",
            domain="acme.my",
            session=session_for(mock.instance_url, mock.keys.ca_file),
            version=VERSION,
        )
    plain = requests.Session()
    plain.trust_env = False  # the machine's CA bundle, not ours: the mock's certificate is not trusted
    with pytest.raises(requests.exceptions.SSLError):
        plain.get(f"{mock.instance_url}/services/data")


def test_an_extra_ca_adds_to_the_usual_roots(mock: MockSalesforce) -> None:
    import certifi

    from fauxforce.connectors.http import with_default_roots

    bundle = Path(with_default_roots(mock.keys.ca_file)).read_bytes()
    assert bundle.startswith(Path(certifi.where()).read_bytes()) and mock.keys.ca_file.read_bytes() in bundle
    session = session_for(None, mock.keys.ca_file)
    assert session.get(f"{mock.instance_url}/services/data").status_code == 200
    with pytest.raises(FileNotFoundError, match="not a file"):
        session_for(None, mock.keys.ca_file.parent / "missing.pem")


def test_soql_filters_orders_and_limits_like_salesforce(mock: MockSalesforce, org: MockOrg) -> None:
    sf = _login(mock)
    opportunities = org.objects["Opportunity"].records
    since = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    want = sorted(
        (
            r
            for r in opportunities
            if not r["IsDeleted"]
            and (r["StageName"] in ("Closed Won", "Closed Lost") or (r["Amount"] or 0) > 100_000)
            and instant(r["SystemModstamp"]) >= since
        ),
        key=lambda r: -(r["Amount"] or 0),
    )
    got = sf.query_all(
        "SELECT Id, Amount FROM Opportunity WHERE (StageName IN ('Closed Won', 'Closed Lost') OR Amount > 100000) "
        "AND SystemModstamp >= 2026-03-01T00:00:00Z ORDER BY Amount DESC"
    )["records"]
    assert [r["Id"] for r in got] == [r["Id"] for r in want] and got
    assert got[0]["attributes"]["type"] == "Opportunity"
    like = sf.query("SELECT Id, Name FROM Account WHERE Name LIKE 'Global%' LIMIT 5")["records"]
    assert 0 < len(like) <= 5 and all(r["Name"].startswith("Global") for r in like)
    not_in = sf.query("SELECT Id FROM Opportunity WHERE StageName NOT IN ('Closed Won') AND IsClosed = true")
    assert not_in["totalSize"] == sum(
        1 for r in opportunities if r["StageName"] == "Closed Lost" and not r["IsDeleted"]
    )
    typed = sf.query("SELECT Id, IsDeleted, Amount, CloseDate, SystemModstamp FROM Opportunity LIMIT 1")["records"][0]
    assert typed["IsDeleted"] is False and isinstance(typed["Amount"], float)
    assert typed["SystemModstamp"].endswith("+0000") and len(typed["CloseDate"]) == 10


def test_query_and_query_all_page_with_next_records_url(mock: MockSalesforce, org: MockOrg) -> None:
    sf = _login(mock)
    history = org.objects["OpportunityHistory"].records
    first = sf.query("SELECT Id FROM OpportunityHistory", headers={"Sforce-Query-Options": "batchSize=200"})
    assert len(first["records"]) == 200 and not first["done"] and "/query/" in first["nextRecordsUrl"]
    second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert {r["Id"] for r in first["records"]}.isdisjoint(r["Id"] for r in second["records"])
    live = [r["Id"] for r in sf.query_all_iter("SELECT Id FROM Lead")]
    everything = [r["Id"] for r in sf.query_all_iter("SELECT Id, IsDeleted FROM Lead", include_deleted=True)]
    deleted = [r["Id"] for r in org.objects["Lead"].records if r["IsDeleted"]]
    assert deleted, "the generated org has soft-deleted leads"
    assert len(everything) == len(org.objects["Lead"].records) == len(live) + len(deleted)
    assert set(deleted) <= set(everything) and set(deleted).isdisjoint(live)
    assert len(history) > 2000  # more than one default page
    assert sum(1 for _ in sf.query_all_iter("SELECT Id FROM OpportunityHistory", include_deleted=True)) == len(history)


def test_describe_lists_custom_and_compound_fields(mock: MockSalesforce) -> None:
    sf = _login(mock)
    names = {o["name"] for o in sf.describe()["sobjects"]}  # type: ignore[index]
    assert {"Account", "Opportunity", "OpportunityLineItem", "User"} <= names
    fields = {f["name"]: f for f in sf.Account.describe()["fields"]}
    assert fields["BillingAddress"]["type"] == "address"
    assert fields["BillingCity"]["compoundFieldName"] == "BillingAddress"
    assert fields["ERP_Customer_Number__c"]["custom"] is True and fields["Name"]["custom"] is False
    assert fields["OwnerId"]["type"] == "reference" and fields["OwnerId"]["referenceTo"] == ["User"]
    assert fields["SystemModstamp"]["type"] == "datetime" and fields["AnnualRevenue"]["type"] == "currency"
    with pytest.raises(SalesforceMalformedRequest, match="INVALID_FIELD"):
        sf.query("SELECT BillingAddress FROM Account")  # compound fields are described, not queried here


def test_errors_carry_salesforce_codes(mock: MockSalesforce) -> None:
    sf = _login(mock)
    for soql, code in (
        ("SELECT Nope FROM Account", "INVALID_FIELD"),
        ("SELECT Id FROM Account WHERE", "MALFORMED_QUERY"),
        ("SELEKT Id FROM Account", "MALFORMED_QUERY"),
        ("SELECT Id FROM Widget__c", "INVALID_TYPE"),
    ):
        with pytest.raises(SalesforceMalformedRequest) as info:
            sf.query(soql)
        assert info.value.content[0]["errorCode"] == code, soql  # type: ignore[index]


def test_bulk_2_query_jobs_page_with_locators(mock: MockSalesforce, org: MockOrg) -> None:
    sf = _login(mock)
    soql = "SELECT Id, AnnualRevenue, IsDeleted, SystemModstamp FROM Lead"
    pages = list(sf.bulk2.Lead.query(soql, max_records=200, wait=0))
    rows = [row for page in pages for row in csv.DictReader(io.StringIO(page))]
    live = [r for r in org.objects["Lead"].records if not r["IsDeleted"]]
    assert len(pages) == -(-len(live) // 200) and len(rows) == len(live)
    assert rows[0]["SystemModstamp"].endswith(".000Z") and rows[0]["IsDeleted"] == "false"
    everything = list(sf.bulk2.Lead.query_all("SELECT Id, IsDeleted FROM Lead", max_records=200, wait=0))
    all_rows = [row for page in everything for row in csv.DictReader(io.StringIO(page))]
    assert len(all_rows) == len(org.objects["Lead"].records) and any(r["IsDeleted"] == "true" for r in all_rows)


def test_faults_reach_the_client_as_a_real_org_sends_them(mock: MockSalesforce) -> None:
    sf = _login(mock)
    mock.faults.unavailable = 1
    with pytest.raises(SalesforceGeneralError) as unavailable:
        sf.query("SELECT Id FROM User")
    assert unavailable.value.status == 503
    assert sf.query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1  # the next call is served

    mock.faults.expire_sessions_after = 0
    assert sf.query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1  # the client logs in again by itself
    direct = Salesforce(
        session_id=mock.session_id,
        instance_url=mock.instance_url,
        session=session_for(None, mock.keys.ca_file),
        version=VERSION,
    )
    with pytest.raises(SalesforceExpiredSession):  # a bare session id cannot be renewed
        direct.query("SELECT Id FROM User LIMIT 1")

    mock.faults.request_limit = mock.api_calls
    with pytest.raises(SalesforceRefusedRequest) as refused:
        sf.query("SELECT Id FROM User LIMIT 1")
    assert refused.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"  # type: ignore[index]
    mock.faults = Faults()
    sf.query("SELECT Id FROM User LIMIT 1")
    assert sf.api_usage["api-usage"].used == mock.api_calls  # Sforce-Limit-Info on every response


def test_the_simulated_day_moves_on(tmp_path: Path) -> None:
    moving = MockOrg.generate(seed=42, scale=0.02, as_of=dt.date(2026, 6, 30))
    with MockSalesforce(moving, tmp_path / "certs") as mock:
        sf = _login(mock)
        latest = sf.query("SELECT SystemModstamp FROM Account ORDER BY SystemModstamp DESC LIMIT 1")["records"][0]
        session = session_for(None, mock.keys.ca_file)
        refused = session.post(f"{mock.instance_url}/_fauxforce/advance?days=1")
        assert refused.status_code == 401 and refused.json()[0]["errorCode"] == "INVALID_SESSION_ID"
        assert moving.as_of == dt.date(2026, 6, 30)  # no session, no move
        session.headers["Authorization"] = f"Bearer {mock.session_id}"
        answer = session.post(f"{mock.instance_url}/_fauxforce/advance?days=1").json()
        assert answer["as_of"] == "2026-07-01" and answer["changed"] > 0
        stamp = latest["SystemModstamp"].replace("+0000", "Z")
        newer = sf.query_all(f"SELECT Id FROM Opportunity WHERE SystemModstamp > {stamp}")
        assert newer["totalSize"] > 0
        faults = session.post(f"{mock.instance_url}/_fauxforce/faults", data=json.dumps({"unavailable": 1})).json()
        assert faults["faults"]["unavailable"] == 1


@contextlib.contextmanager
def served(tmp_path: Path, *args: str) -> Iterator[tuple[Salesforce, dict[str, str]]]:
    """`fauxforce mock-salesforce ARGS` in a child process, and a client logged in with what it printed."""
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "fauxforce.cli", "mock-salesforce", *args, "--cert-dir", str(tmp_path / "certs")]
    child = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True)
    try:
        printed: dict[str, str] = {}
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("serving"):
                break
            key, _, value = line.rstrip("\n").partition("  ")
            printed[key.strip()] = value.strip()
        sf = Salesforce(
            username=printed["username"],
            password=printed["password"],
            security_token=printed["security token"],
            session=session_for(printed["instance URL"], printed["CA file"]),
            version=printed["API version"],
        )
        yield sf, printed
    finally:
        child.send_signal(signal.SIGTERM)
        child.wait(30)
    assert child.returncode == 0


def test_the_command_prints_what_a_client_needs(tmp_path: Path) -> None:
    with served(tmp_path, "--scale", "0.01", "--days", "60") as (sf, _):
        assert sf.query("SELECT Id FROM Account LIMIT 1")["totalSize"] == 1


def test_the_command_serves_a_folder_of_exports(tmp_path: Path) -> None:
    from tests.silver.test_foreign_org import foreign_org

    foreign_org(tmp_path / "landing")
    with served(tmp_path, "--landing", str(tmp_path / "landing")) as (sf, printed):
        names = {o["name"] for o in sf.describe()["sobjects"]}
        assert names == {"Account", "Opportunity", "Lead", "Invoice__c"}
        fields = {f["name"]: f["type"] for f in sf.Invoice__c.describe()["fields"]}
        assert fields["Account__c"] == "reference" and fields["Total__c"] == "double" and fields["Paid__c"] == "boolean"
        assert sf.query("SELECT Id, Total__c FROM Invoice__c")["records"][0]["Total__c"] == 1234.5
        session = session_for(printed["instance URL"], printed["CA file"])
        session.headers["Authorization"] = f"Bearer {printed['session id']}"
        refused = session.post(f"{printed['instance URL']}/_fauxforce/advance?days=1")
        assert refused.status_code == 400 and "does not advance" in refused.json()[0]["message"]


def test_the_command_serves_an_empty_sandbox_to_load_into(tmp_path: Path) -> None:
    with served(tmp_path, "--scale", "0.01", "--days", "60", "--sandbox") as (sf, _):
        assert sf.query("SELECT Id FROM Account")["totalSize"] == 0
        assert sf.query("SELECT Id FROM User")["totalSize"] == 1  # the API's own user
        key = next(f for f in sf.Account.describe()["fields"] if f["name"] == "Fauxforce_Id__c")
        assert key["externalId"] and key["unique"] and key["createable"]
        sf.bulk2.Account.upsert(
            records=[{"Fauxforce_Id__c": "k1", "Name": "Acme"}], external_id_field="Fauxforce_Id__c", wait=0
        )
        assert sf.query("SELECT Name FROM Account WHERE Fauxforce_Id__c = 'k1'")["records"][0]["Name"] == "Acme"


def test_an_idle_connection_holds_up_no_one(mock: MockSalesforce) -> None:
    """A client that connects and never starts TLS must not stop the server answering others."""
    idle = [socket.create_connection(("127.0.0.1", mock.port)) for _ in range(3)]
    try:
        sf = _login(mock)
        started = time.monotonic()
        assert sf.query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1
        assert time.monotonic() - started < 5
    finally:
        for s in idle:
            s.close()


def test_malformed_requests_get_salesforce_errors(mock: MockSalesforce, capfd: pytest.CaptureFixture[str]) -> None:
    session = session_for(None, mock.keys.ca_file)
    session.headers["Authorization"] = f"Bearer {mock.session_id}"
    base = f"{mock.instance_url}/services/data/v{VERSION}"

    def answer(method: str, url: str, **kwargs: object) -> tuple[int, str]:
        response = session.request(method, url, timeout=10, **kwargs)  # type: ignore[arg-type]
        body = response.json()
        return response.status_code, body[0]["errorCode"] if isinstance(body, list) else body.get("error", "")

    deep = "SELECT Id FROM User WHERE " + "(" * 2000 + "IsActive = true" + ")" * 2000
    assert answer("GET", f"{base}/query", params={"q": deep}) == (400, "MALFORMED_QUERY")
    assert answer("GET", f"{base}/query", params={"q": "SELECT Id FROM User LIMIT -1"}) == (400, "MALFORMED_QUERY")
    assert answer("POST", f"{base}/jobs/query", data=b"{not json") == (400, "JSON_PARSER_ERROR")
    assert answer("POST", f"{base}/jobs/query", data=b"\xff\xfe{}") == (400, "JSON_PARSER_ERROR")
    assert answer("POST", f"{mock.instance_url}/services/oauth2/token", data=b"grant_type=\xff") == (
        400,
        "JSON_PARSER_ERROR",
    )
    assert answer("POST", f"{mock.instance_url}/_fauxforce/advance", params={"days": "abc"}) == (400, "INVALID_FIELD")
    assert answer("POST", f"{mock.instance_url}/_fauxforce/advance", params={"days": "-3"}) == (400, "INVALID_FIELD")
    assert answer("POST", f"{mock.instance_url}/_fauxforce/faults", data=b"[1]") == (400, "JSON_PARSER_ERROR")
    assert answer("POST", f"{mock.instance_url}/_fauxforce/faults", data=b"{bad") == (400, "JSON_PARSER_ERROR")
    assert answer("POST", f"{mock.instance_url}/_fauxforce/faults", data=b'{"unavailable": "x"}') == (
        400,
        "INVALID_FIELD",
    )
    assert mock.org.as_of == dt.date(2026, 6, 30) and mock.faults == Faults()
    assert "Traceback" not in capfd.readouterr().err
    assert _login(mock).query("SELECT Id FROM User LIMIT 0")["totalSize"] == 0  # still serving
