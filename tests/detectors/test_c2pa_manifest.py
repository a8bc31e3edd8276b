"""C2PA reading: trust profiles, third-party fixtures, tampering, ingredients, sidecars and the detector's signals."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import c2pa
import pytest
from PIL import Image

from clearmark.core.enums import Category
from clearmark.detectors.c2pa_manifest import C2paManifestDetector
from clearmark.detectors.registry import DetectorContext, build_detectors
from clearmark.labels.c2pa_manifest import ACTION_PUBLISHED, C2paSigning, ManifestSigningFailed, sign_manifest
from clearmark.media.asset import open_asset
from clearmark.media.c2pa_settings import SETTINGS_PATHS, C2paTrust, c2pa_settings, settings_paths
from clearmark.media.c2pa_store import (
    ERROR_PREFIX,
    REMOTE_NOT_FETCHED,
    C2paReport,
    read_manifest_report,
    read_sidecar_report,
)
from clearmark.media.formats.jpeg import parse_segments
from clearmark.media.limits import DEFAULT_LIMITS
from clearmark.service.keys import ensure_dev_signing_material
from tests.conftest import encode, make_image
from tests.labels.test_c2pa_manifest import LABEL, TRAINED, issue_chain, stamp

FIXTURES = Path(__file__).parents[1] / "fixtures" / "c2pa"
APP11 = 0xEB
CUSTOM_EKU = "1.3.6.1.4.1.99999.45438.1"


def c2pa_state(data: bytes, trust: C2paTrust) -> str | None:
    """What c2pa-python's own Reader concludes with the same settings (None: no manifest)."""
    reader = c2pa.Reader.try_create("image/jpeg", io.BytesIO(data), None, c2pa.Context.from_dict(c2pa_settings(trust)))
    return None if reader is None else reader.get_validation_state()


def report_of(data: bytes, trust: C2paTrust, mime: str = "image/jpeg") -> C2paReport:
    report = read_manifest_report(data, mime, trust)
    assert report is not None
    return report


def without_app11(data: bytes) -> bytes:
    segments = [s for s in parse_segments(data) if s.marker == APP11]
    out, last = bytearray(), 0
    for segment in segments:
        out += data[last : segment.offset]
        last = segment.offset + segment.length
    return bytes(out + data[last:])


def flipped(data: bytes, needle: bytes, delta: int = 0, mask: int = 0x01) -> bytes:
    """``data`` with one bit changed ``delta`` bytes into the first ``needle``."""
    at = data.index(needle) + delta
    return data[:at] + bytes([data[at] ^ mask]) + data[at + 1 :]


@pytest.fixture(scope="module")
def jpeg() -> bytes:
    return encode(make_image(160, 120), "JPEG", quality=90)


@pytest.fixture(scope="module")
def stamped(jpeg, signing) -> bytes:
    return stamp(jpeg, "image/jpeg", signing).content


@pytest.fixture(scope="module")
def republished(stamped, signing):
    """The stamped JPEG signed again by a platform, with the producer's file as parent ingredient."""
    return sign_manifest(
        stamped,
        "image/jpeg",
        signing,
        action=ACTION_PUBLISHED,
        digital_source_type=TRAINED,
        software_agent="platform-upload",
        claim_generator="ClearMark/0.1.0",
        aigc_label=LABEL,
        parent=True,
        title="upload.jpg",
    )


# --- trust profiles: a misspelled settings key would silently leave these at "Valid" -------------


def test_trust_profiles(stamped, trust, tmp_path):
    _, _, other_ca = issue_chain(tmp_path)
    profiles = {
        "no anchors": (C2paTrust(), "Valid"),
        "dev CA": (trust, "Trusted"),
        "another CA": (C2paTrust.from_files(other_ca), "Valid"),
    }
    for name, (profile, expected) in profiles.items():
        report = report_of(stamped, profile)
        assert (name, report.validation_state) == (name, expected)
        assert report.validation_state == c2pa_state(stamped, profile)
    assert report_of(stamped, C2paTrust()).failure_codes == ("signingCredential.untrusted",)
    assert report_of(stamped, trust).failure_codes == ()


