"""The mock org's logins: SOAP login, and the OAuth token endpoint (password, client credentials, JWT bearer)."""

from __future__ import annotations

import base64
import binascii
import re
import time
from xml.sax.saxutils import escape, unescape

import jwt

from fauxforce.mock.endpoint import API_VERSION, ORG_ID, Endpoint


class AuthEndpoints(Endpoint):
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


def _xml_value(text: str, tag: str) -> str | None:
    m = re.search(rf"<(?:\w+:)?{tag}>(.*?)</(?:\w+:)?{tag}>", text, re.DOTALL)
    if not m:
        return None
    return unescape(m.group(1))
