"""`zi api serve` as a real server for tests and the benchmark: a subprocess on 127.0.0.1 and a free port, plain or
over HTTPS with a certificate made here (never committed), stopped and waited for afterwards."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.browser import free_port

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Certificate:
    ca: Path  # the authority a client trusts
    cert: Path  # the server's certificate for 127.0.0.1 and localhost, signed by it
    key: Path

    def context(self) -> ssl.SSLContext:
        """What a client that trusts the authority verifies with."""
        return ssl.create_default_context(cafile=str(self.ca))


def make_certificate(folder: Path) -> Certificate:
    """A throw-away authority and a server certificate it signs, for 127.0.0.1 and localhost (valid one day)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ZI Monitor uji CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])).issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    out = Certificate(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")
    out.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    out.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out.key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    os.chmod(out.key, 0o600)
    return out


def zi(*args: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """`zi ...` in a subprocess, as a person runs it."""
    result = subprocess.run([sys.executable, "-m", "zi_data.cli", *args], capture_output=True, text=True,
                            cwd=ROOT, env={**os.environ, **(env or {})}, timeout=300)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def new_token(tokens: Path, name: str, instansi: str, db: Path) -> str:
    """`zi api token NAME --instansi X --db DB`: the token it prints once (on stdout)."""
    return zi("api", "token", name, "--instansi", instansi, "--db", str(db), "--file", str(tokens)).stdout.strip()


@contextmanager
def api_server(db: Path, tokens: Path, log: Path, *flags: str, cert: Certificate | None = None,
               prefix: str = "/zi-api") -> Iterator[str]:
    """`zi api serve` on a free port; yields the base URL (with the prefix) once the server answers."""
    port = free_port()
    args = [sys.executable, "-m", "zi_data.cli", "api", "serve", "--db", str(db), "--port", str(port),
            "--tokens", str(tokens), "--prefix", prefix, *flags]
    if cert:
        args += ["--certfile", str(cert.cert), "--keyfile", str(cert.key)]
    scheme = "https" if cert else "http"
    base = f"{scheme}://127.0.0.1:{port}{prefix}"
    with log.open("ab") as out:
        proc = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                httpx.get(base + "/pengusulan/unit-wbk", verify=cert.context() if cert else True, timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    raise AssertionError(f"server ended: {log.read_text(errors='replace')[-2000:]}") from None
                if time.monotonic() > deadline:
                    raise AssertionError("server did not answer within 90 s") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