def test_allowed_ekus_reach_c2pa(tmp_path, jpeg):
    chain, key, ca = issue_chain(tmp_path, eku=CUSTOM_EKU)
    with pytest.raises(ManifestSigningFailed, match="certificate"):  # c2pa checks the signer's EKU when signing too
        stamp(jpeg, "image/jpeg", C2paSigning(chain, key))
    signed = stamp(jpeg, "image/jpeg", C2paSigning(chain, key), trust=C2paTrust(allowed_ekus=(CUSTOM_EKU,))).content
    without = report_of(signed, C2paTrust.from_files(ca))
    assert without.validation_state == "Invalid"
    assert "signingCredential.invalid" in without.failure_codes
    assert report_of(signed, C2paTrust.from_files(ca, allowed_ekus=(CUSTOM_EKU,))).validation_state == "Trusted"


def test_settings_use_only_known_keys(trust):
    variants = [c2pa_settings(), c2pa_settings(trust, thumbnails=True, network_hosts=("tsa.example",))]
    variants.append(c2pa_settings(C2paTrust(anchors_pem=trust.anchors_pem, allowed_ekus=("1.2.3",), fetch_remote=True)))
    for settings in variants:
        assert settings_paths(settings) <= SETTINGS_PATHS
    assert settings_paths(variants[1]) == SETTINGS_PATHS - {"trust.trust_config"}


def test_bad_trust_configuration_is_refused(tmp_path):
    with pytest.raises(ValueError, match="OID"):
        C2paTrust(allowed_ekus=("documentSigning",))
    (tmp_path / "empty.pem").write_text("not a certificate")
    with pytest.raises(ValueError, match="no PEM certificate"):
        C2paTrust.from_files(tmp_path / "empty.pem")
    with pytest.raises(ValueError, match="cannot read"):
        build_detectors(DetectorContext(c2pa_trust_anchors_pem=tmp_path / "absent.pem"), ["c2pa.manifest"])


# --- remote manifests: reported, never fetched ------------------------------------------------------


def test_remote_manifest_is_reported_not_fetched():
    data = (FIXTURES / "cloud.jpg").read_bytes()
    report = report_of(data, C2paTrust())
    assert report.validation_state == "Unverified"
    assert report.failure_codes == (REMOTE_NOT_FETCHED,)
    assert report.remote_url.startswith("https://cai-manifests.adobe.com/manifests/adobe-urn-uuid-5f37e182")
    assert not report.embedded
    # c2pa itself, with the same settings, refuses to fetch rather than going to the network ...
    with pytest.raises(c2pa.C2paError, match="must fetch remote manifests"):
        c2pa_state(data, C2paTrust())
    # ... and core.allowed_network_hosts = [] blocks the request even when fetching is switched on.
    settings = {"verify": {"remote_manifest_fetch": True}, "core": {"allowed_network_hosts": []}}
    with pytest.raises(c2pa.C2paError, match="not permitted by the allowed list"):
        c2pa.Reader("image/jpeg", io.BytesIO(data), None, c2pa.Context.from_dict(settings))


# --- third-party fixtures ---------------------------------------------------------------------------


def test_fixture_with_a_manifest_matches_c2pa():
    data = (FIXTURES / "C.jpg").read_bytes()
    report = report_of(data, C2paTrust())
    assert report.validation_state == c2pa_state(data, C2paTrust()) == "Valid"
    assert report.active_manifest_label == "contentauth:urn:uuid:c85a2b90-f1a0-4aa4-b17f-f938b475804e"
    assert report.claim_generator == "make_test_images/0.26.0 c2pa-rs/0.26.0"
    assert report.actions == ("c2pa.created",)
    assert report.digital_source_types == ("http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia",)
    assert report.software_agents == ("Make Test Images 0.26.0",)
    assert report.signer_subject.startswith("CN=C2PA Signer,OU=FOR TESTING_ONLY")
    assert report.signer_issuer.startswith("CN=Intermediate CA")
    assert (report.not_before, report.not_after) == ("2022-06-10T18:46:28+00:00", "2030-08-26T18:46:28+00:00")
    assert report.has_timestamp and report.timestamp == "2023-09-29T17:40:14+00:00"
    assert report.signature_algorithm == "ps256"
    assert report.gb45438_assertion is None and report.ingredients == ()


