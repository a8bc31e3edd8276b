"""Per-RPC observation: the access-log line and metrics of every ClearMark RPC, and the version in response metadata.

Only metadata is recorded (method, request id, tenant, status code, duration, message sizes,
verdicts); never content, keys or API keys.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import grpc
from google.protobuf.message import Message

from clearmark.service.auth import SERVICE, Authenticator
from clearmark.service.logs import ACCESS_LOGGER
from clearmark.service.metrics import Metrics
from clearmark.v1 import types_pb2 as pb

access_log = logging.getLogger(ACCESS_LOGGER)
HEALTH_CHECK = "/grpc.health.v1.Health/Check"
REFLECTION = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"


def _inspection_of(message: Message) -> pb.Inspection | None:
    """The Inspection a response (or a stream part) carries, directly or in its result."""
    holders = [message]
    if "result" in message.DESCRIPTOR.fields_by_name and message.HasField("result"):
        holders.append(message.result)
    for holder in holders:
        if "inspection" in holder.DESCRIPTOR.fields_by_name and holder.HasField("inspection"):
            return holder.inspection
    return None


class _Call:
    """What one RPC did, accumulated while it runs and reported once when it ends."""

    def __init__(self, method: str, metrics: Metrics | None, tenant: str, peer: str) -> None:
        self.method = method
        self.metrics = metrics
        self.tenant = tenant
        self.peer = peer
        self.request_id = ""
        self.bytes_in = 0
        self.bytes_out = 0
        self.started = time.perf_counter()

    def received(self, message: Message) -> None:
        self.bytes_in += message.ByteSize()
        if not self.request_id:
            header = getattr(message, "header", None) if "header" in message.DESCRIPTOR.fields_by_name else None
            holder = header if header is not None and message.HasField("header") else message
            self.request_id = str(getattr(holder, "request_id", "") or "")

    async def counted(self, requests: AsyncIterator[Message]) -> AsyncIterator[Message]:
        async for message in requests:
            self.received(message)
            yield message

    def sent(self, message: Message) -> None:
        self.bytes_out += message.ByteSize()
        result = getattr(message, "result", None) if "result" in message.DESCRIPTOR.fields_by_name else None
        if result is not None and message.HasField("result") and getattr(result, "request_id", ""):
            self.request_id = result.request_id
        if self.metrics is None:
            return
        inspection = _inspection_of(message)
        if inspection is not None:
            self.metrics.categories.labels(self.method, pb.Category.Name(inspection.category)).inc()
            self.metrics.suggestions.labels(self.method, pb.Suggestion.Name(inspection.campaign.suggestion)).inc()
        if "report" in message.DESCRIPTOR.fields_by_name and message.HasField("report"):
            self.metrics.compliance.labels(str(message.report.compliant).lower()).inc()

    def finish(self, code: str) -> None:
        seconds = time.perf_counter() - self.started
        if self.metrics is not None:
            self.metrics.requests.labels(self.method, code).inc()
            self.metrics.latency.labels(self.method).observe(seconds)
            self.metrics.received.labels(self.method).inc(self.bytes_in)
            self.metrics.sent.labels(self.method).inc(self.bytes_out)
            self.metrics.request_size.labels(self.method).observe(self.bytes_in)
        fields = {
            "rpc_method": self.method,
            "request_id": self.request_id,
            "tenant": self.tenant,
            "code": code,
            "duration_ms": round(seconds * 1000, 1),
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "peer": self.peer,
        }
        access_log.info(
            "%s %s %.1f ms tenant=%s request_id=%s in=%d out=%d",
            self.method,
            code,
            fields["duration_ms"],
            self.tenant or "-",
            self.request_id or "-",
            self.bytes_in,
            self.bytes_out,
            extra=fields,
        )


def _code_of(context: grpc.aio.ServicerContext, error: BaseException) -> str:
    if isinstance(error, asyncio.CancelledError):
        return "CANCELLED"
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code.name
    if isinstance(code, int):
        return next((c.name for c in grpc.StatusCode if c.value[0] == code), "UNKNOWN")
    return "UNKNOWN"


class ObservingInterceptor(grpc.aio.ServerInterceptor):
    """Wraps ClearMark RPCs to log and count them; adds the server version to their and health's metadata."""

    def __init__(
        self, metrics: Metrics | None, authenticator: Authenticator, version_metadata: Sequence[tuple[str, str]]
    ) -> None:
        self._metrics = metrics
        self._auth = authenticator
        self._version = tuple(version_metadata)

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None:
            return handler
        if details.method == HEALTH_CHECK:
            return self._with_version(handler)
        if details.method == REFLECTION:
            return self._reflection_with_version(handler)
        if not details.method.startswith(SERVICE):
            return handler
        return self._observed(handler, details)

    def _with_version(self, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        inner = handler.unary_unary
        version = self._version

        async def check(request: Any, context: grpc.aio.ServicerContext) -> Any:
            await context.send_initial_metadata(version)
            return await inner(request, context)

        return grpc.unary_unary_rpc_method_handler(
            check, request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer
        )

    def _reflection_with_version(self, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        inner = handler.stream_stream
        version = self._version

        async def reflect(requests: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            await context.send_initial_metadata(version)
            async for response in inner(requests, context):
                yield response

        return grpc.stream_stream_rpc_method_handler(
            reflect, request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer
        )

    def _observed(self, handler: grpc.RpcMethodHandler, details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
        method = details.method.rsplit("/", 1)[-1]
        tenant = self._auth.tenant_for(details.invocation_metadata) or ("" if self._auth.enabled else "default")
        metrics, version = self._metrics, self._version
        streaming_in, streaming_out = handler.request_streaming, handler.response_streaming
        inner = {
            (False, False): handler.unary_unary,
            (True, False): handler.stream_unary,
            (False, True): handler.unary_stream,
            (True, True): handler.stream_stream,
        }[(streaming_in, streaming_out)]

        def start(request: Any, context: grpc.aio.ServicerContext) -> tuple[_Call, Any]:
            call = _Call(method, metrics, tenant, context.peer())
            if streaming_in:
                return call, call.counted(request)
            call.received(request)
            return call, request

        async def unary_out(request: Any, context: grpc.aio.ServicerContext) -> Any:
            call, request = start(request, context)
            await context.send_initial_metadata(version)
            try:
                response = await inner(request, context)
            except BaseException as error:
                call.finish(_code_of(context, error))
                raise
            call.sent(response)
            call.finish("OK")
            return response

        async def stream_out(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            call, request = start(request, context)
            await context.send_initial_metadata(version)
            try:
                produced = inner(request, context)
                if inspect.isasyncgen(produced):
                    async for part in produced:
                        call.sent(part)
                        yield part
                else:  # a handler that writes with context.write (or only aborts)
                    await produced
            except BaseException as error:
                call.finish(_code_of(context, error))
                raise
            call.finish("OK")

        make = {
            (False, False): grpc.unary_unary_rpc_method_handler,
            (True, False): grpc.stream_unary_rpc_method_handler,
            (False, True): grpc.unary_stream_rpc_method_handler,
            (True, True): grpc.stream_stream_rpc_method_handler,
        }[(streaming_in, streaming_out)]
        return make(
            stream_out if streaming_out else unary_out,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
