"""The real `signlang serve` (uvicorn) in a child process, for tests; a self-signed certificate
for HTTPS. Not a test module."""

from __future__ import annotations

import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_params(path: Path, **serve) -> Path:
    """The project's params.yaml with some serve: values changed."""
    import yaml

    params = yaml.safe_load((PROJECT_ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["serve"].update(serve)
    path.write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def self_signed_certificate(folder: Path, host: str = "127.0.0.1", names: tuple[str, ...] = ("localhost",)
                            ) -> tuple[Path, Path]:
    """A certificate for the DNS `names` and the address `host`, valid for a day, and its key (PEM files)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "signlang test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([*(x509.DNSName(name) for name in names),
                                                    x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert, private = folder / "cert.pem", folder / "key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return cert, private


@dataclass
class RunningServer:
    process: subprocess.Popen
    url: str
    log: Path
    ssl_context: ssl.SSLContext | None

    @property
    def ws_url(self) -> str:
        return self.url.replace("http", "ws", 1) + "/ws"

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM, then the exit status (killed after `timeout` seconds)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"signlang serve did not stop within {timeout:.0f} s:\n{self.log_text()[-3000:]}") from None


def start_server(bundle: Path, params: Path, log: Path, certificate: tuple[Path, Path] | None = None,
                 extra: tuple[str, ...] = (), timeout: float = 120.0) -> RunningServer:
    """`signlang serve` on a free loopback port, once /health answers."""
    import httpx

    port = free_port()
    command = [sys.executable, "-m", "signlang.cli", "serve", "--bundle", str(bundle), "--host", "127.0.0.1",
               "--port", str(port), "--params", str(params), *extra]
    context = None
    if certificate is not None:
        command += ["--ssl-certfile", str(certificate[0]), "--ssl-keyfile", str(certificate[1])]
        context = ssl.create_default_context(cafile=str(certificate[0]))
    with open(log, "w", encoding="utf-8") as handle:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=handle, stderr=subprocess.STDOUT)
    server = RunningServer(process, f"{'https' if certificate else 'http'}://127.0.0.1:{port}", log, context)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"signlang serve exited with {process.returncode}:\n{server.log_text()[-3000:]}")
        try:
            if httpx.get(server.url + "/health", verify=context or True, timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.3)
    server.stop()
    raise AssertionError(f"signlang serve did not answer /health within {timeout:.0f} s:\n{server.log_text()[-3000:]}")


def spki_sha256(certificate: Path) -> str:
    """Base64 SHA-256 of the certificate's public key: what Chromium's
    --ignore-certificate-errors-spki-list takes to trust it."""
    import base64
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    public = x509.load_pem_x509_certificate(certificate.read_bytes()).public_key()
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")
