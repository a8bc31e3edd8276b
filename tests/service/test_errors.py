"""The one error table: codes, rich details with retry hints, and messages fit for clients."""

from __future__ import annotations

import io

import grpc
import pytest
from google.rpc import error_details_pb2
from PIL import Image, UnidentifiedImageError

from clearmark.core import errors
from clearmark.service.errors import public_message, rich_status, status_code_for
from clearmark.service.files import StorageFull
from clearmark.service.pool import WorkerCrashed
from clearmark.service.registry import RegistryUnavailable


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
