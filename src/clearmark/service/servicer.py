"""The gRPC servicer: authentication, deadlines, streams and the error table around ClearMarkApp."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message
from grpc_status import rpc_status

from clearmark.core.errors import ClearMarkError
from clearmark.media.source import Source
from clearmark.service.app import ClearMarkApp
from clearmark.service.auth import DEFAULT_TENANT, Authenticator
from clearmark.service.errors import plain_status, rich_status
from clearmark.service.uploads import chunked, receive_upload
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc

log = logging.getLogger(__name__)
T = TypeVar("T")
M = TypeVar("M", bound=Message)


class ClearMarkServicer(api_grpc.ClearMarkServiceServicer):
    """Thin: every RPC resolves the tenant and deadline, runs the app, and maps errors once."""

    def __init__(self, app: ClearMarkApp, authenticator: Authenticator) -> None:
        self._app = app
        self._auth = authenticator

    async def _run(
        self,
        context: grpc.aio.ServicerContext,
        work: Callable[[str, float | None], Awaitable[T]],
        *,
        streamed: bool = False,
    ) -> T:
        tenant = self._auth.tenant_for(context.invocation_metadata()) or DEFAULT_TENANT
        status = None
        try:
            return await work(tenant, context.time_remaining())
        except ClearMarkError as error:
            log.info("%s: %s (%s)", type(error).__name__, error.message, error.reason)
            status = rich_status(error, streamed=streamed)
        except Exception:
            log.exception("unexpected failure")
            status = plain_status(grpc.StatusCode.INTERNAL, "internal error; see the server log", "INTERNAL")
        await context.abort_with_status(rpc_status.to_status(status))
        raise AssertionError("unreachable: abort raises")

    @contextlib.asynccontextmanager
    async def _upload(self, requests: AsyncIterator[Any], request_type: type[M]) -> AsyncIterator[tuple[M, Source]]:
        """Receive a header-then-chunks upload as the unary request of the same verb, content on disk.

        The header's fields that the unary request also has (request id, options, a C2PA sidecar)
        are carried over, so each stream RPC runs exactly the code of its unary twin; the content
        stays in the spool file, which is removed when the block exits.
        """
        settings = self._app.settings
        async with receive_upload(
            requests, max_bytes=settings.max_stream_bytes, spool_dir=settings.data_dir / "spool"
        ) as upload:
            header = upload.header
            names = request_type.DESCRIPTOR.fields_by_name
            fields: dict[str, Any] = {"request_id": header.request_id, "content_header": header.content_header}
            carried = ("options", "c2pa_sidecar", "campaign")
            fields.update({name: getattr(header, name) for name in carried if name in names})
            yield request_type(**fields), upload.source

    def _stream_back(self, response: Any, part_type: type[M]) -> Iterator[M]:
        """A Stamp/Label response as a result message followed by content chunks."""
        yield part_type(result=response.result)
        for chunk in chunked(response.content, self._app.settings.stream_chunk_bytes):
            yield part_type(chunk=chunk)

    async def Stamp(self, request: api.StampRequest, context: grpc.aio.ServicerContext) -> api.StampResponse:
        return await self._run(context, lambda tenant, timeout: self._app.stamp(request, tenant, timeout))

    async def StampStream(
        self, request_iterator: AsyncIterator[api.StampStreamRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[api.StampStreamResponse]:
        async def work(tenant: str, timeout: float | None) -> api.StampResponse:
            async with self._upload(request_iterator, api.StampRequest) as (request, source):
                return await self._app.stamp(request, tenant, context.time_remaining(), source=source)

        for part in self._stream_back(await self._run(context, work, streamed=True), api.StampStreamResponse):
            yield part

    async def Inspect(self, request: api.InspectRequest, context: grpc.aio.ServicerContext) -> api.InspectResponse:
        return await self._run(context, lambda tenant, timeout: self._app.inspect(request, timeout, tenant=tenant))

    async def InspectStream(
        self, request_iterator: AsyncIterator[api.InspectStreamRequest], context: grpc.aio.ServicerContext
    ) -> api.InspectStreamResponse:
        async def work(tenant: str, timeout: float | None) -> api.InspectStreamResponse:
            async with self._upload(request_iterator, api.InspectRequest) as (request, source):
                response = await self._app.inspect(request, context.time_remaining(), source=source, tenant=tenant)
            return api.InspectStreamResponse(inspection=response.inspection)

        return await self._run(context, work, streamed=True)

    async def Label(self, request: api.LabelRequest, context: grpc.aio.ServicerContext) -> api.LabelResponse:
        return await self._run(context, lambda tenant, timeout: self._app.label(request, tenant, timeout))

    async def LabelStream(
        self, request_iterator: AsyncIterator[api.LabelStreamRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[api.LabelStreamResponse]:
        async def work(tenant: str, timeout: float | None) -> api.LabelResponse:
            async with self._upload(request_iterator, api.LabelRequest) as (request, source):
                return await self._app.label(request, tenant, context.time_remaining(), source=source)

        for part in self._stream_back(await self._run(context, work, streamed=True), api.LabelStreamResponse):
            yield part

    async def Verify(self, request: api.VerifyRequest, context: grpc.aio.ServicerContext) -> api.VerifyResponse:
        return await self._run(context, lambda tenant, timeout: self._app.verify(request, timeout))

    async def VerifyStream(
        self, request_iterator: AsyncIterator[api.VerifyStreamRequest], context: grpc.aio.ServicerContext
    ) -> api.VerifyStreamResponse:
        async def work(tenant: str, timeout: float | None) -> api.VerifyStreamResponse:
            async with self._upload(request_iterator, api.VerifyRequest) as (request, source):
                response = await self._app.verify(request, context.time_remaining(), source=source)
            return api.VerifyStreamResponse(inspection=response.inspection, report=response.report)

        return await self._run(context, work, streamed=True)

    async def Lookup(self, request: api.LookupRequest, context: grpc.aio.ServicerContext) -> api.LookupResponse:
        return await self._run(context, lambda tenant, timeout: self._app.lookup(request, tenant))

    async def CheckTexts(
        self, request: api.CheckTextsRequest, context: grpc.aio.ServicerContext
    ) -> api.CheckTextsResponse:
        return await self._run(context, lambda tenant, timeout: self._app.check_texts(request, tenant, timeout))
