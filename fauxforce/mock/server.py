"""A Salesforce org on 127.0.0.1 over HTTPS, serving a generated org to the real simple-salesforce client.

It answers what the `salesforce` connector and simple-salesforce use: SOAP login; OAuth token
(password, client credentials, JWT bearer); describe global and sObject describe; query and
queryAll with `nextRecordsUrl` paging and the `Sforce-Query-Options: batchSize=` header; Bulk API
2.0 query jobs (create, status, results with `Sforce-Locator` / `Sforce-NumberOfRecords`); Bulk API 2.0
ingest jobs (insert, upsert by external id, update, delete: ingest.py), so an org can be written; limits.
Errors have Salesforce's shape and codes (`INVALID_FIELD`, `MALFORMED_QUERY`, `INVALID_TYPE`,
`INVALID_SESSION_ID`, `REQUEST_LIMIT_EXCEEDED`). Every API response carries `Sforce-Limit-Info`.

For tests, `faults` injects trouble: the next N API calls answer 503; every session expires after N
more calls; the org's API request limit. `org.advance()` moves the simulated day on. Both are also
reachable over HTTP from 127.0.0.1, for a mock in another process, with a session like any API call:
`POST /_fauxforce/advance?days=1` and `POST /_fauxforce/faults` with a JSON object of `Faults` fields.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import socket
import ssl
import threading
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from fauxforce.mock import certs
from fauxforce.mock.auth import AuthEndpoints
from fauxforce.mock.bulk import BulkEndpoints
from fauxforce.mock.endpoint import API_VERSION, ORG_ID, error
from fauxforce.mock.ingest import IngestEndpoints, IngestJob
from fauxforce.mock.org import MockOrg
from fauxforce.mock.soql import SoqlError

__all__ = ["API_VERSION", "Credentials", "Faults", "MockSalesforce"]
HANDSHAKE_SECONDS = 10  # a connection that has not finished its TLS handshake by then is dropped
IDLE_SECONDS = 120  # an idle keep-alive connection is closed after this


@dataclass(frozen=True)
class Credentials:
    username: str = "fauxforce@example.com"
    password: str = "fauxforce-password"
    security_token: str = "FAUXFORCETOKEN"
    consumer_key: str = "fauxforce-consumer-key"
    consumer_secret: str = "fauxforce-consumer-secret"


@dataclass
class Faults:
    """Trouble to inject, for tests: each counts API calls (requests under /services/data)."""

    unavailable: int = 0  # the next N API calls answer `unavailable_status`
    unavailable_status: int = 503  # 503 (unavailable), 500, or 429 (too many requests)
    expire_sessions_after: int | None = None  # after N more API calls every session is invalid
    request_limit: int | None = None  # total API calls the org allows; beyond it REQUEST_LIMIT_EXCEEDED
    ingest_fail_every: int | None = None  # the next ingest job fails every Nth row (UNABLE_TO_LOCK_ROW)
    ingest_abort_after: int | None = None  # the next ingest job is Aborted after N rows, the rest unprocessed
    ingest_fail_after: int | None = None  # the next ingest job ends Failed after N rows, the rest unprocessed


@dataclass
class _State:
    sessions: set[str] = field(default_factory=set)
    cursors: dict[str, tuple[list[dict[str, Any]], int, str]] = field(default_factory=dict)  # records, batch, obj
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    ingest: dict[str, IngestJob] = field(default_factory=dict)
    api_calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _TlsServer(ThreadingHTTPServer):
    """HTTPS with the TLS handshake in each connection's own thread, never in the accept loop: a client that
    connects and says nothing holds up only itself (and is dropped after `HANDSHAKE_SECONDS`)."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[_Handler], context: ssl.SSLContext) -> None:
        self.context = context
        super().__init__(address, handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(HANDSHAKE_SECONDS)
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # not TLS, or gone: nothing to answer
        tls.settimeout(IDLE_SECONDS)
        try:
            super().finish_request(tls, client_address)
        finally:
            with contextlib.suppress(OSError):
                tls.shutdown(socket.SHUT_RDWR)
            tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a connection that fails mid-request (the client left) is not the server's error to print


class MockSalesforce:
    """Serve `org` on https://127.0.0.1:<port>; `start()` in a thread, `stop()` to end."""

    def __init__(self, org: MockOrg, cert_dir: Path, port: int = 0, credentials: Credentials | None = None) -> None:
        self.org = org
        self.keys = certs.ensure(cert_dir)
        self.credentials = credentials or Credentials()
        self.faults = Faults()
        self.state = _State()
        self.session_id = self.new_session()
        handler = type("Handler", (_Handler,), {"mock": self})
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.keys.cert_file, self.keys.key_file)
        self.httpd = _TlsServer(("127.0.0.1", port), handler, context)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def instance_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def api_calls(self) -> int:
        return self.state.api_calls

    def new_session(self) -> str:
        session = f"{ORG_ID}!{secrets.token_urlsafe(48)}"
        self.state.sessions.add(session)
        return session

    def start(self) -> MockSalesforce:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="mock-salesforce", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> MockSalesforce:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Handler(AuthEndpoints, BulkEndpoints, IngestEndpoints):
    """Routes each request to its endpoint (auth.py, rest.py, bulk.py, ingest.py); the control endpoints and the API's
    gate (faults, sessions, the request limit) are here."""

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PATCH(self) -> None:
        self._route("PATCH")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def _route(self, method: str) -> None:
        url = urlparse(self.path)
        path = url.path.rstrip("/")
        try:
            if path.startswith("/services/Soap/u/") and method == "POST":
                return self._soap_login(self._body())
            if path == "/services/oauth2/token" and method == "POST":
                return self._token(parse_qs(self._body().decode("utf-8", errors="strict")))
            if path.startswith("/_fauxforce/") and method == "POST":
                return self._control(path.removeprefix("/_fauxforce/"), parse_qs(url.query), self._body())
            if path == "/services/data":
                return self._json(200, [{"version": API_VERSION, "url": f"/services/data/v{API_VERSION}"}])
            m = re.fullmatch(r"/services/data/v(\d+\.\d+)(/.*)?", path)
            if not m:
                return self._json(404, error("NOT_FOUND", "The requested resource does not exist"))
            self._api(method, m.group(1), m.group(2) or "", parse_qs(url.query))
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            return
        except (UnicodeDecodeError, json.JSONDecodeError) as e:  # a body that is not what it says it is
            self._json(400, error("JSON_PARSER_ERROR", f"the request body cannot be read: {type(e).__name__}"))
        except Exception as e:  # anything else still gets an answer, never a dropped connection
            self._json(500, error("UNKNOWN_EXCEPTION", f"the mock org failed on this request: {type(e).__name__}"))

    def _session_ok(self) -> bool:
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        return token in self.mock.state.sessions

    # ---- control (the simulated day, faults), for tests and development; they need a session -------------
    def _control(self, action: str, query: dict[str, list[str]], body: bytes) -> None:
        mock = self.mock
        if not self._session_ok():
            return self._json(401, error("INVALID_SESSION_ID", "Session expired or invalid"))
        if action == "advance":
            days = (query.get("days") or ["1"])[0]
            if not days.isdigit() or not 1 <= int(days) <= 3650:
                return self._json(
                    400, error("INVALID_FIELD", f"days must be a whole number from 1 to 3650, not {days!r}")
                )
            if mock.org.options is None:
                return self._json(
                    400, error("INVALID_OPERATION", "an org served from a folder of files does not advance")
                )
            with mock.state.lock:
                changed = mock.org.advance(int(days))
            return self._json(200, {"as_of": str(mock.org.as_of), "changed": changed})
        if action == "faults":
            spec = json.loads(body or b"{}")
            if not isinstance(spec, dict):
                return self._json(400, error("JSON_PARSER_ERROR", "faults are a JSON object of Faults fields"))
            fields = Faults.__dataclass_fields__
            for key, value in spec.items():
                if key not in fields:
                    return self._json(400, error("INVALID_FIELD", f"unknown fault {key!r}; use {', '.join(fields)}"))
                if not (value is None or (isinstance(value, int) and not isinstance(value, bool))):
                    return self._json(400, error("INVALID_FIELD", f"fault {key!r} takes a whole number or null"))
            with mock.state.lock:
                for key, value in spec.items():
                    setattr(mock.faults, key, value)
            return self._json(200, {"faults": mock.faults.__dict__, "api_calls": mock.state.api_calls})
        self._json(404, error("NOT_FOUND", f"unknown control {action!r}; use advance or faults"))

    # ---- the REST API -----------------------------------------------------------------------------
    def _api(self, method: str, version: str, rest: str, query: dict[str, list[str]]) -> None:
        mock, faults = self.mock, self.mock.faults
        with mock.state.lock:
            mock.state.api_calls += 1
            calls = mock.state.api_calls
            if faults.unavailable > 0:
                faults.unavailable -= 1
                unavailable = True
            else:
                unavailable = False
            if faults.expire_sessions_after is not None:
                if faults.expire_sessions_after <= 0:
                    mock.state.sessions.clear()
                    faults.expire_sessions_after = None
                else:
                    faults.expire_sessions_after -= 1
        if unavailable:
            status = faults.unavailable_status
            return self._send(status, b"Too Many Requests" if status == 429 else b"Service Unavailable", "text/plain")
        if not self._session_ok():
            return self._json(401, error("INVALID_SESSION_ID", "Session expired or invalid"))
        if faults.request_limit is not None and calls > faults.request_limit:
            return self._json(
                403, error("REQUEST_LIMIT_EXCEEDED", f"TotalRequests Limit exceeded. Limit: {faults.request_limit}")
            )
        base = f"/services/data/v{version}"
        try:
            if rest == "/sobjects" and method == "GET":
                return self._describe_global()
            if m := re.fullmatch(r"/sobjects/(\w+)/describe", rest):
                return self._describe(m.group(1))
            if rest in ("/query", "/queryAll") and method == "GET":
                return self._query((query.get("q") or [""])[0], rest == "/queryAll", base)
            if m := re.fullmatch(r"/(?:query|queryAll)/([\w-]+)", rest):
                return self._more(m.group(1), base)
            if rest == "/limits":
                return self._limits()
            if rest == "/jobs/query" and method == "POST":
                return self._create_job(json.loads(self._body() or b"{}"), base)
            if m := re.fullmatch(r"/jobs/query/([\w-]+)", rest):
                return self._job(m.group(1), method)
            if m := re.fullmatch(r"/jobs/query/([\w-]+)/results", rest):
                return self._results(m.group(1), query)
            if rest.startswith("/jobs/ingest") and self._ingest(method, rest):
                return None
        except SoqlError as e:
            return self._json(400, error(e.code, str(e)))
        self._json(404, error("NOT_FOUND", f"The requested resource does not exist: {rest}"))
