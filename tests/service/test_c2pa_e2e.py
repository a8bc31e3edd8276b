"""C2PA through the real server: our stamps validate as Trusted in c2pa-python's own Reader, history survives Label."""

from __future__ import annotations

import io
import json
from pathlib import Path

import c2pa
import grpc
import pytest

from clearmark.media import MediaLimits, decode_image, format_named, sniff_format
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import types_pb2 as pb
from tests.conftest import PLATFORM, PRODUCER

pytestmark = pytest.mark.e2e
FIXTURES = Path(__file__).parents[1] / "fixtures" / "c2pa"


@pytest.fixture(scope="module")
def trusted_server(server_factory, tmp_path_factory):
    """A server whose own development CA is configured as a C2PA trust anchor."""
    from clearmark.service.keys import ensure_dev_signing_material

    data_dir = tmp_path_factory.mktemp("c2pa-server")
    material = ensure_dev_signing_material(data_dir)
    return server_factory(cpu_workers=0, data_dir=data_dir, c2pa_trust_anchors=material.ca_cert_pem), material


def c2pa_read(content: bytes, mime: str, anchors: str) -> dict:
    """Read with c2pa-python alone, configured with our anchor (no ClearMark code involved)."""
    context = c2pa.Context.from_dict({"trust": {"user_anchors": anchors}, "verify": {"remote_manifest_fetch": False}})
    with context, c2pa.Reader(mime, io.BytesIO(content), None, context) as reader:
        return json.loads(reader.json())


def test_stamped_images_are_trusted_by_c2pa_itself(trusted_server, image_format: str, image_bytes: bytes) -> None:
    """c2pa-python 0.38.1 signs every supported image format; its own Reader validates what we signed."""
    assert format_named(image_format).signs_c2pa
    assert_trusted_through_the_verbs(trusted_server, image_format, image_bytes)


# sample1.heif is left to the media tests: its HEVC re-encode alone takes seconds on a shared CI core.
@pytest.mark.parametrize("name", ["sample1.avif", "test.tiff", "MultiPage.tif", "sample1.gif"])
def test_third_party_files_are_stamped_and_trusted(trusted_server, name: str) -> None:
    """Files other tools wrote (c2pa-rs's fixtures): every frame or page kept, the manifest trusted."""
    content = (FIXTURES / name).read_bytes()
    stamped = assert_trusted_through_the_verbs(trusted_server, name, content)
    # Counted by our decoder: c2pa-python chains a manifest-only IFD after a multi-page TIFF's pages,
    # on which Pillow's own page count fails ("Missing dimensions").
    before, after = (decode_image(data, sniff_format(data), MediaLimits()) for data in (content, stamped))
    assert len(after.frames) == len(before.frames)
    assert after.durations_ms == before.durations_ms


