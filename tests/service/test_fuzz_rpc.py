"""Mutated images through the real server: only OK or a precise client-error status, never UNKNOWN/INTERNAL."""

from __future__ import annotations

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearmark.v1 import clearmark_service_pb2 as api
from tests.conftest import IMAGE_FORMATS, PRODUCER, image_sample, make_image

pytestmark = pytest.mark.e2e
SEEDS = {fmt: image_sample(fmt, make_image(96, 64)) for fmt in IMAGE_FORMATS}
ALLOWED = {
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.FAILED_PRECONDITION,
}


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "dup"]))
        at = draw(st.integers(0, len(data) - 1))
        if action == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif action == "cut":
            del data[at:]
            if not data:
                data = bytearray(b"\xff")
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 64))]
    return bytes(data)


@settings(max_examples=90, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=mutated())
def test_mutated_images_get_precise_statuses(stub, content: bytes) -> None:
    for call in (
        lambda: stub.Inspect(api.InspectRequest(content=content), timeout=30),
        lambda: stub.Stamp(
            api.StampRequest(content=content, options=api.StampOptions(producer_code=PRODUCER)), timeout=30
        ),
    ):
        try:
            call()
        except grpc.RpcError as error:
            assert error.code() in ALLOWED, (error.code(), error.details())
