"""End to end against a real server on 127.0.0.1:0: the four verbs, Lookup, streams, errors, auth."""

from __future__ import annotations

import hashlib
import json
import os

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc
from clearmark.v1 import types_pb2 as pb
from tests.conftest import PLATFORM, PRODUCER, encode, make_image
from tests.service.conftest import API_KEY, OTHER_KEY

pytestmark = pytest.mark.e2e
MP4_HEADER = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(64)  # an MP4 cut after its ftyp
BMP_HEADER = b"BM" + bytes(64)  # recognised, not supported


def _stamp(
    stub: api_grpc.ClearMarkServiceStub, content: bytes, request_id: str, **options: object
) -> api.StampResponse:
    return stub.Stamp(
        api.StampRequest(
            request_id=request_id, content=content, options=api.StampOptions(producer_code=PRODUCER, **options)
        ),
        timeout=60,
    )


def _details(error: grpc.RpcError) -> dict[str, object]:
    status = rpc_status.from_call(error)
    assert status is not None, "no rich status details"
    found: dict[str, object] = {}
    for detail in status.details:
        for cls in (
            error_details_pb2.ErrorInfo,
            error_details_pb2.BadRequest,
            error_details_pb2.QuotaFailure,
            error_details_pb2.PreconditionFailure,
        ):
            if detail.Is(cls.DESCRIPTOR):
                message = cls()
                detail.Unpack(message)
                found[cls.DESCRIPTOR.name] = message
    return found


def test_health_is_serving_and_reflection_lists_the_service(server) -> None:
    with server.channel() as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for name in ("", "clearmark.v1.ClearMarkService"):
            reply = health.Check(health_pb2.HealthCheckRequest(service=name), timeout=10)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
        replies = reflection.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
        names = {s.name for r in replies for s in r.list_services_response.service}
        assert "clearmark.v1.ClearMarkService" in names and "grpc.health.v1.Health" in names


def test_stamp_inspect_label_verify_lookup_round_trip(stub, image_bytes: bytes) -> None:
    request_id = "e2e-" + hashlib.sha256(image_bytes).hexdigest()[:12]
    stamped = _stamp(stub, image_bytes, request_id, model="test-model-1")
    result = stamped.result
    assert result.produce_id.startswith("CM")
    assert result.aigc_label.label == "1" and result.aigc_label.content_producer == PRODUCER
    assert result.aigc_label.content_propagator == PRODUCER and result.aigc_label.propagate_id == result.produce_id
    assert list(result.labels_applied) == [
        pb.APPLIED_LABEL_EXPLICIT_NOTICE,
        pb.APPLIED_LABEL_WATERMARK,
        pb.APPLIED_LABEL_METADATA_PRODUCER,
        pb.APPLIED_LABEL_C2PA_MANIFEST,
    ]
    assert result.notice.height_ratio >= 0.05
    assert result.output.sha256 == hashlib.sha256(stamped.content).hexdigest()
    assert result.input.mime_type == result.output.mime_type

    inspection = stub.Inspect(api.InspectRequest(content=stamped.content), timeout=60).inspection
    assert inspection.category == pb.CATEGORY_AI_GENERATED
    assert inspection.aigc_label == result.aigc_label
    assert inspection.campaign.suggestion == pb.SUGGESTION_PASS
    kinds = {s.kind for s in inspection.signals}
    assert {"aigc.metadata_label", "iptc.digital_source_type", "explicit.notice"} <= kinds
    marks = [s for s in inspection.signals if s.kind == "watermark.clearmark"]
    assert marks and marks[0].attributes["resolved"] == "true", "the mark on the (first) frame is not read back"

    verified = stub.Verify(
        api.VerifyRequest(content=stamped.content, options=api.VerifyOptions(include_html=True)), timeout=60
    )
    failed = [c.requirement_id for c in verified.report.checks if c.outcome == pb.OUTCOME_FAIL]
    assert verified.report.compliant, failed
    assert "<html" in verified.report.html

    labelled = stub.Label(
        api.LabelRequest(
            request_id=request_id + "-label", content=stamped.content, options=api.LabelOptions(platform_code=PLATFORM)
        ),
        timeout=60,
    )
    lab = labelled.result
    assert lab.label_value == "1" and lab.modified
    assert lab.aigc_label.content_producer == PRODUCER and lab.aigc_label.produce_id == result.produce_id
    assert lab.aigc_label.content_propagator == PLATFORM and lab.aigc_label.propagate_id == lab.propagate_id
    assert lab.display_notice == "AI生成"
    again = stub.Inspect(api.InspectRequest(content=labelled.content), timeout=60).inspection
    assert again.aigc_label == lab.aigc_label
    assert [s.kind for s in again.signals].count("aigc.metadata_label") == 1
    assert stub.Verify(api.VerifyRequest(content=labelled.content), timeout=60).report.compliant

    by_id = stub.Lookup(api.LookupRequest(produce_id=result.produce_id), timeout=10).records
    assert {r.verb for r in by_id} == {pb.VERB_STAMP, pb.VERB_LABEL}
    by_hash = stub.Lookup(api.LookupRequest(sha256=result.output.sha256), timeout=10).records
    assert by_hash[0].output_sha256 == result.output.sha256 or by_hash[-1].output_sha256 == result.output.sha256


