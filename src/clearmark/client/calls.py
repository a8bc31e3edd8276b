"""What the sync and asyncio clients share: options, retry policy, payloads and the verb table."""

from __future__ import annotations

import hashlib
import os
import random
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import grpc
from google.protobuf.message import Message

from clearmark import __version__
from clearmark.client.errors import ServiceError, error_from_rpc
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import types_pb2 as pb

MiB = 1024 * 1024
Content = bytes | bytearray | memoryview | str | os.PathLike[str]
# Told the bytes moved on a streaming call: ("upload" | "download", bytes so far, total bytes).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter for idempotent calls (all of ClearMark's, by request id).

    Retries only what a second attempt can fix: UNAVAILABLE (a replica restarting, a dropped
    connection), ABORTED, RESOURCE_EXHAUSTED with reason OVERLOADED (the work queue was full), and
    whatever the server marks with a google.rpc.RetryInfo (waiting at least its delay).
    A limit (bytes, pixels) or a bad request is never retried; nor is DEADLINE_EXCEEDED, since the
    deadline covers all attempts together.
    """

    max_attempts: int = 4
    initial_backoff_s: float = 0.2
    max_backoff_s: float = 5.0
    multiplier: float = 2.0
    retryable_codes: frozenset[grpc.StatusCode] = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.ABORTED})
    retryable_reasons: frozenset[str] = frozenset({"OVERLOADED"})

    def retryable(self, error: ServiceError) -> bool:
        """Whether another attempt could succeed: a retryable code or reason, or the server's RetryInfo."""
        return (
            error.code in self.retryable_codes
            or error.reason in self.retryable_reasons
            or error.retry_delay_s is not None
        )

    def pause_s(self, attempt: int, error: ServiceError, rng: random.Random | None = None) -> float:
        """The pause before the next attempt: the jittered backoff, at least the server's RetryInfo delay."""
        return max(self.backoff_s(attempt, rng), min(error.retry_delay_s or 0.0, self.max_backoff_s))

    def pause_or_raise(self, attempt: int, raw: grpc.RpcError, deadline: float, now: float) -> float:
        """The pause before attempt ``attempt + 1`` after ``raw`` failed attempt ``attempt``; the sync
        and async clients share this decision and differ only in how they sleep.

        Raises:
            ServiceError: ``raw`` as ClearMark's error, when it is not retryable, the attempts are
                spent, or the pause would pass ``deadline`` (a ``time.monotonic()`` value, as ``now``).
        """
        error = error_from_rpc(raw)
        pause = self.pause_s(attempt, error)
        if attempt >= self.max_attempts or not self.retryable(error) or now + pause >= deadline:
            raise error from None
        return pause

    def backoff_s(self, attempt: int, rng: random.Random | None = None) -> float:
        """The pause after failed attempt number ``attempt`` (1-based): uniform in [0, cap]."""
        cap = min(self.max_backoff_s, self.initial_backoff_s * self.multiplier ** (attempt - 1))
        return (rng or random).uniform(0, cap)


NO_RETRY = RetryPolicy(max_attempts=1)


@dataclass(frozen=True)
class ClientOptions:
    """How to reach the server and how to call it.

    Attributes:
        api_key: sent as ``x-api-key`` metadata (what the server's API-key interceptor reads).
        tls: use TLS; ``root_certificates`` (PEM) overrides the system roots, and
            ``private_key``/``certificate_chain`` (PEM) present a client certificate (mTLS).
        server_name: the TLS name to check when it differs from the target's host.
        timeout_s: the default deadline of one call, all retries included.
        stream_above_bytes: content larger than this goes over the *Stream RPCs.
        chunk_bytes: the size of streamed chunks.
        max_message_bytes: the channel's send and receive limit (gRPC's default is 4 MiB).
    """

    api_key: str = ""
    tls: bool = False
    root_certificates: bytes | None = None
    private_key: bytes | None = None
    certificate_chain: bytes | None = None
    server_name: str = ""
    timeout_s: float = 120.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    stream_above_bytes: int = 8 * MiB
    chunk_bytes: int = 1 * MiB
    max_message_bytes: int = 256 * MiB

    def channel_options(self) -> list[tuple[str, Any]]:
        """gRPC channel arguments: message limits, user agent, TLS name override."""
        options: list[tuple[str, Any]] = [
            ("grpc.max_send_message_length", self.max_message_bytes),
            ("grpc.max_receive_message_length", self.max_message_bytes),
            ("grpc.primary_user_agent", f"clearmark-python/{__version__}"),
        ]
        if self.server_name:
            options.append(("grpc.ssl_target_name_override", self.server_name))
        return options

    def credentials(self) -> grpc.ChannelCredentials | None:
        """TLS credentials, or None for a plaintext channel."""
        if not (self.tls or self.root_certificates or self.certificate_chain):
            return None
        return grpc.ssl_channel_credentials(self.root_certificates, self.private_key, self.certificate_chain)

    def metadata(self) -> tuple[tuple[str, str], ...]:
        """Call metadata: the API key, when one is set."""
        return (("x-api-key", self.api_key),) if self.api_key else ()


