"""The asyncio client: ``await AsyncClient("host:port").stamp(data, producer_code=...)`` and the other verbs."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from types import TracebackType
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message

from clearmark.client import results
from clearmark.client.calls import (
    VERBS,
    ClientOptions,
    Content,
    OutputFile,
    Payload,
    Progress,
    call_stream,
    idempotent_fields,
    label_fields,
    lookup_request,
    read_fields,
    stamp_fields,
    unary_into,
    unary_request,
)
from clearmark.core.enums import Corner
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc

T = TypeVar("T")


class AsyncClient:
    """The asyncio twin of Client (same arguments, same results); use as an async context manager.

    Create it inside the event loop that uses it (grpc.aio channels belong to one loop).

    Content over ``stream_above_bytes`` goes over the streaming RPCs (a file path is read in chunks,
    never whole); smaller content over the unary ones. Every call is retried on the codes of the
    retry policy, within one deadline for all attempts. Stamp and Label always send a request id
    (one is made up when none is given), so a retry never stamps twice.

    Args:
        target: ``host:port``.
        options: a ClientOptions; keyword arguments override its fields (``api_key=``, ``tls=``,
            ``timeout_s=``, ``retry=``, ...).
    """

    def __init__(self, target: str, options: ClientOptions | None = None, **overrides: Any) -> None:
        self.options = replace(options or ClientOptions(), **overrides)
        credentials = self.options.credentials()
        channel_options = self.options.channel_options()
        self.channel: grpc.aio.Channel = (
            grpc.aio.secure_channel(target, credentials, options=channel_options)
            if credentials
            else grpc.aio.insecure_channel(target, options=channel_options)
        )
        self.stub = api_grpc.ClearMarkServiceStub(self.channel)
        self._target = target
        self._blocking: grpc.Channel | None = None

    def _stream_stub(self) -> api_grpc.ClearMarkServiceStub:
        """A stub on a blocking channel to the same target, opened on first use."""
        if self._blocking is None:
            credentials = self.options.credentials()
            options = self.options.channel_options()
            self._blocking = (
                grpc.secure_channel(self._target, credentials, options=options)
                if credentials
                else grpc.insecure_channel(self._target, options=options)
            )
        return api_grpc.ClearMarkServiceStub(self._blocking)

    async def close(self) -> None:
        """Close the channels."""
        await self.channel.close()
        if self._blocking is not None:
            self._blocking.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def _retrying(self, attempt_once: Callable[[float], Awaitable[T]], timeout: float | None) -> T:
        policy = self.options.retry
        deadline = time.monotonic() + (timeout if timeout is not None else self.options.timeout_s)
        attempt = 0
        while True:
            attempt += 1
            try:
                return await attempt_once(max(0.001, deadline - time.monotonic()))
            except grpc.RpcError as raw:
                await asyncio.sleep(policy.pause_or_raise(attempt, raw, deadline, time.monotonic()))

    async def _content_call(
        self,
        verb: str,
        payload: Payload,
        fields: dict[str, Any],
        timeout: float | None,
        output: str | os.PathLike[str] | None = None,
        progress: Progress | None = None,
    ) -> Message:
        spec = VERBS[verb]
        metadata = self.options.metadata()
        streamed = payload.size > self.options.stream_above_bytes

        async def attempt_once(remaining: float) -> Message:
            if not streamed:
                request = unary_request(spec, payload, fields)
                response = await getattr(self.stub, spec.method)(request, timeout=remaining, metadata=metadata)
                return unary_into(response, sink)
            # Uploads run on a blocking channel in a worker thread: grpc.aio reports "INTERNAL:
            # Internal error from Core" instead of the server's status when the server ends a
            # client stream early (an auth denial, a limit) while chunks are still being written
            # (grpc/grpc#36066, open in grpcio 1.85). The thread also keeps file reads off the loop.
            return await asyncio.to_thread(
                call_stream,
                self._stream_stub(),
                spec,
                payload,
                fields,
                chunk_bytes=self.options.chunk_bytes,
                timeout=remaining,
                metadata=metadata,
                sink=sink,
                progress=progress,
            )

        with OutputFile(output) if output is not None else contextlib.nullcontext() as sink:
            return await self._retrying(attempt_once, timeout)

    async def call(
        self,
        verb: str,
        content: Content,
        fields: Mapping[str, Any],
        *,
        filename: str = "",
        timeout: float | None = None,
        output: str | os.PathLike[str] | None = None,
        progress: Progress | None = None,
    ) -> Message:
        """The wire-level call behind ``stamp``/``inspect``/``label``/``verify``: the unary response.

        ``fields`` are the request's fields besides the content (``request_id``, ``options``,
        ``c2pa_sidecar``); a stream's parts come back reassembled as the unary response message.
        With ``output`` a Stamp/Label's content goes to that file instead (the response's ``content``
        left empty); ``progress`` is told the bytes moved on a streaming call.
        """
        payload = Payload.of(content, filename)
        request_fields = idempotent_fields(verb, dict(fields))
        return await self._content_call(verb, payload, request_fields, timeout, output, progress)

    async def stamp(
        self,
        content: Content,
        *,
        producer_code: str,
        model: str = "",
        prompt_id: str = "",
        notice_text: str = "",
        notice_corner: Corner = Corner.CORNER_UNSPECIFIED,
        omit_visible_notice: bool = False,
        omit_reason: str = "",
        recipient: str = "",
        request_id: str | None = None,
        filename: str = "",
        output: str | os.PathLike[str] | None = None,
        timeout: float | None = None,
    ) -> results.StampResult:
        """Stamp generated content (bytes or a file path) with every label.

        Raises:
            InvalidMedia, InvalidRequest, UnsupportedFormat, MediaTooLarge, LabelConflict,
            RequestConflict, Unauthenticated, DeadlineExceeded, RpcFailed (clearmark.client.errors).
        """
        fields = stamp_fields(
            producer_code=producer_code,
            model=model,
            prompt_id=prompt_id,
            notice_text=notice_text,
            notice_corner=notice_corner,
            omit_visible_notice=omit_visible_notice,
            omit_reason=omit_reason,
            recipient=recipient,
            request_id=request_id,
        )
        response = await self._content_call("stamp", Payload.of(content, filename), fields, timeout, output)
        return results.stamp_result(response.result, response.content, output)  # type: ignore[attr-defined]

    async def inspect(
        self,
        content: Content,
        *,
        c2pa_sidecar: Content | None = None,
        request_id: str = "",
        filename: str = "",
        timeout: float | None = None,
    ) -> results.InspectResult:
        """Every signal in the content, the Art. 6 category and the findings. Read-only."""
        fields = read_fields(request_id=request_id, c2pa_sidecar=c2pa_sidecar)
        response = await self._content_call("inspect", Payload.of(content, filename), fields, timeout)
        return results.inspect_result(response)  # type: ignore[arg-type]

    async def label(
        self,
        content: Content,
        *,
        platform_code: str,
        user_declared_ai: bool = False,
        notice_text: str = "",
        notice_corner: Corner = Corner.CORNER_UNSPECIFIED,
        skip_visible_notice: bool = False,
        request_id: str | None = None,
        filename: str = "",
        output: str | os.PathLike[str] | None = None,
        timeout: float | None = None,
    ) -> results.LabelResult:
        """Apply a platform's Art. 6 labels to an upload (bytes or a file path)."""
        fields = label_fields(
            platform_code=platform_code,
            user_declared_ai=user_declared_ai,
            notice_text=notice_text,
            notice_corner=notice_corner,
            skip_visible_notice=skip_visible_notice,
            request_id=request_id,
        )
        response = await self._content_call("label", Payload.of(content, filename), fields, timeout, output)
        return results.label_result(response.result, response.content, output)  # type: ignore[attr-defined]

    async def verify(
        self,
        content: Content,
        *,
        include_html: bool = False,
        c2pa_sidecar: Content | None = None,
        request_id: str = "",
        filename: str = "",
        timeout: float | None = None,
    ) -> results.VerifyResult:
        """The GB 45438 compliance report of the content (with an HTML page when asked)."""
        fields = read_fields(request_id=request_id, c2pa_sidecar=c2pa_sidecar, include_html=include_html)
        response = await self._content_call("verify", Payload.of(content, filename), fields, timeout)
        return results.verify_result(response)  # type: ignore[arg-type]

    async def lookup(
        self,
        *,
        produce_id: str | None = None,
        propagate_id: str | None = None,
        sha256: str | None = None,
        request_id: str | None = None,
        watermark_id: str | None = None,
        similar_content: bytes | None = None,
        limit: int = 0,
        page_token: str = "",
        max_distance: int = 0,
        timeout: float | None = None,
    ) -> results.LookupResult:
        """Registry records of the caller's tenant by exactly one key, newest first.

        ``similar_content`` finds the records whose perceptual hash is nearest the content's (within
        ``max_distance``; 0: the server's threshold). ``page_token`` asks for the page after a
        previous result's ``next_page_token``.

        Raises:
            RecordNotFound: nothing for this tenant.
            ValueError: none or several keys given.
        """
        request = lookup_request(
            {
                "produce_id": produce_id,
                "propagate_id": propagate_id,
                "sha256": sha256,
                "request_id": request_id,
                "watermark_id": watermark_id,
                "similar_content": similar_content,
            },
            limit,
            page_token=page_token,
            max_distance=max_distance,
        )
        metadata = self.options.metadata()
        response = await self._retrying(
            lambda remaining: self.stub.Lookup(request, timeout=remaining, metadata=metadata), timeout
        )
        return results.lookup_result(response)
