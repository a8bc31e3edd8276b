"""The one error table: codes, request field paths, retry hints, zh-CN beside English, messages fit for clients."""

from __future__ import annotations

import hashlib
import io

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from PIL import Image, UnidentifiedImageError

from clearmark.core import errors
from clearmark.service.errors import public_message, rich_status, status_code_for
from clearmark.service.files import StorageFull
from clearmark.service.pool import WorkerCrashed
from clearmark.service.registry import RegistryUnavailable
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import types_pb2 as pb
from tests.conftest import PRODUCER


def test_library_reprs_and_addresses_are_removed() -> None:
    with pytest.raises(UnidentifiedImageError) as pil_error:
        Image.open(io.BytesIO(b"not an image"))
    message = public_message(f"cannot decode: {pil_error.value}")
    assert "0x" not in message and "object at" not in message
    assert "<_io.BytesIO>" in message
    assert public_message("at 0x7f3e334ae9d0 in memory") == "at <address> in memory"
    assert len(public_message("x" * 5000)) == 1000


@pytest.mark.parametrize(
    ("error", "code", "retry"),
    [
        (errors.Overloaded("busy"), grpc.StatusCode.RESOURCE_EXHAUSTED, True),
        (StorageFull("full"), grpc.StatusCode.RESOURCE_EXHAUSTED, True),
        (WorkerCrashed("died"), grpc.StatusCode.UNAVAILABLE, True),
        (RegistryUnavailable("gone"), grpc.StatusCode.UNAVAILABLE, True),
        (errors.MediaTooLarge("bomb"), grpc.StatusCode.RESOURCE_EXHAUSTED, False),
        (errors.InvalidMedia("bad"), grpc.StatusCode.INVALID_ARGUMENT, False),
    ],
)
def test_retryable_errors_carry_retry_info(error: errors.ClearMarkError, code: grpc.StatusCode, retry: bool) -> None:
    assert status_code_for(error) is code
    status = rich_status(error)
    hints = [d for d in status.details if d.Is(error_details_pb2.RetryInfo.DESCRIPTOR)]
    assert bool(hints) is retry
    if retry:
        info = error_details_pb2.RetryInfo()
        hints[0].Unpack(info)
        assert info.retry_delay.seconds == 1


def _unpack(details, cls):
    found = []
    for detail in details:
        if detail.Is(cls.DESCRIPTOR):
            message = cls()
            detail.Unpack(message)
            found.append(message)
    return found


def _status_of(error: grpc.RpcError):
    status = rpc_status.from_call(error)
    assert status is not None
    return status


@pytest.mark.parametrize(
    ("field", "streamed", "path"),
    [
        ("options.producer_code", False, "options.producer_code"),
        ("options.producer_code", True, "header.options.producer_code"),
        ("text", False, "options.notice_text"),  # the notice spec's own name, as the request spells it
        ("corner", True, "header.options.notice_corner"),
        ("jpeg:app1-xmp", False, "content"),  # a carrier is a place in the content
        ("jpeg:app1-xmp", True, "chunk"),
        ("header.content_header.sha256", True, "header.content_header.sha256"),
        ("request_id", True, "header.request_id"),
    ],
)
def test_violation_fields_are_request_paths(field: str, streamed: bool, path: str) -> None:
    status = rich_status(
        errors.InvalidRequest("bad", violations=(errors.FieldViolation(field, "why"),)), streamed=streamed
    )
    (bad,) = _unpack(status.details, error_details_pb2.BadRequest)
    assert [v.field for v in bad.field_violations] == [path]
    (info,) = _unpack(status.details, error_details_pb2.ErrorInfo)
    assert info.metadata["fields"] == path


def test_error_info_names_no_python_class_and_messages_come_in_two_languages() -> None:
    status = rich_status(errors.MediaTooLarge("too many pixels: 60 MP over the 50 MP limit"))
    (info,) = _unpack(status.details, error_details_pb2.ErrorInfo)
    assert info.reason == "MEDIA_TOO_LARGE" and info.domain == "clearmark.dev"
    assert "MediaTooLarge" not in str(info) and "Error" not in "".join(info.metadata.values())
    localized = {m.locale: m.message for m in _unpack(status.details, error_details_pb2.LocalizedMessage)}
    assert localized["en-US"] == "too many pixels: 60 MP over the 50 MP limit"
    assert "超出" in localized["zh-CN"]
    assert _unpack(status.details, error_details_pb2.QuotaFailure)


def test_unary_and_stream_name_the_same_bad_field_each_in_its_own_request(stub, png_bytes: bytes) -> None:
    options = api.StampOptions(producer_code=PRODUCER, notice_text="hello")  # no AI / generation element
    with pytest.raises(grpc.RpcError) as unary:
        stub.Stamp(api.StampRequest(content=png_bytes, options=options), timeout=30)
    header = api.StampStreamHeader(
        content_header=pb.ContentHeader(size_bytes=len(png_bytes), sha256=hashlib.sha256(png_bytes).hexdigest()),
        options=options,
    )
    parts = iter([api.StampStreamRequest(header=header), api.StampStreamRequest(chunk=png_bytes)])
    with pytest.raises(grpc.RpcError) as streamed:
        list(stub.StampStream(parts, timeout=30))
    for caught, path in ((unary, "options.notice_text"), (streamed, "header.options.notice_text")):
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        status = _status_of(caught.value)
        (bad,) = _unpack(status.details, error_details_pb2.BadRequest)
        assert {v.field for v in bad.field_violations} == {path}
        locales = {m.locale for m in _unpack(status.details, error_details_pb2.LocalizedMessage)}
        assert locales == {"en-US", "zh-CN"}


def test_a_lookup_without_a_key_names_a_real_field(stub) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.Lookup(api.LookupRequest(), timeout=10)
    (bad,) = _unpack(_status_of(caught.value).details, error_details_pb2.BadRequest)
    assert bad.field_violations[0].field in api.LookupRequest.DESCRIPTOR.fields_by_name
