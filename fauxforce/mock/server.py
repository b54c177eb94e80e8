"""A Salesforce org on 127.0.0.1 over HTTPS, serving a generated org to the real simple-salesforce client.

It answers what the `salesforce` connector and simple-salesforce use: SOAP login; OAuth token
(password, client credentials, JWT bearer); describe global and sObject describe; query and
queryAll with `nextRecordsUrl` paging and the `Sforce-Query-Options: batchSize=` header; Bulk API
2.0 query jobs (create, status, results with `Sforce-Locator` / `Sforce-NumberOfRecords`); limits.
Errors have Salesforce's shape and codes (`INVALID_FIELD`, `MALFORMED_QUERY`, `INVALID_TYPE`,
`INVALID_SESSION_ID`, `REQUEST_LIMIT_EXCEEDED`). Every API response carries `Sforce-Limit-Info`.

For tests, `faults` injects trouble: the next N API calls answer 503; every session expires after N
more calls; the org's API request limit. `org.advance()` moves the simulated day on. Both are also
reachable over HTTP from 127.0.0.1, for a mock in another process: `POST /_fauxforce/advance?days=1`
and `POST /_fauxforce/faults` with a JSON object of `Faults` fields.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import re
import secrets
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

import jwt

from fauxforce.mock import certs
from fauxforce.mock.org import MockOrg
from fauxforce.mock.soql import SoqlError, parse, run

API_VERSION = "62.0"
ORG_ID = "00D5g000004fAKEEA2"
DEFAULT_BATCH = 2000
DAILY_LIMIT = 100_000
MAX_OPEN = 200  # query cursors and bulk jobs kept; older ones expire


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


@dataclass
class _State:
    sessions: set[str] = field(default_factory=set)
    cursors: dict[str, tuple[list[dict[str, Any]], int, str]] = field(default_factory=dict)  # records, batch, obj
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    api_calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


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
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.keys.cert_file, self.keys.key_file)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
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


def _error(code: str, message: str) -> list[dict[str, str]]:
    return [{"message": message, "errorCode": code}]


class _Handler(BaseHTTPRequestHandler):
    mock: MockSalesforce
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: no request log, no tokens in it
        return

    # ---- plumbing -------------------------------------------------------------------------------
    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        limit = self.mock.faults.request_limit or DAILY_LIMIT
        self.send_header("Sforce-Limit-Info", f"api-usage={self.mock.state.api_calls}/{limit}")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: object, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json;charset=UTF-8", headers)

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PATCH(self) -> None:
        self._route("PATCH")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def _route(self, method: str) -> None:
        url = urlparse(self.path)
        path = url.path.rstrip("/")
        try:
            if path.startswith("/services/Soap/u/") and method == "POST":
                return self._soap_login(self._body())
            if path == "/services/oauth2/token" and method == "POST":
                return self._token(parse_qs(self._body().decode()))
            if path.startswith("/_fauxforce/") and method == "POST":
                return self._control(path.removeprefix("/_fauxforce/"), parse_qs(url.query), self._body())
            if path == "/services/data":
                return self._json(200, [{"version": API_VERSION, "url": f"/services/data/v{API_VERSION}"}])
            m = re.fullmatch(r"/services/data/v(\d+\.\d+)(/.*)?", path)
            if not m:
                return self._json(404, _error("NOT_FOUND", "The requested resource does not exist"))
            self._api(method, m.group(1), m.group(2) or "", parse_qs(url.query))
        except (BrokenPipeError, ConnectionResetError):
            return

    # ---- control (the simulated day, faults), for tests and development ---------------------------------
    def _control(self, action: str, query: dict[str, list[str]], body: bytes) -> None:
        mock = self.mock
        if action == "advance":
            days = int((query.get("days") or ["1"])[0])
            with mock.state.lock:
                changed = mock.org.advance(days)
            return self._json(200, {"as_of": str(mock.org.as_of), "changed": changed})
        if action == "faults":
            spec = json.loads(body or b"{}")
            with mock.state.lock:
                for key, value in spec.items():
                    if key not in Faults.__dataclass_fields__:
                        return self._json(400, {"error": f"unknown fault {key!r}"})
                    setattr(mock.faults, key, value)
            return self._json(200, {"faults": mock.faults.__dict__, "api_calls": mock.state.api_calls})
        self._json(404, {"error": f"unknown control {action!r}; use advance or faults"})

    # ---- authentication ---------------------------------------------------------------------------
    def _soap_login(self, body: bytes) -> None:
        text = body.decode("utf-8", errors="replace")
        username = _xml_value(text, "username")
        password = _xml_value(text, "password")
        c = self.mock.credentials
        if username != c.username or password != c.password + c.security_token:
            fault = (
                '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
                'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
                'xmlns:sf="urn:fault.partner.soap.sforce.com">'
                "<soapenv:Body><soapenv:Fault><faultcode>INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid "
                "username, password, security token; or user locked out.</faultstring><detail><sf:LoginFault>"
                "<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode><sf:exceptionMessage>Invalid username, password, "
                "security token; or user locked out.</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault>"
                "</soapenv:Body></soapenv:Envelope>"
            )
            return self._send(500, fault.encode(), "text/xml;charset=UTF-8")
        session = self.mock.new_session()
        server_url = f"{self.mock.instance_url}/services/Soap/u/{API_VERSION}/{ORG_ID}"
        ok = (
            '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
            'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com">'
            f"<soapenv:Body><loginResponse><result><metadataServerUrl>{escape(server_url)}</metadataServerUrl>"
            f"<passwordExpired>false</passwordExpired><sandbox>false</sandbox><serverUrl>{escape(server_url)}</serverUrl>"
            f"<sessionId>{escape(session)}</sessionId><userId>0055g0000056sStAAI</userId></result></loginResponse>"
            "</soapenv:Body></soapenv:Envelope>"
        )
        self._send(200, ok.encode(), "text/xml;charset=UTF-8")

    def _token(self, form: dict[str, list[str]]) -> None:
        get = lambda k: (form.get(k) or [""])[0]  # noqa: E731
        c = self.mock.credentials
        grant = get("grant_type")
        ok = False
        if grant == "password":
            ok = get("client_id") == c.consumer_key and get("client_secret") == c.consumer_secret
            ok = ok and get("username") == c.username and get("password") in (c.password, c.password + c.security_token)
        elif grant == "client_credentials":  # the client's id and secret as HTTP Basic, or in the form
            basic = (self.headers.get("Authorization") or "").removeprefix("Basic ").strip()
            try:
                pair = base64.b64decode(basic).decode(errors="replace") if basic else ""
            except binascii.Error:
                pair = ""
            pair = pair or f"{get('client_id')}:{get('client_secret')}"
            ok = pair == f"{c.consumer_key}:{c.consumer_secret}"
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            ok = self._jwt_ok(get("assertion"))
        else:
            return self._json(400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"})
        if not ok:
            return self._json(400, {"error": "invalid_grant", "error_description": "authentication failure"})
        session = self.mock.new_session()
        self._json(
            200,
            {
                "access_token": session,
                "instance_url": self.mock.instance_url,
                "id": f"{self.mock.instance_url}/id/{ORG_ID}/0055g0000056sStAAI",
                "token_type": "Bearer",
                "issued_at": str(int(time.time() * 1000)),
            },
        )

    def _jwt_ok(self, assertion: str) -> bool:
        from cryptography import x509
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = x509.load_pem_x509_certificate(self.mock.keys.jwt_certificate.read_bytes()).public_key()
        assert isinstance(key, rsa.RSAPublicKey)
        c = self.mock.credentials
        try:
            claims = jwt.decode(assertion, key, algorithms=["RS256"], options={"verify_aud": False})
        except jwt.PyJWTError:
            return False
        return (
            claims.get("iss") == c.consumer_key
            and claims.get("sub") == c.username
            and str(claims.get("aud", "")).startswith("https://")
        )

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
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if token not in mock.state.sessions:
            return self._json(401, _error("INVALID_SESSION_ID", "Session expired or invalid"))
        if faults.request_limit is not None and calls > faults.request_limit:
            return self._json(
                403, _error("REQUEST_LIMIT_EXCEEDED", f"TotalRequests Limit exceeded. Limit: {faults.request_limit}")
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
        except SoqlError as e:
            return self._json(400, _error(e.code, str(e)))
        self._json(404, _error("NOT_FOUND", f"The requested resource does not exist: {rest}"))

    def _describe_global(self) -> None:
        sobjects = [
            {"name": name, "label": name, "queryable": True, "custom": name.endswith("__c"),
             "urls": {"describe": f"/services/data/v{API_VERSION}/sobjects/{name}/describe"}}
            for name in sorted(self.mock.org.objects)
        ]  # fmt: skip
        self._json(200, {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects})

    def _describe(self, name: str) -> None:
        obj = self.mock.org.get(name)
        if obj is None:
            return self._json(404, _error("NOT_FOUND", f"The requested resource does not exist: {name}"))
        self._json(200, {"name": obj.name, "label": obj.name, "queryable": True, "fields": obj.fields})

    def _select(self, soql: str, include_deleted: bool) -> tuple[list[dict[str, Any]], str, list[str]]:
        org = self.mock.org

        def fields_of(name: str) -> dict[str, str] | None:
            obj = org.get(name)
            return obj.types if obj else None

        q = parse(soql, fields_of)
        obj = org.get(q.object)
        assert obj is not None
        records = obj.records if include_deleted else [r for r in obj.records if not r.get("IsDeleted")]
        rows = run(q, records, obj.types)
        return [{f: r.get(f) for f in q.fields} for r in rows], obj.name, q.fields

    def _page(self, rows: list[dict[str, Any]], obj: str, batch: int, start: int, base: str) -> dict[str, Any]:
        end = min(start + batch, len(rows))
        page = [{"attributes": {"type": obj, "url": f"{base}/sobjects/{obj}/{r.get('Id', '')}"}, **r}
                for r in rows[start:end]]  # fmt: skip
        out: dict[str, Any] = {"totalSize": len(rows), "done": end >= len(rows), "records": page}
        if end < len(rows):
            cursor = f"01g{uuid.uuid4().hex[:15]}"
            cursors = self.mock.state.cursors
            with self.mock.state.lock:
                cursors[cursor] = (rows, batch, obj)
                while len(cursors) > MAX_OPEN:  # as in Salesforce, old cursors expire
                    del cursors[next(iter(cursors))]
            out["nextRecordsUrl"] = f"{base}/query/{cursor}-{end}"
        return out

    def _batch_size(self) -> int:
        options = self.headers.get("Sforce-Query-Options") or ""
        m = re.search(r"batchSize=(\d+)", options)
        return max(200, min(2000, int(m.group(1)))) if m else DEFAULT_BATCH

    def _query(self, soql: str, include_deleted: bool, base: str) -> None:
        rows, obj, _ = self._select(soql, include_deleted)
        self._json(200, self._page(rows, obj, self._batch_size(), 0, base))

    def _more(self, locator: str, base: str) -> None:
        cursor, _, offset = locator.rpartition("-")
        found = self.mock.state.cursors.get(cursor)
        if found is None or not offset.isdigit():
            return self._json(400, _error("INVALID_QUERY_LOCATOR", "invalid query locator"))
        rows, batch, obj = found
        self._json(200, self._page(rows, obj, batch, int(offset), base))

    def _limits(self) -> None:
        limit = self.mock.faults.request_limit or DAILY_LIMIT
        remaining = max(0, limit - self.mock.state.api_calls)
        self._json(200, {"DailyApiRequests": {"Max": limit, "Remaining": remaining}})

    # ---- Bulk API 2.0 query jobs ---------------------------------------------------------------------
    def _create_job(self, spec: dict[str, Any], base: str) -> None:
        operation = spec.get("operation")
        if operation not in ("query", "queryAll"):
            return self._json(400, _error("INVALIDJOB", f"operation {operation!r} is not a query"))
        rows, obj, fields = self._select(str(spec.get("query") or ""), operation == "queryAll")
        job_id = f"750{uuid.uuid4().hex[:15]}"
        job = {"id": job_id, "operation": operation, "object": obj, "state": "JobComplete",
               "numberRecordsProcessed": len(rows), "columnDelimiter": "COMMA", "lineEnding": "LF",
               "contentType": "CSV", "apiVersion": float(API_VERSION)}  # fmt: skip
        jobs = self.mock.state.jobs
        with self.mock.state.lock:
            jobs[job_id] = job | {"_rows": rows, "_fields": fields}
            while len(jobs) > MAX_OPEN:
                del jobs[next(iter(jobs))]
        self._json(200, {**job, "state": "UploadComplete"})

    def _job(self, job_id: str, method: str) -> None:
        job = self.mock.state.jobs.get(job_id)
        if job is None:
            return self._json(404, _error("NOT_FOUND", f"no job {job_id}"))
        if method == "DELETE":
            del self.mock.state.jobs[job_id]
            return self._send(204, b"", "text/plain")
        self._json(200, {k: v for k, v in job.items() if not k.startswith("_")})

    def _results(self, job_id: str, query: dict[str, list[str]]) -> None:
        job = self.mock.state.jobs.get(job_id)
        if job is None:
            return self._json(404, _error("NOT_FOUND", f"no job {job_id}"))
        rows, fields = job["_rows"], job["_fields"]
        start = int((query.get("locator") or ["0"])[0] or 0)
        size = int((query.get("maxRecords") or ["50000"])[0])
        end = min(start + size, len(rows))
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(fields)
        for r in rows[start:end]:
            writer.writerow([_csv_value(r.get(f)) for f in fields])
        locator = str(end) if end < len(rows) else "null"
        self._send(
            200, buf.getvalue().encode("utf-8"), "text/csv",
            {"Sforce-Locator": locator, "Sforce-NumberOfRecords": str(end - start)},
        )  # fmt: skip


def _csv_value(value: Any) -> str:
    """A value as Bulk API 2.0 writes it in CSV: booleans lower case, datetimes with `Z`, null empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    if isinstance(value, str) and value.endswith("+0000"):
        return value[:-5] + "Z"
    return str(value)


def _xml_value(text: str, tag: str) -> str | None:
    m = re.search(rf"<(?:\w+:)?{tag}>(.*?)</(?:\w+:)?{tag}>", text, re.DOTALL)
    if not m:
        return None
    from xml.sax.saxutils import unescape

    return unescape(m.group(1))
