"""Tests of signing material: the generated development CA and signer, and operator-supplied checks."""

from __future__ import annotations

import logging
import multiprocessing
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from clearmark.service import keys
from clearmark.service.keys import (
    SigningMaterial,
    SigningMaterialError,
    ensure_dev_signing_material,
    load_signing_material,
)


def _certs(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


def _snapshot(material: SigningMaterial) -> tuple[bytes, ...]:
    assert material.ca_cert_pem is not None
    paths = (material.cert_chain_pem, material.private_key_pem, material.ca_cert_pem)
    return tuple(path.read_bytes() for path in paths)


def _self_signed(tmp_path: Path, key: CertificateIssuerPrivateKeyTypes, *, days: int = 30) -> Path:
    """Write a self-signed certificate for ``key`` as an operator chain file."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "operator signer")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .sign(key, None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256())
    )
    path = tmp_path / f"chain-{cert.serial_number}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def _write_key(tmp_path: Path, key: CertificateIssuerPrivateKeyTypes, name: str = "key.pem") -> Path:
    path = tmp_path / name
    pkcs8 = serialization.PrivateFormat.PKCS8
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, pkcs8, serialization.NoEncryption()))
    return path


def test_created_once_then_reused(tmp_path: Path) -> None:
    first = ensure_dev_signing_material(tmp_path)
    assert first.created and first.algorithm == "es256"
    assert first.cert_chain_pem.parent == tmp_path / "keys" / "dev"
    second = ensure_dev_signing_material(tmp_path)
    assert not second.created
    assert _snapshot(second) == _snapshot(first)
    assert (second.subject, second.not_after) == (first.subject, first.not_after)


def test_file_and_directory_modes(tmp_path: Path) -> None:
    material = ensure_dev_signing_material(tmp_path)
    assert stat.S_IMODE(material.private_key_pem.stat().st_mode) == 0o600
    assert stat.S_IMODE(material.private_key_pem.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert not list(material.private_key_pem.parent.glob("*.tmp"))


def test_certificate_extensions(tmp_path: Path) -> None:
    material = ensure_dev_signing_material(tmp_path)
    leaf, ca = _certs(material.cert_chain_pem)
    assert material.ca_cert_pem is not None and _certs(material.ca_cert_pem) == [ca]
    assert "DEVELOPMENT" in material.subject and "untrusted" in material.subject
    assert material.not_after == leaf.not_valid_after_utc
    assert timedelta(days=364) < leaf.not_valid_after_utc - leaf.not_valid_before_utc < timedelta(days=366)

    ca_bc = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert ca_bc.critical and ca_bc.value.ca and ca_bc.value.path_length == 0
    ca_ku = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ca_ku.key_cert_sign and ca_ku.crl_sign and not ca_ku.digital_signature
    ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value

    leaf_bc = leaf.extensions.get_extension_for_class(x509.BasicConstraints)
    assert leaf_bc.critical and not leaf_bc.value.ca
    leaf_ku = leaf.extensions.get_extension_for_class(x509.KeyUsage)
    assert leaf_ku.critical and leaf_ku.value.digital_signature and not leaf_ku.value.key_cert_sign
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.EMAIL_PROTECTION]
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ca_ski.digest
    leaf_ski = leaf.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert leaf_ski == x509.SubjectKeyIdentifier.from_public_key(leaf.public_key())
    assert leaf.issuer == ca.subject and leaf.serial_number != ca.serial_number


def test_chain_verifies_and_key_matches(tmp_path: Path) -> None:
    material = ensure_dev_signing_material(tmp_path)
    leaf, ca = _certs(material.cert_chain_pem)
    ca_public_key = ca.public_key()
    assert isinstance(ca_public_key, ec.EllipticCurvePublicKey)
    assert leaf.signature_hash_algorithm is not None
    ca_public_key.verify(leaf.signature, leaf.tbs_certificate_bytes, ec.ECDSA(leaf.signature_hash_algorithm))
    key = serialization.load_pem_private_key(material.private_key_pem.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    assert key.public_key() == leaf.public_key()


def test_creation_logged_once_without_key_material(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger=keys.__name__):
        material = ensure_dev_signing_material(tmp_path)
        ensure_dev_signing_material(tmp_path)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "DEVELOPMENT" in message and "untrusted" in message
    assert str(material.private_key_pem.parent) in message
    key_body = material.private_key_pem.read_text().splitlines()[1]
    assert "PRIVATE KEY" not in caplog.text and "BEGIN" not in caplog.text and key_body not in caplog.text


def test_expired_signer_is_regenerated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    first = ensure_dev_signing_material(tmp_path)
    before = _snapshot(first)
    later = first.not_after + timedelta(days=1)
    monkeypatch.setattr(keys, "_utcnow", lambda: later)
    with caplog.at_level(logging.WARNING, logger=keys.__name__):
        renewed = ensure_dev_signing_material(tmp_path)
    assert renewed.created and renewed.not_after > later
    assert all(old != new for old, new in zip(before, _snapshot(renewed), strict=True))
    assert "expired" in caplog.text


def test_mismatched_dev_set_is_regenerated(tmp_path: Path) -> None:
    material = ensure_dev_signing_material(tmp_path)
    _write_key(material.private_key_pem.parent, ec.generate_private_key(ec.SECP256R1()), keys.KEY_FILE)
    renewed = ensure_dev_signing_material(tmp_path)
    assert renewed.created
    assert load_signing_material(renewed.cert_chain_pem, renewed.private_key_pem).subject == renewed.subject


def test_load_operator_material(tmp_path: Path) -> None:
    dev = ensure_dev_signing_material(tmp_path)
    loaded = load_signing_material(dev.cert_chain_pem, dev.private_key_pem)
    assert loaded.algorithm == "es256" and not loaded.created and loaded.ca_cert_pem is None
    assert (loaded.subject, loaded.not_after) == (dev.subject, dev.not_after)


def test_mismatched_operator_key_is_rejected(tmp_path: Path) -> None:
    one = ensure_dev_signing_material(tmp_path / "one")
    other = ensure_dev_signing_material(tmp_path / "other")
    with pytest.raises(SigningMaterialError, match="does not match") as caught:
        load_signing_material(one.cert_chain_pem, other.private_key_pem)
    assert isinstance(caught.value, ValueError)
    assert "PRIVATE KEY" not in str(caught.value) and caught.value.__cause__ is None


@pytest.mark.parametrize(
    ("key", "algorithm"),
    [
        (ec.generate_private_key(ec.SECP384R1()), "es384"),
        (rsa.generate_private_key(public_exponent=65537, key_size=2048), "ps256"),
        (ed25519.Ed25519PrivateKey.generate(), "ed25519"),
    ],
    ids=["p384", "rsa", "ed25519"],
)
def test_operator_algorithm(tmp_path: Path, key: CertificateIssuerPrivateKeyTypes, algorithm: str) -> None:
    material = load_signing_material(_self_signed(tmp_path, key), _write_key(tmp_path, key))
    assert material.algorithm == algorithm


def test_unreadable_key_message_hides_contents(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    chain = _self_signed(tmp_path, key)
    bad = tmp_path / "bad.pem"
    bad.write_text("-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END PRIVATE KEY-----\n")
    with pytest.raises(SigningMaterialError) as caught:
        load_signing_material(chain, bad)
    assert "c2VjcmV0" not in str(caught.value) and caught.value.__cause__ is None
    encrypted = tmp_path / "encrypted.pem"
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pass"),
        )
    )
    with pytest.raises(SigningMaterialError, match="encrypted"):
        load_signing_material(chain, encrypted)
    with pytest.raises(SigningMaterialError, match="cannot read"):
        load_signing_material(chain, tmp_path / "absent.pem")


def test_chain_out_of_order_is_rejected(tmp_path: Path) -> None:
    dev = ensure_dev_signing_material(tmp_path)
    leaf, ca = (c.public_bytes(serialization.Encoding.PEM) for c in _certs(dev.cert_chain_pem))
    swapped = tmp_path / "swapped.pem"
    swapped.write_bytes(ca + leaf)
    with pytest.raises(SigningMaterialError):
        load_signing_material(swapped, dev.private_key_pem)


def test_expired_operator_certificate_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    chain, key_path = _self_signed(tmp_path, key, days=1), _write_key(tmp_path, key)
    monkeypatch.setattr(keys, "_utcnow", lambda: datetime.now(UTC) + timedelta(days=2))
    with pytest.raises(SigningMaterialError, match="valid only"):
        load_signing_material(chain, key_path)


def _ensure_in_process(data_dir: str, barrier: Any, results: Any) -> None:
    barrier.wait()
    material = ensure_dev_signing_material(Path(data_dir))
    results.put((material.created, material.subject))


def test_concurrent_processes_agree_on_one_pair(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(4), context.Queue()
    args = (str(tmp_path), barrier, results)
    workers = [context.Process(target=_ensure_in_process, args=args) for _ in range(4)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=30) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    assert sum(created for created, _ in outcomes) == 1
    assert len({subject for _, subject in outcomes}) == 1
    material = ensure_dev_signing_material(tmp_path)
    assert not material.created
    reloaded = load_signing_material(material.cert_chain_pem, material.private_key_pem)
    assert reloaded.subject == material.subject
