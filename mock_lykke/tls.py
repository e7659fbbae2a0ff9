"""TLS for both ports: a certificate for the mock and the CA a client must trust.

    tls = make_tls(directory=tmp)           # a throwaway CA (trustme) and a certificate
    async with MockServer(mock, tls=tls) as server:
        creds = tls.channel_credentials()    # or GRPC_DEFAULT_SSL_ROOTS_FILE_PATH=tls.ca_file

The certificate is valid for localhost, 127.0.0.1 and ::1 plus any extra names. One
TlsMaterial may serve any number of servers. Only the CA certificate is written to disk;
the private key stays in memory (Python's ssl module reads it from a short-lived file).
"""
from __future__ import annotations

import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

import grpc

DEFAULT_NAMES = ("localhost", "127.0.0.1", "::1")
CA_FILE_NAME = "mock-lykke-ca.pem"

# environment variable -> the clients that read it (what `serve --tls` prints)
TRUST_VARIABLES = {
    "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH": "grpcio",
    "SSL_CERT_FILE": "aiohttp, httpx, OpenSSL",
    "REQUESTS_CA_BUNDLE": "requests; ccxt with requests_trust_env (docs/tls.md)",
}


class TlsError(ValueError):
    """A certificate, key or CA file that cannot be used."""


@dataclass(frozen=True, slots=True)
class TlsMaterial:
    cert_pem: bytes                 # the server certificate, then its chain
    key_pem: bytes                  # its private key
    ca_pem: bytes | None            # what clients trust; None: unknown (a given certificate)
    ca_file: Path | None            # ca_pem on disk
    names: tuple[str, ...]          # the names the certificate was issued for (generated only)

    def server_credentials(self) -> grpc.ServerCredentials:
        """For grpc's add_secure_port (grpc negotiates ALPN h2 itself)."""
        return grpc.ssl_server_credentials([(self.key_pem, self.cert_pem)])

    def server_ssl_context(self) -> ssl.SSLContext:
        """For the REST port: HTTP/1.1 only, as the real server."""
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        with tempfile.TemporaryDirectory(prefix="mock-lykke-") as folder:
            path = Path(folder, "server.pem")          # the folder is private (0700)
            path.write_bytes(self.key_pem + b"\n" + self.cert_pem)
            try:
                ctx.load_cert_chain(path)
            except ssl.SSLError as e:
                raise TlsError(f"the certificate and key do not go together: {e}") from None
        ctx.set_alpn_protocols(["http/1.1"])
        return ctx

    def channel_credentials(self) -> grpc.ChannelCredentials:
        """gRPC channel credentials trusting the CA."""
        return grpc.ssl_channel_credentials(root_certificates=self.ca_pem)

    def client_ssl_context(self) -> ssl.SSLContext:
        """An ssl context trusting the CA (for aiohttp, httpx...)."""
        return ssl.create_default_context(cadata=self.ca_pem.decode() if self.ca_pem else None)

    def trust_env(self) -> dict[str, str]:
        """The environment variables that make unchanged clients trust the CA."""
        if self.ca_file is None:
            return {}
        return {name: str(self.ca_file) for name in TRUST_VARIABLES}


def make_tls(names=(), cert=None, key=None, ca=None, directory=None) -> TlsMaterial:
    """A certificate for the mock.

    Without cert/key: a throwaway CA (trustme) issues one for localhost, 127.0.0.1, ::1 and
    `names`; the CA certificate is written to `directory` (default: a new temporary folder).
    With cert and key (PEM files): those; clients trust `ca` (a PEM file) if given, else the
    certificate itself when it is self-signed, else nothing is known (ca_file None).
    """
    if (cert is None) != (key is None):
        raise TlsError("a certificate needs its key: give both or neither")
    if cert is not None:
        return _given(Path(cert), Path(key), Path(ca) if ca else None)
    try:
        import trustme              # only when TLS is asked for
    except ImportError:
        raise TlsError("a generated certificate needs trustme (pip install trustme)") from None

    authority = trustme.CA(organization_name="mock-lykke", organization_unit_name="throwaway CA")
    all_names = tuple(dict.fromkeys((*DEFAULT_NAMES, *names)))
    leaf = authority.issue_cert(*all_names, organization_name="mock-lykke")
    ca_pem = authority.cert_pem.bytes()
    folder = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="mock-lykke-tls-"))
    folder.mkdir(parents=True, exist_ok=True)
    ca_file = folder / CA_FILE_NAME
    ca_file.write_bytes(ca_pem)
    chain = b"".join(blob.bytes() for blob in leaf.cert_chain_pems)
    return TlsMaterial(chain, leaf.private_key_pem.bytes(), ca_pem, ca_file.resolve(), all_names)


def _given(cert: Path, key: Path, ca: Path | None) -> TlsMaterial:
    cert_pem, key_pem = _read(cert), _read(key)
    ca_pem = _read(ca) if ca else None
    if ca is None and _self_signed(cert_pem):
        ca, ca_pem = cert, cert_pem
    material = TlsMaterial(cert_pem, key_pem, ca_pem, ca.resolve() if ca else None, ())
    material.server_ssl_context()   # fail now, not at the first client, on a mismatch
    return material


def _read(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise TlsError(f"cannot read {path}: {e.strerror or e}") from None
    if b"-----BEGIN " not in data:
        raise TlsError(f"{path} is not a PEM file")
    return data


def _self_signed(cert_pem: bytes) -> bool:
    from cryptography import x509
    try:
        first = x509.load_pem_x509_certificate(cert_pem)
    except ValueError as e:
        raise TlsError(f"not a PEM certificate: {e}") from None
    return first.issuer == first.subject
