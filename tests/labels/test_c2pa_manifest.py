"""C2PA signing: round trips through c2pa-python's own Reader, parent ingredients, options and failures."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import c2pa
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from tests.conftest import PLATFORM, PRODUCER, encode, make_image

from clearmark.core.aigc import AigcLabel
from clearmark.core.errors import InvalidRequest, UnsupportedFormat
from clearmark.labels.c2pa_manifest import (
    ACTION_CREATED,
    ACTION_EDITED_METADATA,
    ACTION_PUBLISHED,
    GB45438_ASSERTION_LABEL,
    C2paSigning,
    ManifestSigningFailed,
    SignedManifest,
    sign_manifest,
    source_type_uri,
)
from clearmark.labels.implicit_image import write_implicit_label
from clearmark.media.asset import open_asset
from clearmark.media.c2pa_settings import C2paTrust
from clearmark.media.c2pa_store import read_manifest_report
from clearmark.media.limits import DEFAULT_LIMITS
from clearmark.media.source import Source

TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
LABEL = AigcLabel("1", PRODUCER, "CM-0001", "", PRODUCER, "CM-0001", "")
FORMATS = {"image/jpeg": ("JPEG", {"quality": 90}), "image/png": ("PNG", {}), "image/webp": ("WEBP", {"quality": 85})}


def issue_chain(directory: Path, key_type: str = "ec", eku: str | None = None) -> tuple[Path, Path, Path]:
    """A fresh test CA and a signer under it: (chain, key, CA) PEM paths.

    The signer's EKU is emailProtection unless ``eku`` names another OID.
    """
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"ClearMark test CA {key_type}")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        _certificate(ca_name, ca_name, ca_key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    keys = {"ec": lambda: ec.generate_private_key(ec.SECP256R1()), "rsa": lambda: rsa.generate_private_key(65537, 2048)}
    key = keys.get(key_type, ed25519.Ed25519PrivateKey.generate)()
    usage = ObjectIdentifier(eku) if eku else ExtendedKeyUsageOID.EMAIL_PROTECTION
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"ClearMark test signer {key_type}")])
    leaf = (
        _certificate(subject, ca_name, key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    directory.mkdir(parents=True, exist_ok=True)
    paths = directory / "chain.pem", directory / "key.pem", directory / "ca.pem"
    paths[0].write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    paths[1].write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    paths[2].write_bytes(ca.public_bytes(pem))
    return paths


def _certificate(subject: x509.Name, issuer: x509.Name, public_key: object, now: datetime) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
    )


def _key_usage(**flags: bool) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement")
    names += ("key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{name: flags.get(name, False) for name in names})


def stamp(data: bytes, mime: str, signing: C2paSigning, **overrides: object) -> SignedManifest:
    """Sign like Stamp does: c2pa.created, trainedAlgorithmicMedia, the GB mirror."""
    options: dict[str, object] = {
        "action": ACTION_CREATED,
        "digital_source_type": "trainedAlgorithmicMedia",
        "software_agent": "wanxiang-2.1",
        "claim_generator": "ClearMark/0.1.0",
        "aigc_label": LABEL,
        "title": "generated",
    }
    options.update(overrides)
    return sign_manifest(data, mime, signing, **options)  # type: ignore[arg-type]


def c2pa_reader(data: bytes, mime: str, anchors_pem: str | None) -> c2pa.Reader:
    """c2pa-python's own Reader, configured by hand (not through ClearMark's settings builder)."""
    settings: dict[str, object] = {"verify": {"remote_manifest_fetch": False}}
    if anchors_pem:
        settings["trust"] = {"user_anchors": anchors_pem}
    return c2pa.Reader(mime, io.BytesIO(data), None, c2pa.Context.from_dict(settings))


def active(reader: c2pa.Reader) -> dict:
    store = json.loads(reader.json())
    return store["manifests"][store["active_manifest"]]


def assertion(manifest: dict, prefix: str) -> dict:
    return next(a["data"] for a in manifest["assertions"] if a["label"].startswith(prefix))


@pytest.fixture(scope="module")
def anchors(dev) -> str:
    return dev.ca_cert_pem.read_text()


@pytest.fixture(scope="module")
def sources() -> dict[str, bytes]:
    image = make_image(160, 120)
    return {mime: encode(image, fmt, **params) for mime, (fmt, params) in FORMATS.items()}


@pytest.mark.parametrize("mime", sorted(FORMATS))
def test_stamp_round_trip_is_trusted_by_c2pa_itself(mime, sources, signing, anchors):
    signed = stamp(sources[mime], mime, signing)
    assert signed.size_added == len(signed.content) - len(sources[mime]) > 0
    assert signed.manifest_label.startswith("urn:c2pa:")

    reader = c2pa_reader(signed.content, mime, anchors)
    assert reader.get_validation_state() == "Trusted"
    manifest = active(reader)
    assert manifest["label"] == signed.manifest_label
    assert manifest["claim_generator_info"][0]["name"] == "ClearMark"
    assert manifest["claim_generator_info"][0]["version"] == "0.1.0"
    assert "thumbnail" not in manifest  # c2pa makes one by default; ClearMark turns it off
    actions = assertion(manifest, "c2pa.actions")["actions"]
    assert [a["action"] for a in actions] == [ACTION_CREATED]
    assert actions[0]["digitalSourceType"] == TRAINED
    assert actions[0]["softwareAgent"] == {"name": "wanxiang-2.1"}
    mirror = assertion(manifest, GB45438_ASSERTION_LABEL)
    assert mirror["standard"] == "GB 45438-2025"
    assert mirror["AIGC"] == LABEL.as_ordered_dict()
    assert [a["label"] for a in manifest["assertions"]] == ["c2pa.actions.v2", GB45438_ASSERTION_LABEL]

    report = read_manifest_report(signed.content, mime, C2paTrust(anchors_pem=anchors))
    assert report is not None
    assert report.validation_state == reader.get_validation_state() == "Trusted"
    assert report.active_manifest_label == signed.manifest_label
    assert report.gb45438_assertion == LABEL
    assert report.digital_source_types == (TRAINED,)
    assert report.software_agents == ("wanxiang-2.1",)


def test_c2pa_without_anchors_reports_valid_untrusted(sources, signing):
    signed = stamp(sources["image/jpeg"], "image/jpeg", signing)
    reader = c2pa_reader(signed.content, "image/jpeg", None)
    assert reader.get_validation_state() == "Valid"
    assert [s["code"] for s in json.loads(reader.json())["validation_status"]] == ["signingCredential.untrusted"]


def test_thumbnail_only_when_configured(sources, signing, anchors):
    data = sources["image/jpeg"]
    plain = stamp(data, "image/jpeg", signing)
    with_thumbnail = stamp(
        data, "image/jpeg", C2paSigning(signing.cert_chain_pem, signing.private_key_pem, thumbnails=True)
    )
    assert "thumbnail" in active(c2pa_reader(with_thumbnail.content, "image/jpeg", anchors))
    assert with_thumbnail.size_added > plain.size_added


def test_gb45438_xmp_first_then_sign_keeps_both(sources, signing, anchors):
    asset = open_asset(sources["image/jpeg"], DEFAULT_LIMITS)
    labelled = write_implicit_label(asset, LABEL)
    signed = stamp(labelled, "image/jpeg", signing)
    again = open_asset(signed.content, DEFAULT_LIMITS)
    assert [c.parsed.label for c in again.metadata.label_carriers if c.parsed] == [LABEL]
    assert c2pa_reader(signed.content, "image/jpeg", anchors).get_validation_state() == "Trusted"
    # The other order breaks the hard binding: an XMP write after signing is a data-hash mismatch.
    relabelled = write_implicit_label(
        again, LABEL.with_propagator(PLATFORM, "CMP-1"), target=again.metadata.label_carriers[0]
    )
    report = read_manifest_report(relabelled, "image/jpeg", C2paTrust(anchors_pem=anchors))
    assert report is not None and report.validation_state == "Invalid"
    assert "assertion.dataHash.mismatch" in report.failure_codes


def test_parent_ingredient_keeps_the_producers_manifest(sources, signing, anchors):
    first = stamp(sources["image/png"], "image/png", signing)
    relabelled = LABEL.with_propagator(PLATFORM, "CMP-0001")
    second = sign_manifest(
        first.content,
        "image/png",
        signing,
        action=ACTION_PUBLISHED,
        digital_source_type=TRAINED,
        software_agent="platform-upload",
        claim_generator="ClearMark/0.1.0",
        aigc_label=relabelled,
        parent=True,
        title="upload.png",
        extra_actions=(ACTION_EDITED_METADATA,),
    )
    reader = c2pa_reader(second.content, "image/png", anchors)
    assert reader.get_validation_state() == "Trusted"
    manifest = active(reader)
    actions = assertion(manifest, "c2pa.actions")["actions"]
    assert [a["action"] for a in actions] == ["c2pa.opened", ACTION_PUBLISHED, ACTION_EDITED_METADATA]
    assert actions[0]["parameters"]["ingredients"][0]["url"].endswith("c2pa.ingredient.v3")
    (ingredient,) = manifest["ingredients"]
    assert ingredient["relationship"] == "parentOf"
    assert ingredient["title"] == "upload.png"
    assert ingredient["active_manifest"] == first.manifest_label
    assert reader.get_manifest(first.manifest_label)["label"] == first.manifest_label
    assert assertion(manifest, GB45438_ASSERTION_LABEL)["AIGC"]["ContentPropagator"] == PLATFORM


def test_no_embed_returns_an_unchanged_asset_and_a_sidecar(sources, signing, anchors):
    data = sources["image/webp"]
    signed = stamp(data, "image/webp", signing, embed=False)
    assert signed.content == data and signed.size_added == 0
    reader = c2pa.Reader(
        "image/webp",
        io.BytesIO(data),
        signed.manifest_store,
        c2pa.Context.from_dict({"trust": {"user_anchors": anchors}}),
    )
    assert reader.get_validation_state() == "Trusted"
    assert json.loads(reader.json())["active_manifest"] == signed.manifest_label


@pytest.mark.parametrize(("key_type", "algorithm"), [("rsa", "ps256"), ("ed25519", "ed25519")])
def test_other_algorithms(tmp_path, sources, key_type, algorithm):
    chain, key, ca = issue_chain(tmp_path, key_type)
    signed = stamp(sources["image/jpeg"], "image/jpeg", C2paSigning(chain, key, algorithm))
    report = read_manifest_report(signed.content, "image/jpeg", C2paTrust(anchors_pem=ca.read_text()))
    assert report is not None
    assert (report.validation_state, report.signature_algorithm) == ("Trusted", algorithm)


def test_source_type_uri():
    assert source_type_uri("trainedAlgorithmicMedia") == TRAINED
    assert source_type_uri(TRAINED) == TRAINED
    assert source_type_uri("") == ""


@pytest.mark.parametrize(("action", "parent"), [(ACTION_PUBLISHED, False), (ACTION_CREATED, True)])
def test_action_shapes_c2pa_would_reject(sources, signing, action, parent):
    with pytest.raises(InvalidRequest, match="c2pa"):
        stamp(sources["image/jpeg"], "image/jpeg", signing, action=action, parent=parent)


def test_unsupported_type(signing):
    with pytest.raises(UnsupportedFormat, match="image/bmp"):
        stamp(b"BM" + bytes(64), "image/bmp", signing)


def test_bad_configuration_is_refused_early(signing):
    with pytest.raises(ValueError, match="algorithm"):
        C2paSigning(signing.cert_chain_pem, signing.private_key_pem, "rs256")
    with pytest.raises(ValueError, match="host"):
        C2paSigning(signing.cert_chain_pem, signing.private_key_pem, tsa_url="not a url")


def test_missing_material_names_the_file(tmp_path, sources, signing):
    missing = C2paSigning(signing.cert_chain_pem, tmp_path / "absent-key.pem")
    with pytest.raises(ManifestSigningFailed, match="absent-key.pem") as caught:
        stamp(sources["image/jpeg"], "image/jpeg", missing)
    assert caught.value.reason == "C2PA_SIGNING_FAILED"


def test_mismatched_key_fails_without_leaking_it(tmp_path, sources, signing):
    _, other_key, _ = issue_chain(tmp_path)
    mismatched = C2paSigning(signing.cert_chain_pem, other_key)
    with pytest.raises(ManifestSigningFailed) as caught:
        stamp(sources["image/jpeg"], "image/jpeg", mismatched)
    message = str(caught.value)
    assert message.startswith("c2pa could not sign")
    assert "PRIVATE KEY" not in message and "CERTIFICATE" not in message
    key_body = "".join(other_key.read_text().splitlines()[1:-1])
    assert not any(key_body[i : i + 16] in message for i in range(0, len(key_body) - 16, 8))
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_file_to_file_signing_with_the_parent_read_from_its_file(tmp_path, sources, signing, anchors):
    """Content in files is signed from a file into a file (the parent ingredient read from its file too)."""
    upload = tmp_path / "upload.png"
    upload.write_bytes(stamp(sources["image/png"], "image/png", signing).content)
    output = tmp_path / "signed.png"
    signed = sign_manifest(
        Source(path=upload),
        "image/png",
        signing,
        action=ACTION_PUBLISHED,
        digital_source_type=TRAINED,
        software_agent="platform-upload",
        claim_generator="ClearMark/0.1.0",
        aigc_label=LABEL.with_propagator(PLATFORM, "CMP-0002"),
        parent=True,
        parent_content=Source(path=upload),
        extra_actions=(ACTION_EDITED_METADATA,),
        output=output,
    )
    assert signed.content == Source(path=output)
    assert signed.size_added == output.stat().st_size - upload.stat().st_size > 0
    reader = c2pa_reader(output.read_bytes(), "image/png", anchors)
    assert reader.get_validation_state() == "Trusted"
    manifest = active(reader)
    assert manifest["label"] == signed.manifest_label
    (ingredient,) = manifest["ingredients"]
    assert ingredient["relationship"] == "parentOf"


def test_bytes_in_bytes_out_without_an_output_file(tmp_path, sources, signing):
    """Small content stays in memory: no output file, bytes back (no disk round trip for a JPEG)."""
    signed = stamp(sources["image/jpeg"], "image/jpeg", signing)
    assert isinstance(signed.content, bytes)
