"""Signing and validating PDFs with pyHanko (a test-only, independent implementation), self-signed."""

from __future__ import annotations

import datetime
import io
import tempfile
from pathlib import Path
from types import ModuleType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_DIR = Path(tempfile.mkdtemp(prefix="clearmark-sig-"))


def _credentials() -> tuple[Path, Path]:
    key_path, cert_path = _DIR / "key.pem", _DIR / "cert.pem"
    if not cert_path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ClearMark test signer")])
        start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(1)
            .not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def sign_pdf(data: bytes, signers: ModuleType, *, certify: bool) -> bytes:
    """``data`` signed (certified with DocMDP P=2 when ``certify``) in an incremental update."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    key_path, cert_path = _credentials()
    signer = signers.SimpleSigner.load(str(key_path), str(cert_path))
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = signers.PdfSignatureMetadata(field_name="Sig1", certify=certify)
    return signers.sign_pdf(writer, meta, signer=signer).getvalue()


def validate(data: bytes):  # type: ignore[no-untyped-def]
    """pyHanko's status of the first signature, trusting the test signer."""
    import logging

    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)  # it logs a traceback for "OTHER" modifications
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(_credentials()[1]))])
    return validate_pdf_signature(PdfFileReader(io.BytesIO(data)).embedded_signatures[0], context)
