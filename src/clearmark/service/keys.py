"""C2PA signing material: the operator's chain and key, or a generated development CA and signer."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from clearmark.service.files import write_atomically

logger = logging.getLogger(__name__)

DEV_CA_NAME = "ClearMark DEVELOPMENT CA — untrusted"
DEV_SIGNER_NAME = "ClearMark DEVELOPMENT signer — untrusted"
DEV_SUBDIR = Path("keys") / "dev"
CHAIN_FILE = "signer-chain.pem"
KEY_FILE = "signer-key.pem"
CA_FILE = "ca-cert.pem"
LOCK_FILE = ".lock"
SIGNER_VALIDITY = timedelta(days=365)
CA_VALIDITY = timedelta(days=2 * 365)
_BACKDATE = timedelta(minutes=5)  # tolerate small clock skew between this host and verifiers
_EC_ALGORITHMS = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}


class SigningMaterialError(ValueError):
    """Signing material cannot be used: unreadable, mismatched, badly ordered or expired.

    Messages name files and certificate subjects, never key contents.
    """


@dataclass(frozen=True)
class SigningMaterial:
    """Where a usable signing chain and key are, and what they are; never the key bytes themselves.

    ``ca_cert_pem`` is the development CA (a trust anchor for tests and local verification); None
    for operator-supplied material, whose anchors are configured separately. ``algorithm`` is the
    C2PA signing algorithm name for the key (``es256`` for the development signer).
    """

    cert_chain_pem: Path
    private_key_pem: Path
    ca_cert_pem: Path | None
    created: bool
    subject: str
    not_after: datetime
    algorithm: str = "es256"


def ensure_dev_signing_material(data_dir: Path) -> SigningMaterial:
    """The development signing material under ``data_dir/keys/dev/``, created on first use.

    A missing, unreadable or expired set is (re)generated as a whole under an exclusive lock, so
    processes starting together never see a key of one generation beside a certificate of another.
    Creation is logged once at WARNING, with the directory but never the keys.

    Returns:
        The material; ``created`` says whether this call generated it.
    """
    directory = data_dir / DEV_SUBDIR
    _make_private_dir(directory)
    chain, key, ca = directory / CHAIN_FILE, directory / KEY_FILE, directory / CA_FILE
    with _exclusive_lock(directory / LOCK_FILE):
        reason = "none found"
        if chain.exists() and key.exists() and ca.exists():
            try:
                material = _read_material(chain, key, ca, created=False)
            except SigningMaterialError as exc:
                reason = f"the existing set was unusable ({exc})"
            else:
                if material.not_after > _utcnow():
                    return material
                reason = f"the signer certificate expired at {material.not_after.isoformat()}"
        material = _generate(chain, key, ca)
    logger.warning(
        "Created DEVELOPMENT C2PA signing material in %s because %s: CA %r and signer %r are "
        "self-issued and untrusted, for development only; configure an operator certificate chain "
        "and key for production. The signer certificate expires at %s.",
        directory,
        reason,
        DEV_CA_NAME,
        DEV_SIGNER_NAME,
        material.not_after.isoformat(),
    )
    return material


def load_signing_material(cert_chain: Path, private_key: Path) -> SigningMaterial:
    """Check operator-supplied signing material and describe it.

    Args:
        cert_chain: PEM certificates, the signer (leaf) first, each followed by its issuer.
        private_key: the signer's unencrypted PEM private key (PKCS#8 or traditional).

    Raises:
        SigningMaterialError: a file is unreadable, the key does not match the leaf certificate,
            the chain is out of order, the key type cannot sign C2PA, or the leaf is not currently
            valid.
    """
    material = _read_material(cert_chain, private_key, None, created=False)
    now = _utcnow()
    leaf = _load_certificates(cert_chain)[0]
    if not leaf.not_valid_before_utc <= now < material.not_after:
        raise SigningMaterialError(
            f"the signer certificate in {cert_chain} is valid only from "
            f"{leaf.not_valid_before_utc.isoformat()} to {material.not_after.isoformat()}"
        )
    return material


def _utcnow() -> datetime:
    """The current time; a seam for tests."""
    return datetime.now(UTC)


def _read_material(chain: Path, key: Path, ca: Path | None, *, created: bool) -> SigningMaterial:
    """Load, cross-check and describe a chain and key (and the CA, when given); expiry is not checked."""
    certificates = _load_certificates(chain)
    leaf = certificates[0]
    private_key = _load_private_key(key)
    if _spki(private_key.public_key()) != _spki(leaf.public_key()):
        raise SigningMaterialError(
            f"the private key in {key} does not match the signer certificate in {chain} "
            f"({leaf.subject.rfc4514_string()})"
        )
    issuers = certificates[1:]
    if ca is not None:
        issuers = [*issuers, *_load_certificates(ca)[:1]]
    for child, issuer in zip(certificates, issuers, strict=False):
        try:
            child.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            raise SigningMaterialError(
                f"{child.subject.rfc4514_string()} in {chain} is not issued by the certificate after "
                f"it ({issuer.subject.rfc4514_string()}); order the chain signer first, then each issuer"
            ) from None
    return SigningMaterial(
        cert_chain_pem=chain,
        private_key_pem=key,
        ca_cert_pem=ca,
        created=created,
        subject=leaf.subject.rfc4514_string(),
        not_after=leaf.not_valid_after_utc,
        algorithm=_algorithm_of(private_key, key),
    )


def _load_certificates(path: Path) -> list[x509.Certificate]:
    try:
        certificates = x509.load_pem_x509_certificates(path.read_bytes())
    except (OSError, ValueError) as exc:
        reason = type(exc).__name__
        raise SigningMaterialError(f"cannot read PEM certificates from {path}: {reason}") from None
    if not certificates:
        raise SigningMaterialError(f"no certificate in {path}")
    return certificates


def _load_private_key(path: Path) -> PrivateKeyTypes:
    try:
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise SigningMaterialError(f"cannot read the private key file {path}: {exc.strerror}") from None
    except TypeError:
        raise SigningMaterialError(f"the private key in {path} is encrypted; supply it unencrypted") from None
    except (ValueError, UnsupportedAlgorithm):
        # Never chain the parser's exception: keep key contents out of every message and traceback.
        raise SigningMaterialError(f"{path} does not hold a readable PEM private key") from None


def _algorithm_of(private_key: PrivateKeyTypes, path: Path) -> str:
    if isinstance(private_key, ec.EllipticCurvePrivateKey) and private_key.curve.name in _EC_ALGORITHMS:
        return _EC_ALGORITHMS[private_key.curve.name]
    if isinstance(private_key, rsa.RSAPrivateKey):
        return "ps256"
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    raise SigningMaterialError(
        f"the key type in {path} cannot sign C2PA manifests (use EC P-256/384/521, RSA or Ed25519)"
    )


def _spki(public_key: object) -> bytes:
    return public_key.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _generate(chain: Path, key: Path, ca: Path) -> SigningMaterial:
    """Issue a fresh development CA and signer and write them; the CA key is discarded."""
    now = _utcnow()
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(DEV_CA_NAME)
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(DEV_SIGNER_NAME))
        .issuer_name(ca_name)
        .public_key(signer_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + SIGNER_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(signer_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    write_atomically(
        key,
        signer_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        mode=0o600,
    )
    write_atomically(ca, ca_cert.public_bytes(pem), mode=0o644)
    write_atomically(chain, signer_cert.public_bytes(pem) + ca_cert.public_bytes(pem), mode=0o644)
    return SigningMaterial(
        cert_chain_pem=chain,
        private_key_pem=key,
        ca_cert_pem=ca,
        created=True,
        subject=signer_cert.subject.rfc4514_string(),
        not_after=signer_cert.not_valid_after_utc,
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ClearMark development (untrusted)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(
    *, digital_signature: bool = False, key_cert_sign: bool = False, crl_sign: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _make_private_dir(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    for part in (directory.parent, directory):  # keys/ and keys/dev/, whatever the umask made them
        os.chmod(part, 0o700)


@contextlib.contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an advisory exclusive lock on ``path``; the kernel releases it if the process dies."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor drops the lock


WATERMARK_KEY_BYTES = 32


def ensure_watermark_key(data_dir: Path, configured: Path | None = None) -> bytes:
    """The deployment's watermark secret: the configured file, else one created on first start.

    The created key lives in ``data_dir/keys/watermark.key`` (0600). Losing it makes every mark
    this deployment embedded unreadable; sharing it lets others read and write its marks.
    """
    path = configured or data_dir / "keys" / "watermark.key"
    if configured is None and not path.exists():
        _make_private_dir(path.parent)
        with _exclusive_lock(path.parent / ".watermark.lock"):
            if not path.exists():
                write_atomically(path, os.urandom(WATERMARK_KEY_BYTES), mode=0o600)
                logger.warning("created a watermark key in %s; back it up: marks cannot be read without it", path)
    key = path.read_bytes()
    if len(key) < 16:
        raise SigningMaterialError(f"the watermark key in {path} is shorter than 16 bytes")
    return key