def test_fixture_without_a_manifest():
    data = (FIXTURES / "A.jpg").read_bytes()
    assert read_manifest_report(data, "image/jpeg") is None
    assert c2pa_state(data, C2paTrust()) is None


@pytest.mark.parametrize("cut", [60, 25_000, 51_000, 80_000, 137_000])
def test_truncated_fixture_never_crashes(cut):
    data = (FIXTURES / "C.jpg").read_bytes()[:cut]
    report = report_of(data, C2paTrust())
    assert report.validation_state == "Invalid"
    if cut < 51_272:  # inside the APP11 segments: the JPEG itself no longer parses
        assert report.failure_codes[0].startswith(ERROR_PREFIX + "Other: asset could not be parsed")
    else:  # the manifest survives, the image data it hashes does not
        assert "assertion.dataHash.mismatch" in report.failure_codes


@pytest.mark.parametrize(
    ("needle", "delta", "mask", "code"),
    [
        (b"jumb", 0, 0x20, ERROR_PREFIX + "Verify: invalid JUMBF header"),
        (b"jumd", 0, 0x20, ERROR_PREFIX + "Verify: expected JUMD"),
        (b"c2cs", 0, 0x20, ERROR_PREFIX + "Verify: claim signature box was not found"),
        (b"c2pa.signature", 0, 0x20, "claimSignature.mismatch"),
        (b"Make Test", 1, 0x01, "assertion.hashedURI.mismatch"),
    ],
)
def test_flipped_jumbf_bytes(needle, delta, mask, code):
    data = flipped((FIXTURES / "C.jpg").read_bytes(), needle, delta, mask)
    report = report_of(data, C2paTrust())
    assert report.validation_state == "Invalid"
    assert code in report.failure_codes


def test_stripped_fixture_has_no_manifest():
    assert read_manifest_report(without_app11((FIXTURES / "C.jpg").read_bytes()), "image/jpeg") is None


# --- tampering with ClearMark's own manifest ---------------------------------------------------------


def test_pixel_change_after_signing(stamped, trust):
    scan = next(s for s in parse_segments(stamped) if s.marker == 0xDA)
    at = scan.offset + scan.length - 20
    tampered = stamped[:at] + bytes([stamped[at] ^ 0x01]) + stamped[at + 1 :]
    report = report_of(tampered, trust)
    assert (report.validation_state, report.failure_codes) == ("Invalid", ("assertion.dataHash.mismatch",))


def test_edited_assertion_bytes(stamped, trust):
    report = report_of(flipped(stamped, b"ContentProducer", 1), trust)
    assert (report.validation_state, report.failure_codes) == ("Invalid", ("assertion.hashedURI.mismatch",))


def test_stripped_and_reencoded_manifests_are_gone(stamped, trust):
    assert read_manifest_report(without_app11(stamped), "image/jpeg", trust) is None
    buffer = io.BytesIO()
    Image.open(io.BytesIO(stamped)).save(buffer, format="JPEG", quality=90)
    assert read_manifest_report(buffer.getvalue(), "image/jpeg", trust) is None


@pytest.mark.parametrize("mime", ["image/png", "image/webp"])
def test_other_containers_round_trip_and_strip(mime, signing, trust):
    fmt = {"image/png": "PNG", "image/webp": "WEBP"}[mime]
    signed = stamp(encode(make_image(96, 64), fmt), mime, signing).content
    assert report_of(signed, trust, mime).validation_state == "Trusted"
    buffer = io.BytesIO()
    Image.open(io.BytesIO(signed)).save(buffer, format=fmt)
    assert read_manifest_report(buffer.getvalue(), mime, trust) is None


def test_hostile_jumbf_ends_as_a_report_or_none(stamped, trust):
    manifest = next(s for s in parse_segments(stamped) if s.marker == APP11)
    rng = random.Random(45438)
    for _ in range(40):
        data = bytearray(stamped)
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(manifest.offset + 4, manifest.offset + manifest.length)
            data[at] = rng.randrange(256)
        if rng.random() < 0.25:
            data = data[: rng.randrange(manifest.offset, len(data))]
        report = read_manifest_report(bytes(data), "image/jpeg", trust)
        assert report is None or report.validation_state in {"Trusted", "Valid", "Invalid"}
    assert read_manifest_report(b"\xff\xd8\xff\xeb\x00\x10JP\x00\x00jumbjumdc2pa", "image/jpeg", trust) is not None
    assert read_manifest_report(b"not an image", "text/plain", trust) is None


