"""What every endpoint of the mock org shares: the handler's plumbing, Salesforce's error shape, constants."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fauxforce.mock.server import MockSalesforce

API_VERSION = "62.0"
ORG_ID = "00D5g000004fAKEEA2"
DAILY_LIMIT = 100_000


def error(code: str, message: str) -> list[dict[str, str]]:
    """A REST API error body, as Salesforce writes one."""
    return [{"message": message, "errorCode": code}]


class Endpoint(BaseHTTPRequestHandler):
    """The base of the mock org's request handler: read a body, send a response with `Sforce-Limit-Info`."""

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
