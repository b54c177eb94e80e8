"""The HTTP session simple-salesforce uses: an extra CA, and logins sent somewhere else if asked.

simple-salesforce logs in at `https://<domain>.salesforce.com` (SOAP and OAuth). `session_for(login_url,
ca_file)` gives a `requests.Session` that sends those requests to `login_url` instead (the mock org,
or a proxy in front of Salesforce) and, with `ca_file`, verifies TLS against the usual roots plus that
CA. Verification is never turned off. With a CA file the environment's `REQUESTS_CA_BUNDLE` is not
consulted (it would replace the bundle), but its proxy settings still are. After login, the client
talks to the instance URL the org returned.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import certifi
import requests
from requests.adapters import HTTPAdapter


class LoginRoute(HTTPAdapter):
    """Send requests for `https://*.salesforce.com/…` to `login_url`, path and query unchanged."""

    def __init__(self, login_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        target = urlsplit(login_url)
        self.scheme, self.netloc = target.scheme, target.netloc

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        url = urlsplit(request.url or "")
        if (url.hostname or "").endswith(".salesforce.com"):
            request.url = urlunsplit((self.scheme, self.netloc, url.path, url.query, url.fragment))
        return super().send(request, *args, **kwargs)


def with_default_roots(ca_file: Path | str) -> str:
    """A bundle of the usual roots (certifi's) plus `ca_file`, written once per CA next to other temp files."""
    extra = Path(ca_file).read_bytes()
    bundle = Path(tempfile.gettempdir()) / f"fauxforce-ca-{hashlib.sha256(extra).hexdigest()[:16]}.pem"
    if not bundle.exists():
        partial = bundle.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(Path(certifi.where()).read_bytes() + b"\n" + extra)
        partial.replace(bundle)
    return str(bundle)


def session_for(login_url: str | None = None, ca_file: Path | str | None = None) -> requests.Session:
    session = requests.Session()
    if ca_file:
        if not Path(ca_file).is_file():
            raise FileNotFoundError(f"SALESFORCE_CA_BUNDLE {ca_file} is not a file")
        session.verify = with_default_roots(ca_file)
        session.trust_env = False  # REQUESTS_CA_BUNDLE would replace the bundle; keep the proxies, though
        session.proxies.update(urllib.request.getproxies())
    if login_url:
        session.mount("https://", LoginRoute(login_url))
    return session
