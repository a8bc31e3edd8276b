"""TLS and mutual TLS for server and CLI, the exposure rules, and API keys kept only as hashes."""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc

from clearmark.service.auth import Authenticator, hash_api_key
from clearmark.service.cli import main as cli_main
from clearmark.service.config import Settings
from clearmark.service.server import UnsafeConfiguration, check_exposure, is_loopback
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc
from tests.conftest import PRODUCER
from tests.service.conftest import RunningServer

pytestmark = pytest.mark.e2e
KEY = "tenant-key-0123456789abcdef"


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _issue(
    name: str, issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None, *, server: bool = False, ca: bool = False
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer_name, issuer_key = issuer if issuer else (subject, key)
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    elif not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256()), key


def _write(path: Path, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> tuple[Path, Path]:
    path.with_suffix(".crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    path.with_suffix(".key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return path.with_suffix(".crt"), path.with_suffix(".key")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    root = tmp_path_factory.mktemp("pki")
    ca_cert, ca_key = _issue("ClearMark test CA", None, ca=True)
    issuer = (ca_cert.subject, ca_key)
    ca, _ = _write(root / "ca", ca_cert, ca_key)
    server_cert, server_key = _write(root / "server", *_issue("localhost", issuer, server=True))
    client_cert, client_key = _write(root / "client", *_issue("a client", issuer))
    return Pki(ca, server_cert, server_key, client_cert, client_key)


def _health(channel: grpc.Channel) -> int:
    return health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10).status


def test_tls_server_and_cli(server_factory: Callable[..., RunningServer], pki: Pki, tmp_path: Path, png_bytes) -> None:
    running = server_factory(cpu_workers=0, tls_cert_file=pki.server_cert, tls_key_file=pki.server_key)
    credentials = grpc.ssl_channel_credentials(root_certificates=pki.ca.read_bytes())
    with grpc.secure_channel(running.address, credentials) as channel:
        assert _health(channel) == health_pb2.HealthCheckResponse.SERVING
    with grpc.insecure_channel(running.address) as channel, pytest.raises(grpc.RpcError):
        _health(channel)  # plaintext cannot talk to a TLS port
    image = tmp_path / "in.png"
    image.write_bytes(png_bytes)
    output = tmp_path / "out.png"
    code = cli_main(
        ["stamp", str(image), "-o", str(output), "--producer", PRODUCER, "--server", running.address]
        + ["--tls-ca", str(pki.ca)]
    )
    assert code == 0 and output.stat().st_size > 0
    assert cli_main(["health", "--server", running.address, "--tls-ca", str(pki.ca)]) == 0


def test_mutual_tls_requires_a_client_certificate(
    server_factory: Callable[..., RunningServer], pki: Pki, tmp_path: Path, png_bytes
) -> None:
    running = server_factory(
        cpu_workers=0, tls_cert_file=pki.server_cert, tls_key_file=pki.server_key, tls_client_ca_file=pki.ca
    )
    anonymous = grpc.ssl_channel_credentials(root_certificates=pki.ca.read_bytes())
    with grpc.secure_channel(running.address, anonymous) as channel, pytest.raises(grpc.RpcError) as refused:
        _health(channel)
    assert refused.value.code() is grpc.StatusCode.UNAVAILABLE
    client = grpc.ssl_channel_credentials(
        root_certificates=pki.ca.read_bytes(),
        private_key=pki.client_key.read_bytes(),
        certificate_chain=pki.client_cert.read_bytes(),
    )
    with grpc.secure_channel(running.address, client) as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        assert stub.Inspect(api.InspectRequest(content=png_bytes), timeout=60).inspection.media.width == 640
    image = tmp_path / "in.png"
    image.write_bytes(png_bytes)
    tls = ["--tls-ca", str(pki.ca), "--tls-cert", str(pki.client_cert), "--tls-key", str(pki.client_key)]
    assert cli_main(["inspect", str(image), "--server", running.address, *tls]) in (0, 1)
    assert cli_main(["inspect", str(image), "--server", running.address, "--tls-ca", str(pki.ca)]) == 2


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("10.1.2.3", False), ("clearmark.internal", False), ("", False)],
)  # fmt: skip
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_network_address_needs_tls_and_keys_unless_explicitly_allowed(pki: Pki, tmp_path: Path) -> None:
    base = {"host": "0.0.0.0", "data_dir": tmp_path}
    with pytest.raises(UnsafeConfiguration, match="without TLS"):
        check_exposure(Settings(**base))
    tls = {"tls_cert_file": pki.server_cert, "tls_key_file": pki.server_key}
    with pytest.raises(UnsafeConfiguration, match="without API keys"):
        check_exposure(Settings(**base, **tls))
    check_exposure(Settings(**base, **tls, api_key_hashes={hash_api_key(KEY): "a"}))
    check_exposure(Settings(**base, allow_plaintext_remote=True, allow_unauthenticated_remote=True))
    check_exposure(Settings(host="127.0.0.1", data_dir=tmp_path))  # loopback: development as before
    assert cli_main(["serve", "--host", "0.0.0.0", "--port", "0", "--data-dir", str(tmp_path)]) == 2


def test_api_keys_are_compared_as_hashes() -> None:
    digest = hash_api_key(KEY)
    assert digest.startswith("sha256:") and KEY not in digest
    auth = Authenticator({}, {digest: "tenant-a"})
    assert auth.tenant_for([("x-api-key", KEY)]) == "tenant-a"
    assert auth.tenant_for([("authorization", f"Bearer {KEY}")]) == "tenant-a"
    assert auth.tenant_for([("x-api-key", KEY + "x")]) is None
    assert auth.tenant_for([]) is None
    assert Authenticator({KEY: "tenant-b"}).tenant_for([("x-api-key", KEY)]) == "tenant-b"
    assert KEY.encode() not in repr(vars(Authenticator({KEY: "tenant-b"}))).encode()  # only hashes kept


def test_hashed_keys_from_settings_guard_a_server(server_factory: Callable[..., RunningServer], png_bytes) -> None:
    running = server_factory(cpu_workers=0, api_key_hashes={hash_api_key(KEY): "tenant-a"})
    assert Settings(api_key_hashes={hash_api_key(KEY): "tenant-a"}).redacted()["api_key_hashes"] == ["tenant-a"]
    with running.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        request = api.StampRequest(content=png_bytes, options=api.StampOptions(producer_code=PRODUCER))
        with pytest.raises(grpc.RpcError) as denied:
            stub.Stamp(request, timeout=60)
        assert denied.value.code() is grpc.StatusCode.UNAUTHENTICATED
        stamped = stub.Stamp(request, metadata=[("x-api-key", KEY)], timeout=60)
        assert stamped.result.record.tenant == "tenant-a"


def test_hash_key_command(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(KEY + "\n"))
    assert cli_main(["hash-key"]) == 0
    assert capsys.readouterr().out.strip() == hash_api_key(KEY)
