"""Text and documents through the real server: Stamp, Inspect, Label, Verify, read back by independent tools."""

from __future__ import annotations

import io
import json
import zipfile

import pikepdf
import pytest
import yaml
from defusedxml import ElementTree

from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import types_pb2 as pb
from tests.conftest import PLATFORM, PRODUCER
from tests.media.documents.samples import docx_bytes, pdf_bytes

pytestmark = pytest.mark.e2e

STORY = "The river ran east past the mill.\n\nIt was a quiet morning in the valley.\n"
SAMPLES = {
    "text": STORY.encode(),
    "markdown": b"---\ntitle: Morning\ntags: [river]\n---\n# Morning\n\n"
    + STORY.encode()
    + b"\n[more](https://example.org)\n",
    "pdf": pdf_bytes("The river ran east past the mill.", "Second page."),
    "docx": docx_bytes("The river ran east past the mill.", "It was a quiet morning."),
}


def read_label_independently(fmt: str, content: bytes) -> dict[str, str] | None:
    """The AIGC label as a YAML parser, pikepdf or zipfile+XML see it (no ClearMark code)."""
    if fmt == "markdown":
        front = content.decode().split("---\n")[1]
        return yaml.safe_load(front)["AIGC"]
    if fmt == "pdf":
        with pikepdf.open(io.BytesIO(content)) as pdf:
            return json.loads(str(pdf.docinfo["/AIGC"]))
    if fmt == "docx":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            root = ElementTree.fromstring(archive.read("docProps/custom.xml"))
        for prop in root:
            if prop.get("name") == "AIGC":
                return json.loads(next(iter(prop)).text)
        return None
    return None


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_document_round_trip(stub, fmt: str) -> None:
    stamped = stub.Stamp(
        api.StampRequest(
            request_id=f"doc-{fmt}", content=SAMPLES[fmt], options=api.StampOptions(producer_code=PRODUCER)
        ),
        timeout=60,
    )
    result = stamped.result
    assert pb.APPLIED_LABEL_EXPLICIT_NOTICE in result.labels_applied
    assert result.notice.text == "AI生成" and list(result.notice.positions) == ["start"]
    independent = read_label_independently(fmt, stamped.content)
    if fmt == "text":
        assert pb.APPLIED_LABEL_METADATA_PRODUCER not in result.labels_applied
        assert any("no standard metadata container" in w for w in result.warnings)
    else:
        assert independent == {
            "Label": "1",
            "ContentProducer": PRODUCER,
            "ProduceID": result.produce_id,
            "ReservedCode1": "",
            "ContentPropagator": PRODUCER,
            "PropagateID": result.produce_id,
            "ReservedCode2": "",
        }

    inspection = stub.Inspect(api.InspectRequest(content=stamped.content), timeout=60).inspection
    assert "explicit.text_notice" in {s.kind for s in inspection.signals}
    if fmt == "pdf":  # c2pa-python signs PDF (not OOXML or plain text): label first, then the manifest
        assert pb.APPLIED_LABEL_C2PA_MANIFEST in result.labels_applied
        manifest = next(s for s in inspection.signals if s.kind == "c2pa.manifest")
        assert manifest.attributes["validation_state"] == "Valid"
    # Plain text's "AI生成" line is its label (GB 45438 gives plain text no metadata place).
    assert inspection.category == pb.CATEGORY_AI_GENERATED

    report = stub.Verify(api.VerifyRequest(content=stamped.content), timeout=60).report
    outcomes = {c.requirement_id: c.outcome for c in report.checks}
    assert outcomes["text.notice.present"] == pb.OUTCOME_PASS
    assert "image.notice.present" not in outcomes
    assert report.compliant, [c.requirement_id for c in report.checks if c.outcome == pb.OUTCOME_FAIL]

    labelled = stub.Label(
        api.LabelRequest(
            request_id=f"doc-label-{fmt}", content=stamped.content, options=api.LabelOptions(platform_code=PLATFORM)
        ),
        timeout=60,
    ).result
    if fmt == "text":
        # the producer's "AI生成" line is plain text's label: kept, and no "suspected" notice on top
        assert labelled.label_value == "1" and not labelled.modified
    else:
        assert labelled.label_value == "1" and labelled.aigc_label.content_propagator == PLATFORM
        assert labelled.aigc_label.produce_id == result.produce_id


def test_unlabelled_upload_declared_by_the_user(stub) -> None:
    labelled = stub.Label(
        api.LabelRequest(
            request_id="doc-declared",
            content=SAMPLES["docx"],
            options=api.LabelOptions(platform_code=PLATFORM, user_declared_ai=True),
        ),
        timeout=60,
    )
    assert labelled.result.label_value == "2" and labelled.result.display_notice == "可能为AI生成"
    assert read_label_independently("docx", labelled.content)["Label"] == "2"
    with zipfile.ZipFile(io.BytesIO(labelled.content)) as archive:
        assert "可能为AI生成" in archive.read("word/document.xml").decode()


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"%PDF-1.7\n1 0 obj garbage", "INVALID_ARGUMENT"),
        (SAMPLES["docx"][: len(SAMPLES["docx"]) // 2], "INVALID_ARGUMENT"),
    ],
)
def test_hostile_documents_get_precise_statuses(stub, content: bytes, code: str) -> None:
    import grpc

    with pytest.raises(grpc.RpcError) as caught:
        stub.Stamp(api.StampRequest(content=content, options=api.StampOptions(producer_code=PRODUCER)), timeout=60)
    assert caught.value.code().name == code