def assert_trusted_through_the_verbs(trusted_server, fmt: str, content: bytes) -> bytes:
    """Stamp, check c2pa's verdict and our Inspect, then Label and check the producer's manifest is the parent."""
    running, material = trusted_server
    mime = sniff_format(content).mime_type
    with running.channel() as channel:
        from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc

        stub = api_grpc.ClearMarkServiceStub(channel)
        stamped = stub.Stamp(
            api.StampRequest(
                request_id=f"c2pa-{fmt}",
                content=content,
                options=api.StampOptions(producer_code=PRODUCER, model="diffusion-x"),
            ),
            timeout=60,
        )
        assert pb.APPLIED_LABEL_C2PA_MANIFEST in stamped.result.labels_applied
        store = c2pa_read(stamped.content, mime, material.ca_cert_pem.read_text())
        assert store["validation_state"] == "Trusted", store.get("validation_status")
        manifest = store["manifests"][store["active_manifest"]]
        actions = next(a for a in manifest["assertions"] if a["label"].startswith("c2pa.actions"))["data"]["actions"]
        created = next(a for a in actions if a["action"] == "c2pa.created")
        assert created["digitalSourceType"].endswith("/trainedAlgorithmicMedia")
        assert "diffusion-x" in json.dumps(created.get("softwareAgent"))
        mirror = next(a for a in manifest["assertions"] if a["label"] == "org.clearmark.gb45438")["data"]
        assert json.dumps(mirror).count(stamped.result.produce_id) >= 1

        inspection = stub.Inspect(api.InspectRequest(content=stamped.content), timeout=60).inspection
        c2pa_signals = [s for s in inspection.signals if s.kind == "c2pa.manifest"]
        assert c2pa_signals and c2pa_signals[0].attributes["validation_state"] == "Trusted"
        assert inspection.category == pb.CATEGORY_AI_GENERATED

        labelled = stub.Label(
            api.LabelRequest(
                request_id=f"c2pa-label-{fmt}",
                content=stamped.content,
                options=api.LabelOptions(platform_code=PLATFORM),
            ),
            timeout=60,
        )
        after = c2pa_read(labelled.content, mime, material.ca_cert_pem.read_text())
        assert after["validation_state"] == "Trusted"
        active = after["manifests"][after["active_manifest"]]
        parents = [i for i in active["ingredients"] if i.get("relationship") == "parentOf"]
        assert parents and parents[0].get("active_manifest") == store["active_manifest"], "producer history lost"
        assert stub.Verify(api.VerifyRequest(content=labelled.content), timeout=60).report.compliant
    return stamped.content


def test_replay_returns_the_same_signed_bytes_and_other_options_conflict(stub, png_bytes: bytes) -> None:
    request = api.StampRequest(
        request_id="c2pa-replay", content=png_bytes, options=api.StampOptions(producer_code=PRODUCER)
    )
    first = stub.Stamp(request, timeout=60)
    second = stub.Stamp(request, timeout=60)
    assert second.content == first.content and second.result.replayed
    changed = api.StampRequest(
        request_id="c2pa-replay", content=png_bytes, options=api.StampOptions(producer_code=PRODUCER, model="other")
    )
    with pytest.raises(grpc.RpcError) as caught:
        stub.Stamp(changed, timeout=60)
    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS


def test_tampered_pixels_make_the_manifest_invalid(stub, jpeg_bytes: bytes) -> None:
    stamped = stub.Stamp(
        api.StampRequest(
            request_id="c2pa-tamper", content=jpeg_bytes, options=api.StampOptions(producer_code=PRODUCER)
        ),
        timeout=60,
    ).content
    tampered = bytearray(stamped)
    at = len(tampered) - 2000  # inside the entropy-coded scan, far from the notice and the metadata
    while tampered[at] in (0xFF, 0xFE) or tampered[at - 1] == 0xFF:
        at += 1
    tampered[at] ^= 0x01
    inspection = stub.Inspect(api.InspectRequest(content=bytes(tampered)), timeout=60).inspection
    invalid = [s for s in inspection.signals if s.kind == "c2pa.manifest_invalid"]
    assert invalid, [s.kind for s in inspection.signals]
    assert "assertion.dataHash.mismatch" in invalid[0].attributes["failure_codes"]
    assert "c2pa.invalid_manifest" in {f.label for f in inspection.findings}
    assert inspection.aigc_label.label == "1"  # the GB 45438 label is still read
    report = stub.Verify(api.VerifyRequest(content=bytes(tampered)), timeout=60).report
    assert {c.requirement_id: c.outcome for c in report.checks}["c2pa.manifest"] == pb.OUTCOME_FAIL


