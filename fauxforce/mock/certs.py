"""The mock org's keys: a CA of its own, a TLS certificate for 127.0.0.1 it signs, and a connected app's JWT key.

`ensure(folder)` creates what is missing and returns the paths; files that exist are reused, so a
CA a user has trusted keeps working across restarts.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Keys:
    ca_file: Path  # trust this (SALESFORCE_CA_BUNDLE)
    cert_file: Path
    key_file: Path
    jwt_private_key: Path  # a connected app's private key (SALESFORCE_PRIVATE_KEY_FILE)
    jwt_certificate: Path  # what the org checks JWT signatures with


def _key(path: Path) -> rsa.RSAPrivateKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)
    return key


def _certificate(
    subject: str, key: rsa.RSAPrivateKey, issuer: x509.Name | None, signer: rsa.RSAPrivateKey, ca: bool
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    return builder.sign(signer, hashes.SHA256())


def ensure(folder: Path) -> Keys:
    folder.mkdir(parents=True, exist_ok=True)
    keys = Keys(
        ca_file=folder / "ca.pem",
        cert_file=folder / "server.pem",
        key_file=folder / "server-key.pem",
        jwt_private_key=folder / "jwt-private-key.pem",
        jwt_certificate=folder / "jwt-certificate.pem",
    )
    ca_key = _key(folder / "ca-key.pem")
    if not keys.ca_file.exists():
        ca = _certificate("fauxforce mock org CA", ca_key, None, ca_key, ca=True)
        keys.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    ca_cert = x509.load_pem_x509_certificate(keys.ca_file.read_bytes())
    if not keys.cert_file.exists():
        server_key = _key(keys.key_file)
        cert = _certificate("127.0.0.1", server_key, ca_cert.subject, ca_key, ca=False)
        keys.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    jwt_key = _key(keys.jwt_private_key)
    if not keys.jwt_certificate.exists():
        cert = _certificate("fauxforce connected app", jwt_key, None, jwt_key, ca=False)
        keys.jwt_certificate.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return keys