def test_replay_is_idempotent_and_reuse_is_refused(stub, png_bytes: bytes) -> None:
    first = _stamp(stub, png_bytes, "replay-1")
    second = _stamp(stub, png_bytes, "replay-1")
    assert second.content == first.content and second.result.replayed and not first.result.replayed
    assert second.result.record.record_id == first.result.record.record_id
    other = encode(make_image(seed=99), "PNG")
    with pytest.raises(grpc.RpcError) as caught:
        _stamp(stub, other, "replay-1")
    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS


def test_platform_labels_unlabelled_uploads_by_declaration(stub, jpeg_bytes: bytes) -> None:
    declared = stub.Label(
        api.LabelRequest(
            request_id="declared-1",
            content=jpeg_bytes,
            options=api.LabelOptions(platform_code=PLATFORM, user_declared_ai=True),
        ),
        timeout=60,
    ).result
    assert declared.label_value == "2" and declared.inspection.category == pb.CATEGORY_AI_POSSIBLE
    assert declared.aigc_label.content_producer == "" and declared.aigc_label.content_propagator == PLATFORM
    assert declared.display_notice == "可能为AI生成" and declared.notice.height_ratio >= 0.05
    plain = stub.Label(
        api.LabelRequest(request_id="plain-1", content=jpeg_bytes, options=api.LabelOptions(platform_code=PLATFORM)),
        timeout=60,
    )
    assert plain.result.label_value == "" and not plain.result.modified and plain.content == jpeg_bytes
    assert plain.result.inspection.category == pb.CATEGORY_NO_SIGNAL


def test_stamping_labelled_content_is_refused(stub, webp_bytes: bytes) -> None:
    stamped = _stamp(stub, webp_bytes, "twice-1").content
    with pytest.raises(grpc.RpcError) as caught:
        _stamp(stub, stamped, "twice-2")
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "PreconditionFailure" in _details(caught.value)


