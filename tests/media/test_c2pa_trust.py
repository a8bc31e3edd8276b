"""Trust anchors: the bundled public C2PA trust list, and an operator's file re-read when it changes."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography import x509

from clearmark.labels.c2pa_manifest import C2paSigning
from clearmark.media.c2pa_settings import C2paTrust, TrustSource, public_trust_list_pem
from clearmark.media.c2pa_store import TRUSTED, VALID, read_manifest_report
from tests.conftest import encode, make_image
from tests.labels.test_c2pa_manifest import issue_chain, stamp

FIXTURES = Path(__file__).parents[1] / "fixtures"


def test_the_bundled_trust_list_is_pem_certificates_only() -> None:
    pem = public_trust_list_pem()
    certificates = x509.load_pem_x509_certificates(pem.encode())
    assert len(certificates) >= 20
    assert "Subject" not in pem  # the snapshot's annotation lines are dropped
    assert any("Google" in c.subject.rfc4514_string() for c in certificates)


def test_c2pa_accepts_the_public_list_and_test_certificates_stay_untrusted() -> None:
    trust = C2paTrust.from_files(public_list=True)
    report = read_manifest_report((FIXTURES / "c2pa" / "C.jpg").read_bytes(), "image/jpeg", trust)
    assert report is not None and report.validation_state == VALID


def test_an_operators_anchor_file_is_read_again_when_it_changes(tmp_path: Path) -> None:
    chain, key, ca = issue_chain(tmp_path)
    signed = stamp(encode(make_image(320, 240), "JPEG"), "image/jpeg", C2paSigning(chain, key, "es256")).content
    anchors = tmp_path / "anchors.pem"
    other_chain, _, other_ca = issue_chain(tmp_path / "other")
    anchors.write_bytes(other_ca.read_bytes())
    source = TrustSource(anchors, public_list=True)
    assert read_manifest_report(signed, "image/jpeg", source.current()).validation_state == VALID
    anchors.write_bytes(ca.read_bytes())
    os.utime(anchors, (anchors.stat().st_atime, anchors.stat().st_mtime + 5))
    assert read_manifest_report(signed, "image/jpeg", source.current()).validation_state == TRUSTED
    anchors.write_text("not a certificate")  # a broken replacement keeps the anchors in force
    os.utime(anchors, (anchors.stat().st_atime, anchors.stat().st_mtime + 10))
    assert read_manifest_report(signed, "image/jpeg", source.current()).validation_state == TRUSTED