@dataclass(frozen=True)
class Payload:
    """Content to send: bytes in memory or a file read in chunks, with its size and SHA-256."""

    size: int
    sha256: str
    filename: str
    data: bytes | None = None
    path: Path | None = None

    @classmethod
    def of(cls, content: Content, filename: str = "") -> Payload:
        """Bytes as they are; a path is hashed now and read again when sent."""
        if isinstance(content, (bytes, bytearray, memoryview)):
            data = bytes(content)
            return cls(len(data), hashlib.sha256(data).hexdigest(), filename, data=data)
        path = Path(content)
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while block := handle.read(MiB):
                digest.update(block)
        return cls(path.stat().st_size, digest.hexdigest(), filename or path.name, path=path)

    def whole(self) -> bytes:
        """All the bytes (for a unary request)."""
        return self.data if self.data is not None else self.path.read_bytes()  # type: ignore[union-attr]

    def chunks(self, size: int) -> Iterator[bytes]:
        """Slices of at most ``size`` bytes, read from the file when there is one."""
        if self.data is not None:
            for start in range(0, len(self.data), size):
                yield self.data[start : start + size]
            return
        with self.path.open("rb") as handle:  # type: ignore[union-attr]
            while block := handle.read(size):
                yield block

    def header(self) -> pb.ContentHeader:
        """The ContentHeader a stream declares (size and SHA-256 are checked by the server)."""
        return pb.ContentHeader(size_bytes=self.size, sha256=self.sha256, filename=self.filename)


@dataclass(frozen=True)
class VerbSpec:
    """One content verb's messages: unary request, stream request and header, and its answer shape."""

    method: str
    request: type[Message]
    stream_request: type[Message]
    stream_header: type[Message]
    response: type[Message]
    returns_content: bool


VERBS: dict[str, VerbSpec] = {
    "stamp": VerbSpec(
        "Stamp", api.StampRequest, api.StampStreamRequest, api.StampStreamHeader, api.StampResponse, True
    ),
    "inspect": VerbSpec(
        "Inspect", api.InspectRequest, api.InspectStreamRequest, api.InspectStreamHeader, api.InspectResponse, False
    ),
    "label": VerbSpec(
        "Label", api.LabelRequest, api.LabelStreamRequest, api.LabelStreamHeader, api.LabelResponse, True
    ),
    "verify": VerbSpec(
        "Verify", api.VerifyRequest, api.VerifyStreamRequest, api.VerifyStreamHeader, api.VerifyResponse, False
    ),
}


def new_request_id() -> str:
    """A fresh idempotency key: every attempt of one call sends the same one, so retries are safe."""
    return uuid.uuid4().hex


