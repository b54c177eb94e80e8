"""An HTTP session for simple-salesforce that reaches an org at another address than `*.salesforce.com`.

simple-salesforce logs in at `https://<domain>.salesforce.com` (SOAP and OAuth). `session_for(login_url,
ca_file)` gives a `requests.Session` that sends those requests to `login_url` instead (the mock org,
or any proxy in front of Salesforce), verifies TLS against `ca_file` as well as the usual roots, and
ignores proxy and CA settings from the environment (`REQUESTS_CA_BUNDLE` would otherwise replace
`verify`). After login, the client talks to the instance URL the org returned.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

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


def session_for(login_url: str | None = None, ca_file: Path | str | None = None) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    if ca_file:
        session.verify = str(ca_file)
    if login_url:
        session.mount("https://", LoginRoute(login_url))
    return session
