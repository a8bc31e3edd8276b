"""The gRPC servicer: authentication, deadlines, streams and the error table around ClearMarkApp."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message
from grpc_status import rpc_status

from clearmark.core.errors import ClearMarkError
from clearmark.media.source import Source
from clearmark.service.app import ClearMarkApp, Output
from clearmark.service.auth import DEFAULT_TENANT, Authenticator
from clearmark.service.errors import plain_status, rich_status
from clearmark.service.uploads import receive_upload
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

    async def _produce_stream(
        self,
        request_iterator: AsyncIterator[Any],
        context: grpc.aio.ServicerContext,
        request_type: type[M],
        produce: Callable[..., Awaitable[Output[Any]]],
        part_type: type[Message],
    ) -> AsyncIterator[Any]:
        """A Stamp/Label stream: upload in, then a result message and the output in chunks read from its file.

        The spooled upload and the request's work directory stay until the last chunk is sent (or the
        call fails, is cancelled or runs out of time), then both are removed.
        """
        async with contextlib.AsyncExitStack() as resources:

            async def work(tenant: str, timeout: float | None) -> Output[Any]:
                request, source = await resources.enter_async_context(self._upload(request_iterator, request_type))
                work_dir = await resources.enter_async_context(self._app.workspace())
                return await produce(request, tenant, context.time_remaining(), source=source, work_dir=work_dir)

            output = await self._run(context, work, streamed=True)
            yield part_type(result=output.result)
            for chunk in Source.of(output.content).chunks(self._app.settings.stream_chunk_bytes):
                yield part_type(chunk=chunk)

    async def Stamp(self, request: api.StampRequest, context: grpc.aio.ServicerContext) -> api.StampResponse:
        return await self._run(context, lambda tenant, timeout: self._app.stamp(request, tenant, timeout))

    async def StampStream(
        self, request_iterator: AsyncIterator[api.StampStreamRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[api.StampStreamResponse]:
        parts = self._produce_stream(
            request_iterator, context, api.StampRequest, self._app.stamp_output, api.StampStreamResponse
        )
        async for part in parts:
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
        parts = self._produce_stream(
            request_iterator, context, api.LabelRequest, self._app.label_output, api.LabelStreamResponse
        )
        async for part in parts:
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
