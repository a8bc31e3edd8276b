"""ClearMark's invisible mark through the real server: embedded by Stamp, resolved by Inspect after stripping."""

from __future__ import annotations

import io

import pytest
from bench.watermark.attacks import residual_transplant
from PIL import Image

from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import types_pb2 as pb
from tests.conftest import PLATFORM, PRODUCER, encode, make_image
from tests.watermark.conftest import photo

pytestmark = pytest.mark.e2e


def strip_metadata(content: bytes, quality: int = 85) -> bytes:
    """What a re-upload does: decode and re-encode as JPEG; every label in metadata is gone."""
    buffer = io.BytesIO()
    Image.open(io.BytesIO(content)).convert("RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def test_the_mark_survives_stripping_and_resolves_to_the_record(stub) -> None:
    source = encode(make_image(1024, 768, seed=3), "PNG")
    stamped = stub.Stamp(
        api.StampRequest(request_id="wm-1", content=source, options=api.StampOptions(producer_code=PRODUCER)),
        timeout=60,
    ).result
    assert pb.APPLIED_LABEL_WATERMARK in stamped.labels_applied and stamped.record.watermark_id

    stripped = strip_metadata(
        stub.Stamp(
            api.StampRequest(request_id="wm-1", content=source, options=api.StampOptions(producer_code=PRODUCER)),
            timeout=60,
        ).content
    )
    inspection = stub.Inspect(api.InspectRequest(content=stripped), timeout=60).inspection
    marks = [s for s in inspection.signals if s.kind == "watermark.clearmark"]
    assert marks and marks[0].attributes["registry_key"] == stamped.record.watermark_id
    assert marks[0].attributes["resolved"] == "true"
    assert inspection.category == pb.CATEGORY_AI_GENERATED  # no metadata left, the mark resolves
    assert "aigc.unlabelled" in {f.label for f in inspection.findings}

    records = stub.Lookup(api.LookupRequest(watermark_id=stamped.record.watermark_id), timeout=10).records
    assert records[0].produce_id == stamped.produce_id

    checks = {
        c.requirement_id: c.outcome for c in stub.Verify(api.VerifyRequest(content=stripped), timeout=60).report.checks
    }
    assert checks["watermark.consistency"] == pb.OUTCOME_FAIL  # mark present, label stripped

    # The platform labels the stripped re-upload: the mark's record restores the producer's label
    # ("1", its ContentProducer and ProduceID) with the platform's fields, without a second mark.
    labelled = stub.Label(
        api.LabelRequest(request_id="wm-label", content=stripped, options=api.LabelOptions(platform_code=PLATFORM)),
        timeout=60,
    ).result
    assert labelled.label_value == "1" and pb.APPLIED_LABEL_WATERMARK not in labelled.labels_applied
    assert labelled.aigc_label.produce_id == stamped.produce_id and labelled.aigc_label.content_producer == PRODUCER
    assert labelled.aigc_label.content_propagator == PLATFORM and labelled.display_notice == "AI生成"


def test_stamped_content_is_consistent(stub) -> None:
    stamped = stub.Stamp(
        api.StampRequest(
            request_id="wm-2",
            content=encode(make_image(800, 600), "JPEG"),
            options=api.StampOptions(producer_code=PRODUCER),
        ),
        timeout=60,
    ).content
    checks = {
        c.requirement_id: c.outcome for c in stub.Verify(api.VerifyRequest(content=stamped), timeout=60).report.checks
    }
    assert checks["watermark.consistency"] == pb.OUTCOME_PASS


def test_small_images_are_stamped_without_a_mark(stub) -> None:
    stamped = stub.Stamp(
        api.StampRequest(
            request_id="wm-3",
            content=encode(make_image(200, 150), "PNG"),
            options=api.StampOptions(producer_code=PRODUCER),
        ),
        timeout=60,
    ).result
    assert pb.APPLIED_LABEL_WATERMARK not in stamped.labels_applied
    assert any("256 px" in w for w in stamped.warnings)


def test_a_copied_mark_resolves_but_never_makes_the_content_ai_generated(stub) -> None:
    stamped = stub.Stamp(
        api.StampRequest(
            request_id="wm-copy",
            content=encode(make_image(800, 600, seed=5), "PNG"),
            options=api.StampOptions(producer_code=PRODUCER),
        ),
        timeout=60,
    )
    source = Image.open(io.BytesIO(stamped.content)).convert("RGB")
    forged = residual_transplant(source, photo(800, 600, seed=8), "nl-means", 1.0)
    inspection = stub.Inspect(api.InspectRequest(content=encode(forged, "PNG")), timeout=60).inspection
    (mark,) = [s for s in inspection.signals if s.kind == "watermark.clearmark"]
    assert mark.attributes["registry_key"] == stamped.result.record.watermark_id
    assert mark.attributes["resolved"] == "true" and mark.attributes["content_bound"] == "false"
    assert inspection.category != pb.CATEGORY_AI_GENERATED
    assert "watermark.content_mismatch" in {f.label for f in inspection.findings}
