"""The retry policy, payloads and request building the two clients share."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import grpc
import pytest

from clearmark.client import RetryPolicy
from clearmark.client import errors as client_errors
from clearmark.client.calls import VERBS, ClientOptions, Payload, lookup_request, stream_messages


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (client_errors.RpcFailed("x", code=grpc.StatusCode.UNAVAILABLE), True),
        (client_errors.RpcFailed("x", code=grpc.StatusCode.ABORTED), True),
        (client_errors.Overloaded("x", code=grpc.StatusCode.RESOURCE_EXHAUSTED, reason="OVERLOADED"), True),
        (client_errors.MediaTooLarge("x", code=grpc.StatusCode.RESOURCE_EXHAUSTED, reason="MEDIA_TOO_LARGE"), False),
        (client_errors.InvalidMedia("x", code=grpc.StatusCode.INVALID_ARGUMENT, reason="INVALID_MEDIA"), False),
        (client_errors.DeadlineExceeded("x", code=grpc.StatusCode.DEADLINE_EXCEEDED), False),
        (client_errors.RpcFailed("x", code=grpc.StatusCode.INTERNAL, reason="INTERNAL"), False),
    ],
)
def test_only_what_a_second_attempt_can_fix_is_retried(error: client_errors.ServiceError, retryable: bool) -> None:
    assert RetryPolicy().retryable(error) is retryable


def test_backoff_is_jittered_exponential_and_capped() -> None:
    policy = RetryPolicy(initial_backoff_s=0.1, multiplier=2.0, max_backoff_s=0.5)
    rng = random.Random(7)
    for attempt, cap in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.5), (9, 0.5)]:
        pauses = [policy.backoff_s(attempt, rng) for _ in range(200)]
        assert 0 <= min(pauses) and max(pauses) <= cap and max(pauses) > cap / 2


def test_a_path_payload_is_hashed_and_streamed_from_disk(tmp_path: Path) -> None:
    data = bytes(range(256)) * 5000
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    payload = Payload.of(path)
    assert payload.size == len(data) and payload.sha256 == hashlib.sha256(data).hexdigest()
    assert payload.filename == "big.bin" and payload.data is None
    messages = list(stream_messages(VERBS["inspect"], payload, {"request_id": "r"}, chunk_bytes=100_000))
    header = messages[0].header
    assert header.request_id == "r" and header.content_header.size_bytes == len(data)
    assert b"".join(m.chunk for m in messages[1:]) == data and len(messages) == 1 + 13


def test_lookup_takes_exactly_one_key() -> None:
    assert lookup_request({"produce_id": "CM1", "sha256": None}, 5).produce_id == "CM1"
    for keys in ({}, {"produce_id": "CM1", "sha256": "a" * 64}):
        with pytest.raises(ValueError):
            lookup_request(keys, 0)


def test_channel_limits_and_credentials() -> None:
    options = dict(ClientOptions().channel_options())
    assert options["grpc.max_receive_message_length"] == 256 * 1024 * 1024
    assert ClientOptions().credentials() is None and ClientOptions(tls=True).credentials() is not None
    assert ClientOptions(api_key="k").metadata() == (("x-api-key", "k"),)


def test_the_servers_retry_info_makes_an_error_retryable_and_sets_the_least_pause() -> None:
    full = client_errors.MediaTooLarge(
        "disk full", code=grpc.StatusCode.RESOURCE_EXHAUSTED, reason="STORAGE_FULL", retry_delay_s=1.0
    )
    policy = RetryPolicy(initial_backoff_s=0.01, max_backoff_s=5.0)
    assert policy.retryable(full) and policy.pause_s(1, full) >= 1.0
    assert RetryPolicy(max_backoff_s=0.5).pause_s(1, full) <= 0.5  # never past the policy's cap