@pytest.mark.parametrize(
    ("content", "code", "reason"),
    [
        (b"", grpc.StatusCode.INVALID_ARGUMENT, "INVALID_MEDIA"),
        (os.urandom(0) + bytes(range(256)) * 8, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_MEDIA"),
        (MP4_HEADER, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_MEDIA"),
        (BMP_HEADER, grpc.StatusCode.INVALID_ARGUMENT, "UNSUPPORTED_FORMAT"),
    ],
)
def test_bad_content_gets_a_precise_status(stub, content: bytes, code: grpc.StatusCode, reason: str) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.Inspect(api.InspectRequest(content=content), timeout=30)
    assert caught.value.code() == code
    details = _details(caught.value)
    assert details["ErrorInfo"].reason == reason
    assert "BadRequest" in details


def test_truncated_and_lying_images_are_invalid(stub, jpeg_bytes: bytes, png_bytes: bytes) -> None:
    for content in (jpeg_bytes[: len(jpeg_bytes) // 2], png_bytes[:100], png_bytes[:8] + b"\x00" * 50):
        with pytest.raises(grpc.RpcError) as caught:
            _stamp(stub, content, "")
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, caught.value.details()


def test_a_truncated_image_is_invalid_in_every_format(stub, image_bytes: bytes) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        _stamp(stub, image_bytes[: len(image_bytes) // 2], "")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, caught.value.details()


def test_huge_dimensions_are_resource_exhausted(stub) -> None:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0))
    bomb += chunk(b"IDAT", zlib.compress(b"\x00" * 10_000)) + chunk(b"IEND", b"")
    with pytest.raises(grpc.RpcError) as caught:
        _stamp(stub, bomb, "")
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "QuotaFailure" in _details(caught.value)


def test_bad_producer_code_names_the_field(stub, png_bytes: bytes) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.Stamp(api.StampRequest(content=png_bytes, options=api.StampOptions(producer_code="doubao")), timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = _details(caught.value)["BadRequest"].field_violations
    assert violations[0].field == "options.producer_code"


def test_oversized_message_is_resource_exhausted(server_factory) -> None:
    small = server_factory(cpu_workers=0, max_message_bytes=64 * 1024)
    with small.channel() as channel, pytest.raises(grpc.RpcError) as caught:
        api_grpc.ClearMarkServiceStub(channel).Inspect(api.InspectRequest(content=b"\xff" * 200_000), timeout=30)
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_deadline_is_honoured(stub, jpeg_bytes: bytes) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.Verify(api.VerifyRequest(content=jpeg_bytes), timeout=0.001)
    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED


def _stream(content: bytes, request_id: str, *, sha: str | None = None, chunk: int = 7000):
    header = api.StampStreamHeader(
        request_id=request_id,
        content_header=pb.ContentHeader(size_bytes=len(content), sha256=sha or hashlib.sha256(content).hexdigest()),
        options=api.StampOptions(producer_code=PRODUCER),
    )
    yield api.StampStreamRequest(header=header)
    for start in range(0, len(content), chunk):
        yield api.StampStreamRequest(chunk=content[start : start + chunk])


def test_stamp_stream_matches_unary(stub, jpeg_bytes: bytes) -> None:
    unary = _stamp(stub, jpeg_bytes, "stream-vs-unary")
    parts = list(stub.StampStream(_stream(jpeg_bytes, "stream-vs-unary"), timeout=60))
    assert parts[0].WhichOneof("part") == "result"
    content = b"".join(p.chunk for p in parts[1:])
    assert content == unary.content and parts[0].result.replayed


def test_stream_with_wrong_sha_or_no_header_is_invalid(stub, png_bytes: bytes) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.StampStream(_stream(png_bytes, "bad-sha", sha="0" * 64), timeout=30))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.StampStream(iter([api.StampStreamRequest(chunk=b"abc")]), timeout=30))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_inspect_and_verify_streams(stub, png_bytes: bytes) -> None:
    def parts(cls, header_cls):
        yield cls(
            header=header_cls(
                content_header=pb.ContentHeader(
                    size_bytes=len(png_bytes), sha256=hashlib.sha256(png_bytes).hexdigest()
                )
            )
        )
        yield cls(chunk=png_bytes)

    inspected = stub.InspectStream(parts(api.InspectStreamRequest, api.InspectStreamHeader), timeout=60)
    assert inspected.inspection.category == pb.CATEGORY_NO_SIGNAL
    verified = stub.VerifyStream(parts(api.VerifyStreamRequest, api.VerifyStreamHeader), timeout=60)
    assert verified.report.compliant  # no AI signal: nothing is owed
    assert verified.inspection.media.sha256 == hashlib.sha256(png_bytes).hexdigest()


def test_auth_guards_mutations_and_isolates_tenants(authed_server, png_bytes: bytes) -> None:
    with authed_server.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        health = health_pb2_grpc.HealthStub(channel)
        assert (
            health.Check(health_pb2.HealthCheckRequest(), timeout=10).status == health_pb2.HealthCheckResponse.SERVING
        )
        request = api.StampRequest(
            request_id="auth-1", content=png_bytes, options=api.StampOptions(producer_code=PRODUCER)
        )
        for metadata in ([], [("x-api-key", "wrong-key-0123456789")]):
            with pytest.raises(grpc.RpcError) as caught:
                stub.Stamp(request, metadata=metadata, timeout=30)
            assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert stub.Inspect(api.InspectRequest(content=png_bytes), timeout=30).inspection.media.width == 640
        stamped = stub.Stamp(request, metadata=[("authorization", f"Bearer {API_KEY}")], timeout=60)
        lookup = api.LookupRequest(produce_id=stamped.result.produce_id)
        assert stub.Lookup(lookup, metadata=[("x-api-key", API_KEY)], timeout=10).records[0].tenant == "tenant-a"
        with pytest.raises(grpc.RpcError) as caught:
            stub.Lookup(lookup, metadata=[("x-api-key", OTHER_KEY)], timeout=10)
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_health_flips_to_not_serving_before_stop(server_factory) -> None:
    running = server_factory(cpu_workers=0, shutdown_grace_s=1.0)
    with running.channel() as channel:
        watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=""), timeout=30)
        assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
        running.stop()
        statuses = []
        try:
            for reply in watch:
                statuses.append(reply.status)
        except grpc.RpcError:
            pass
    assert health_pb2.HealthCheckResponse.NOT_SERVING in statuses


def test_json_shape_uses_proto_names(stub, png_bytes: bytes) -> None:
    from google.protobuf import json_format

    reply = stub.Inspect(api.InspectRequest(content=png_bytes), timeout=30)
    data = json.loads(json_format.MessageToJson(reply, preserving_proto_field_name=True))
    assert data["inspection"]["category"] == "CATEGORY_NO_SIGNAL"
    assert data["inspection"]["media"]["mime_type"] == "image/png"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/"><TC260:AIGC>&lol3;</TC260:AIGC>
</rdf:Description></rdf:RDF></x:xmpmeta>"""


def test_hostile_xml_is_refused_by_every_verb(stub, jpeg_bytes: bytes) -> None:
    from clearmark.media.registry import format_named

    hostile = format_named("jpeg").container.blocks.write_xmp(jpeg_bytes, BILLION_LAUGHS)
    calls = [
        lambda: stub.Inspect(api.InspectRequest(content=hostile), timeout=30),
        lambda: stub.Verify(api.VerifyRequest(content=hostile), timeout=30),
        lambda: _stamp(stub, hostile, ""),
        lambda: stub.Label(
            api.LabelRequest(content=hostile, options=api.LabelOptions(platform_code=PLATFORM)), timeout=30
        ),
    ]
    for call in calls:
        with pytest.raises(grpc.RpcError) as caught:
            call()
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert _details(caught.value)["ErrorInfo"].reason in {"HOSTILE_XML", "INVALID_MEDIA"}


def test_malformed_xmp_is_a_finding_when_reading_and_refused_when_writing(stub, png_bytes: bytes) -> None:
    from clearmark.media.registry import format_named

    broken = format_named("png").container.blocks.write_xmp(png_bytes, b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF")
    inspection = stub.Inspect(api.InspectRequest(content=broken), timeout=30).inspection
    assert "media.xmp_malformed" in {f.label for f in inspection.findings}
    with pytest.raises(grpc.RpcError) as caught:
        _stamp(stub, broken, "")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_an_unknown_enum_value_is_invalid_argument_not_internal(stub, png_bytes: bytes) -> None:
    request = api.StampRequest(content=png_bytes, options=api.StampOptions(producer_code=PRODUCER, notice_corner=99))
    with pytest.raises(grpc.RpcError) as caught:
        stub.Stamp(request, timeout=30)
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "notice_corner" in caught.value.details()