# --- ingredients ---------------------------------------------------------------------------------------


def test_parent_ingredient_tree(republished, stamped, trust):
    first = report_of(stamped, trust).active_manifest_label
    report = report_of(republished.content, trust)
    assert report.validation_state == report.store_validation_state == "Trusted"
    assert report.actions == ("c2pa.opened", ACTION_PUBLISHED)
    (ingredient,) = report.ingredients
    assert (ingredient.title, ingredient.relationship, ingredient.manifest_label) == ("upload.jpg", "parentOf", first)
    assert (ingredient.validation_state, ingredient.failure_codes) == ("Trusted", ())
    assert ingredient.digital_source_types == (TRAINED,)
    # Judged without anchors, the parent is valid but untrusted, like the active manifest.
    (untrusted,) = report_of(republished.content, C2paTrust()).ingredients
    assert (untrusted.validation_state, untrusted.failure_codes) == ("Valid", ("signingCredential.untrusted",))


def test_tampered_ingredient_does_not_invalidate_the_active_manifest(republished, trust):
    # "wanxiang-2.1" is the producer's softwareAgent: it lives in the ingredient's (first) manifest only.
    report = report_of(flipped(republished.content, b"wanxiang", 1), trust)
    assert report.store_validation_state == "Invalid"  # c2pa's verdict over the whole store
    assert (report.validation_state, report.failure_codes) == ("Trusted", ())
    (ingredient,) = report.ingredients
    assert ingredient.validation_state == "Invalid"
    assert ingredient.failure_codes == ("ingredient.manifest.mismatch", "assertion.hashedURI.mismatch")


# --- sidecars ------------------------------------------------------------------------------------------


def test_sidecar(jpeg, signing, trust):
    signed = stamp(jpeg, "image/jpeg", signing, embed=False)
    report = read_sidecar_report(jpeg, "image/jpeg", signed.manifest_store, trust)
    assert report is not None
    assert (report.validation_state, report.embedded) == ("Trusted", False)
    assert report.active_manifest_label == signed.manifest_label
    other = encode(make_image(160, 120, seed=8), "JPEG", quality=90)
    mismatch = read_sidecar_report(other, "image/jpeg", signed.manifest_store, trust)
    assert mismatch is not None and mismatch.failure_codes == ("assertion.dataHash.mismatch",)
    garbage = read_sidecar_report(jpeg, "image/jpeg", b"garbage", trust)
    assert garbage is not None and garbage.validation_state == "Invalid"
    assert garbage.failure_codes[0].startswith(ERROR_PREFIX)
    assert read_sidecar_report(jpeg, "image/jpeg", b"", trust) is None


# --- the detector ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def detector(dev) -> C2paManifestDetector:
    (built,) = build_detectors(DetectorContext(c2pa_trust_anchors_pem=dev.ca_cert_pem), ["c2pa.manifest"])
    assert isinstance(built, C2paManifestDetector)
    return built


def detect(detector: C2paManifestDetector, data: bytes):
    return detector.detect(open_asset(data, DEFAULT_LIMITS))


def test_signal_for_a_trusted_ai_manifest(detector, stamped):
    (signal,) = detect(detector, stamped)
    assert (signal.kind, signal.category_hint, signal.confidence) == ("c2pa.manifest", Category.AI_GENERATED, 1.0)
    assert signal.location.carrier == "jpeg:app11-jumbf"
    assert signal.label == LABEL
    assert signal.attribute("validation_state") == "Trusted"
    assert signal.attribute("digital_source_types") == TRAINED
    assert signal.attribute("actions") == "c2pa.created"
    assert signal.attribute("has_timestamp") == "false"
    assert signal.attribute("capture") == "false"
    assert signal.attribute("manifest_label").startswith("urn:c2pa:")
    assert signal.attribute("signer_subject").startswith("CN=ClearMark DEVELOPMENT signer")
    assert signal.attribute("not_after")