def idempotent_fields(verb: str, fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with a request id for the writing verbs, made up when absent, so retries are safe."""
    if VERBS[verb].returns_content and not fields.get("request_id"):
        return {**fields, "request_id": new_request_id()}
    return fields


def unary_request(spec: VerbSpec, payload: Payload, fields: dict[str, Any]) -> Message:
    """The unary request of a verb."""
    return spec.request(content=payload.whole(), content_header=payload.header(), **fields)


def stream_messages(
    spec: VerbSpec, payload: Payload, fields: dict[str, Any], chunk_bytes: int, progress: Progress | None = None
) -> Iterator[Message]:
    """The header message, then the content in chunks (``progress`` told the bytes handed to gRPC)."""
    yield spec.stream_request(header=spec.stream_header(content_header=payload.header(), **fields))
    sent = 0
    for chunk in payload.chunks(chunk_bytes):
        yield spec.stream_request(chunk=chunk)
        sent += len(chunk)
        if progress is not None:
            progress("upload", sent, payload.size)


def content_response(spec: VerbSpec, result: Message | None, content: bytearray) -> Message:
    """A Stamp/Label stream's parts reassembled as the unary response."""
    if result is None:
        raise ServiceError("the stream ended without a result message", code=grpc.StatusCode.INTERNAL)
    return spec.response(result=result, content=bytes(content))


class OutputFile:
    """Result content written to a file as it arrives: a temporary sibling, renamed into place on success.

    A retried attempt starts the file over; a failed call leaves no file behind.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._handle: BinaryIO | None = None
        self._temporary: Path | None = None

    def __enter__(self) -> OutputFile:
        fd, name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent)
        self._temporary, self._handle = Path(name), os.fdopen(fd, "wb")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        assert self._handle is not None and self._temporary is not None
        self._handle.close()
        if exc_type is None:
            os.replace(self._temporary, self.path)
        else:
            self._temporary.unlink(missing_ok=True)

    def restart(self) -> None:
        """Empty the file for a new attempt."""
        assert self._handle is not None
        self._handle.seek(0)
        self._handle.truncate()

    def write(self, data: bytes) -> None:
        assert self._handle is not None
        self._handle.write(data)


def unary_into(response: Message, sink: OutputFile | None) -> Message:
    """A unary Stamp/Label response with its content moved into ``sink`` (when there is one)."""
    if sink is not None and hasattr(response, "content"):
        sink.restart()
        sink.write(response.content)  # type: ignore[attr-defined]
        response.ClearField("content")
    return response


def call_stream(
    stub: Any,
    spec: VerbSpec,
    payload: Payload,
    fields: dict[str, Any],
    *,
    chunk_bytes: int,
    timeout: float,
    metadata: tuple[tuple[str, str], ...],
    sink: OutputFile | None = None,
    progress: Progress | None = None,
) -> Message:
    """One blocking attempt over ``<Verb>Stream``, answered as the unary response would be.

    With a ``sink`` the content chunks go to that file as they arrive, never held in memory.
    ``progress`` is told the bytes uploaded, then the bytes of the output downloaded (its total from
    the result, which comes first).
    """
    parts = stream_messages(spec, payload, fields, chunk_bytes, progress)
    reply = getattr(stub, spec.method + "Stream")(parts, timeout=timeout, metadata=metadata)
    if not spec.returns_content:
        return unary_twin(spec, reply)
    if sink is not None:
        sink.restart()
    result, content, received = None, bytearray(), 0
    for part in reply:
        if part.WhichOneof("part") == "result":
            result = part.result
            continue
        if sink is not None:
            sink.write(part.chunk)
        else:
            content += part.chunk
        received += len(part.chunk)
        if progress is not None:
            progress("download", received, result.output.size_bytes if result is not None else 0)
    return content_response(spec, result, content)


def unary_twin(spec: VerbSpec, reply: Message) -> Message:
    """An Inspect/Verify stream's reply as the unary response (the same fields)."""
    return spec.response(**{f.name: getattr(reply, f.name) for f in reply.DESCRIPTOR.fields})


def stamp_fields(
    *,
    producer_code: str,
    model: str,
    prompt_id: str,
    notice_text: str,
    notice_corner: int,
    omit_visible_notice: bool,
    omit_reason: str,
    recipient: str,
    request_id: str | None,
) -> dict[str, Any]:
    """The Stamp request's fields besides the content."""
    return {
        "request_id": request_id or new_request_id(),
        "options": api.StampOptions(
            producer_code=producer_code,
            model=model,
            prompt_id=prompt_id,
            notice_text=notice_text,
            notice_corner=int(notice_corner),
            omit_visible_notice=omit_visible_notice,
            omit_reason=omit_reason,
            recipient=recipient,
        ),
    }


def label_fields(
    *,
    platform_code: str,
    user_declared_ai: bool,
    notice_text: str,
    notice_corner: int,
    skip_visible_notice: bool,
    request_id: str | None,
) -> dict[str, Any]:
    """The Label request's fields besides the content."""
    return {
        "request_id": request_id or new_request_id(),
        "options": api.LabelOptions(
            platform_code=platform_code,
            user_declared_ai=user_declared_ai,
            notice_text=notice_text,
            notice_corner=int(notice_corner),
            skip_visible_notice=skip_visible_notice,
        ),
    }


def read_fields(*, request_id: str, c2pa_sidecar: Content | None, include_html: bool | None = None) -> dict[str, Any]:
    """Inspect's and Verify's fields besides the content (``include_html`` only for Verify)."""
    sidecar = b""
    if isinstance(c2pa_sidecar, (bytes, bytearray, memoryview)):
        sidecar = bytes(c2pa_sidecar)
    elif c2pa_sidecar is not None:
        sidecar = Path(c2pa_sidecar).read_bytes()
    fields: dict[str, Any] = {"request_id": request_id, "c2pa_sidecar": sidecar}
    if include_html is not None:
        fields["options"] = api.VerifyOptions(include_html=include_html)
    return fields


LOOKUP_KEYS = ("produce_id", "propagate_id", "sha256", "request_id", "watermark_id", "similar_content")


def lookup_request(
    keys: dict[str, str | bytes | None], limit: int, *, page_token: str = "", max_distance: int = 0
) -> api.LookupRequest:
    """A LookupRequest with exactly one key (``similar_content``: the nearest perceptual hashes).

    Raises:
        ValueError: none or several keys given.
    """
    given = {name: value for name, value in keys.items() if value}
    if len(given) != 1:
        raise ValueError(f"give exactly one of {', '.join(LOOKUP_KEYS)}")
    return api.LookupRequest(**given, limit=limit, page_token=page_token, max_distance=max_distance)