def test_stripped_manifest_is_noticed_through_the_xmp_pointer(stub, jpeg_bytes: bytes) -> None:
    from PIL import Image

    from clearmark.media.registry import format_named

    stamped = stub.Stamp(
        api.StampRequest(request_id="c2pa-strip", content=jpeg_bytes, options=api.StampOptions(producer_code=PRODUCER)),
        timeout=60,
    ).content
    buffer = io.BytesIO()
    Image.open(io.BytesIO(stamped)).save(buffer, format="JPEG", quality=92)  # a re-upload: pixels kept, JUMBF gone
    jpeg = format_named("jpeg").container.blocks
    stripped = jpeg.write_xmp(buffer.getvalue(), jpeg.read_xmp_packets(stamped)[0].packet)
    inspection = stub.Inspect(api.InspectRequest(content=stripped), timeout=60).inspection
    assert "c2pa.manifest_removed" in {f.label for f in inspection.findings}
    assert inspection.category == pb.CATEGORY_AI_GENERATED  # the GB 45438 label still says so
    checks = {
        c.requirement_id: c.outcome for c in stub.Verify(api.VerifyRequest(content=stripped), timeout=60).report.checks
    }
    assert checks["c2pa.manifest"] == pb.OUTCOME_FAIL


def test_default_server_reports_valid_untrusted_and_no_timestamp(stub, webp_bytes: bytes) -> None:
    stamped = stub.Stamp(
        api.StampRequest(
            request_id="c2pa-untrusted", content=webp_bytes, options=api.StampOptions(producer_code=PRODUCER)
        ),
        timeout=60,
    ).content
    verified = stub.Verify(api.VerifyRequest(content=stamped), timeout=60)
    checks = {c.requirement_id: c for c in verified.report.checks}
    assert checks["c2pa.manifest"].outcome == pb.OUTCOME_INCONCLUSIVE  # no anchors configured: never "Trusted"
    assert "not among the configured trust anchors" in checks["c2pa.manifest"].evidence[0]
    assert checks["c2pa.timestamp"].outcome == pb.OUTCOME_INCONCLUSIVE
    assert "expires" in checks["c2pa.timestamp"].evidence[0]
    assert verified.report.compliant


def test_stamping_content_with_c2pa_history_is_an_ai_edit(trusted_server) -> None:
    from pathlib import Path

    running, material = trusted_server
    third_party = (Path(__file__).parents[1] / "fixtures" / "c2pa" / "C.jpg").read_bytes()
    from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc

    with running.channel() as channel:
        stamped = api_grpc.ClearMarkServiceStub(channel).Stamp(
            api.StampRequest(
                request_id="ai-edit", content=third_party, options=api.StampOptions(producer_code=PRODUCER)
            ),
            timeout=60,
        )
    store = c2pa_read(stamped.content, "image/jpeg", material.ca_cert_pem.read_text())
    active = store["manifests"][store["active_manifest"]]
    assert any(i.get("relationship") == "parentOf" for i in active["ingredients"])
    actions = next(a for a in active["assertions"] if a["label"].startswith("c2pa.actions"))["data"]["actions"]
    assert any(a.get("digitalSourceType", "").endswith("/compositeWithTrainedAlgorithmicMedia") for a in actions)


def test_the_manifest_names_our_watermark_as_soft_binding(trusted_server) -> None:
    from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc
    from tests.conftest import encode, make_image

    running, material = trusted_server
    with running.channel() as channel:
        stamped = api_grpc.ClearMarkServiceStub(channel).Stamp(
            api.StampRequest(
                request_id="soft-binding",
                content=encode(make_image(800, 600), "PNG"),
                options=api.StampOptions(producer_code=PRODUCER),
            ),
            timeout=60,
        )
    store = c2pa_read(stamped.content, "image/png", material.ca_cert_pem.read_text())
    assert store["validation_state"] == "Trusted"
    active = store["manifests"][store["active_manifest"]]
    binding = next(a for a in active["assertions"] if a["label"].startswith("c2pa.soft-binding"))["data"]
    assert binding["alg"] == "org.clearmark.watermark.image.v1"
    import base64

    assert base64.b64decode(binding["blocks"][0]["value"]).hex() == stamped.result.record.watermark_id