def test_signal_lists_ingredients(detector, republished):
    (signal,) = detect(detector, republished.content)
    title, relationship, state, codes, label = signal.attribute("ingredients").split("|")
    assert (title, relationship, state, codes) == ("upload.jpg", "parentOf", "Trusted", "")
    assert label.startswith("urn:c2pa:")


def test_signal_for_algorithmic_media_is_suspected(detector):
    (signal,) = detect(detector, (FIXTURES / "C.jpg").read_bytes())
    assert (signal.kind, signal.category_hint, signal.confidence) == ("c2pa.manifest", Category.AI_SUSPECTED, 0.8)
    assert signal.attribute("failure_codes") == "signingCredential.untrusted"


def test_signal_for_a_capture_has_no_ai_hint(detector, jpeg, signing):
    signed = stamp(jpeg, "image/jpeg", signing, digital_source_type="digitalCapture", aigc_label=None).content
    (signal,) = detect(detector, signed)
    assert (signal.kind, signal.category_hint) == ("c2pa.manifest", Category.NO_SIGNAL)
    assert signal.attribute("capture") == "true"
    assert signal.label is None


def test_signal_for_an_invalid_manifest(detector, stamped):
    # Invalid proves nothing about the signer, but the AI source type it declares is still a trace.
    (signal,) = detect(detector, flipped(stamped, b"ContentProducer", 1))
    assert (signal.kind, signal.category_hint) == ("c2pa.manifest_invalid", Category.AI_SUSPECTED)
    assert signal.attribute("failure_codes") == "assertion.hashedURI.mismatch"
    assert "assertion.hashedURI.mismatch" in signal.message


def test_signal_for_remote_and_absent_manifests(detector):
    (remote,) = detect(detector, (FIXTURES / "cloud.jpg").read_bytes())
    assert (remote.kind, remote.category_hint, remote.location.carrier) == (
        "c2pa.manifest",
        Category.NO_SIGNAL,
        "c2pa:remote",
    )
    assert remote.attribute("validation_state") == "Unverified"
    assert remote.attribute("remote_url").startswith("https://cai-manifests.adobe.com/")
    assert detect(detector, (FIXTURES / "A.jpg").read_bytes()) == []


def test_store_json_shape_is_what_the_report_reads(stamped, trust):
    """Guards the c2pa JSON keys the report depends on, so an upgrade that renames one fails here."""
    context = c2pa.Context.from_dict(c2pa_settings(trust))
    with c2pa.Reader("image/jpeg", io.BytesIO(stamped), None, context) as reader:
        store = json.loads(reader.json())
        crjson = json.loads(reader.crjson())
    assert {"active_manifest", "manifests", "validation_results", "validation_state"} <= set(store)
    assert {"success", "failure", "informational"} <= set(store["validation_results"]["activeManifest"])
    signature = next(m["signature"] for m in crjson["manifests"] if m["label"] == store["active_manifest"])
    assert {"subject", "issuer", "validity"} <= set(signature["certificateInfo"])


def test_a_manifest_naming_a_generator_is_a_trace_even_untrusted(tmp_path: Path) -> None:
    from clearmark.detectors.c2pa_manifest import C2paManifestDetector, generator_named
    from clearmark.labels.c2pa_manifest import ACTION_CREATED, C2paSigning, sign_manifest
    from clearmark.media.asset import open_asset

    assert generator_named("Adobe Firefly 3") == "firefly" and generator_named("Imagenomic Portraiture") is None
    material = ensure_dev_signing_material(tmp_path)
    signed = sign_manifest(
        encode(make_image(), "JPEG"),
        "image/jpeg",
        C2paSigning(material.cert_chain_pem, material.private_key_pem),
        action=ACTION_CREATED,
        digital_source_type="digitalCapture",  # what it claims does not matter: the tool it names does
        software_agent="Midjourney v6",
        claim_generator="test",
        aigc_label=None,
    ).content
    signals = C2paManifestDetector().detect(open_asset(signed, DEFAULT_LIMITS))
    claims = [s for s in signals if s.kind == "fingerprint.midjourney"]
    assert claims and claims[0].attribute("validation_state") == "Valid"
