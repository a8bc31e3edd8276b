"""ContentHeader claims through the real server: broken size/SHA-256 promises refused, kind/MIME claims reported."""

from __future__ import annotations

import hashlib

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import types_pb2 as pb
from tests.conftest import PLATFORM, PRODUCER

pytestmark = pytest.mark.e2e


def _violations(error: grpc.RpcError) -> dict[str, str]:
    status = rpc_status.from_call(error)
    assert status is not None
    bad = error_details_pb2.BadRequest()
    (detail,) = [d for d in status.details if d.Is(error_details_pb2.BadRequest.DESCRIPTOR)]
    detail.Unpack(bad)
    return {v.field: v.description for v in bad.field_violations}


def _unary(stub, verb: str, content: bytes, header: pb.ContentHeader):
    requests = {
        "Inspect": lambda: api.InspectRequest(content=content, content_header=header),
        "Verify": lambda: api.VerifyRequest(content=content, content_header=header),
        "Stamp": lambda: api.StampRequest(
            content=content, content_header=header, options=api.StampOptions(producer_code=PRODUCER)
        ),
        "Label": lambda: api.LabelRequest(
            content=content, content_header=header, options=api.LabelOptions(platform_code=PLATFORM)
        ),
    }
    return getattr(stub, verb)(requests[verb](), timeout=60)


@pytest.mark.parametrize("verb", ["Inspect", "Verify", "Stamp", "Label"])
@pytest.mark.parametrize(
    ("header", "fields"),
    [
        (lambda c: pb.ContentHeader(size_bytes=len(c) + 1), {"content_header.size_bytes"}),
        (lambda c: pb.ContentHeader(sha256=hashlib.sha256(c + b"x").hexdigest()), {"content_header.sha256"}),
        (lambda c: pb.ContentHeader(sha256="not-hex"), {"content_header.sha256"}),
        (
            lambda c: pb.ContentHeader(size_bytes=1, sha256="0" * 64),
            {"content_header.size_bytes", "content_header.sha256"},
        ),
        (lambda c: pb.ContentHeader(kind=99), {"content_header.kind"}),
    ],
    ids=["size", "sha256", "malformed-sha256", "both", "unknown-kind"],
)
def test_a_broken_size_or_sha256_promise_is_invalid_argument(stub, png_bytes: bytes, verb: str, header, fields) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        _unary(stub, verb, png_bytes, header(png_bytes))
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert set(_violations(caught.value)) == fields


def test_a_stream_names_the_header_field_that_broke_its_promise(stub, png_bytes: bytes) -> None:
    header = pb.ContentHeader(size_bytes=len(png_bytes) + 10, sha256=hashlib.sha256(png_bytes).hexdigest())
    parts = [
        api.InspectStreamRequest(header=api.InspectStreamHeader(content_header=header)),
        api.InspectStreamRequest(chunk=png_bytes),
    ]
    with pytest.raises(grpc.RpcError) as caught:
        stub.InspectStream(iter(parts), timeout=60)
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert set(_violations(caught.value)) == {"header.content_header.size_bytes"}
    parts[0].header.content_header.size_bytes = len(png_bytes)
    parts[0].header.content_header.kind = 99
    with pytest.raises(grpc.RpcError) as caught:
        stub.InspectStream(iter(parts), timeout=60)
    assert set(_violations(caught.value)) == {"header.content_header.kind"}


def test_a_true_promise_and_a_wrong_kind_claim_answer_ok_with_a_finding(stub, png_bytes: bytes) -> None:
    header = pb.ContentHeader(
        size_bytes=len(png_bytes),
        sha256=hashlib.sha256(png_bytes).hexdigest().upper(),
        kind=pb.MEDIA_KIND_VIDEO,
        mime_type="video/mp4",
    )
    for verb in ("Inspect", "Verify"):
        inspection = _unary(stub, verb, png_bytes, header).inspection
        assert inspection.media.kind == pb.MEDIA_KIND_IMAGE and inspection.media.mime_type == "image/png"
        (finding,) = [f for f in inspection.findings if f.label == "media.claim_mismatch"]
        assert "video/mp4" in finding.message and "VIDEO" in finding.message
    labelled = _unary(stub, "Label", png_bytes, header).result
    assert "media.claim_mismatch" in {f.label for f in labelled.inspection.findings}
    stamped = _unary(stub, "Stamp", png_bytes, header).result
    assert any("video/mp4" in w for w in stamped.warnings) and stamped.output.mime_type == "image/png"
    agreeing = pb.ContentHeader(kind=pb.MEDIA_KIND_IMAGE, mime_type="image/png", size_bytes=len(png_bytes))
    assert not [
        f for f in _unary(stub, "Inspect", png_bytes, agreeing).inspection.findings if f.label.startswith("media.claim")
    ]
