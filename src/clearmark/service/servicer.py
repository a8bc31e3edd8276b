"""The gRPC servicer: authentication, deadlines, streams and the error table around ClearMarkApp."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import grpc
from grpc_status import rpc_status

from clearmark.core.errors import ClearMarkError
from clearmark.service.app import ClearMarkApp
from clearmark.service.auth import DEFAULT_TENANT, Authenticator
from clearmark.service.errors import plain_status, rich_status
from clearmark.service.uploads import chunked, receive_upload
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc

log = logging.getLogger(__name__)
T = TypeVar("T")


class ClearMarkServicer(api_grpc.ClearMarkServiceServicer):
    """Thin: every RPC resolves the tenant and deadline, runs the app, and maps errors once."""

    def __init__(self, app: ClearMarkApp, authenticator: Authenticator) -> None:
        self._app = app
        self._auth = authenticator

    async def _run(self, context: grpc.aio.ServicerContext, work: Callable[[str, float | None], Awaitable[T]]) -> T:
        tenant = self._auth.tenant_for(context.invocation_metadata()) or DEFAULT_TENANT
        status = None
        try:
            return await work(tenant, context.time_remaining())
        except ClearMarkError as error:
            log.info("%s: %s (%s)", type(error).__name__, error.message, error.reason)
            status = rich_status(error)
        except Exception:
            log.exception("unexpected failure")
            status = plain_status(grpc.StatusCode.INTERNAL, "internal error; see the server log", "INTERNAL")
        await context.abort_with_status(rpc_status.to_status(status))
        raise AssertionError("unreachable: abort raises")

    def _upload(self, requests: AsyncIterator[Any]) -> Awaitable[Any]:
        settings = self._app.settings
        return receive_upload(requests, max_bytes=settings.max_stream_bytes, spool_dir=settings.data_dir / "spool")

    async def Stamp(self, request: api.StampRequest, context: grpc.aio.ServicerContext) -> api.StampResponse:
        return await self._run(context, lambda tenant, timeout: self._app.stamp(request, tenant, timeout))

    async def StampStream(
        self, request_iterator: AsyncIterator[api.StampStreamRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[api.StampStreamResponse]:
        async def work(tenant: str, timeout: float | None) -> api.StampResponse:
            upload = await self._upload(request_iterator)
            header = upload.header
            request = api.StampRequest(
                request_id=header.request_id, content=upload.content, header=header.content, options=header.options
            )
            return await self._app.stamp(request, tenant, context.time_remaining())

        response = await self._run(context, work)
        yield api.StampStreamResponse(result=response.result)
        for chunk in chunked(response.content, self._app.settings.stream_chunk_bytes):
            yield api.StampStreamResponse(chunk=chunk)

    async def Inspect(self, request: api.InspectRequest, context: grpc.aio.ServicerContext) -> api.InspectResponse:
        return await self._run(context, lambda tenant, timeout: self._app.inspect(request, timeout))

    async def InspectStream(
        self, request_iterator: AsyncIterator[api.InspectStreamRequest], context: grpc.aio.ServicerContext
    ) -> api.InspectStreamResponse:
        async def work(tenant: str, timeout: float | None) -> api.InspectStreamResponse:
            upload = await self._upload(request_iterator)
            request = api.InspectRequest(
                request_id=upload.header.request_id, content=upload.content, c2pa_sidecar=upload.header.c2pa_sidecar
            )
            response = await self._app.inspect(request, context.time_remaining())
            return api.InspectStreamResponse(inspection=response.inspection)

        return await self._run(context, work)

    async def Label(self, request: api.LabelRequest, context: grpc.aio.ServicerContext) -> api.LabelResponse:
        return await self._run(context, lambda tenant, timeout: self._app.label(request, tenant, timeout))

    async def LabelStream(
        self, request_iterator: AsyncIterator[api.LabelStreamRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[api.LabelStreamResponse]:
        async def work(tenant: str, timeout: float | None) -> api.LabelResponse:
            upload = await self._upload(request_iterator)
            header = upload.header
            request = api.LabelRequest(
                request_id=header.request_id, content=upload.content, header=header.content, options=header.options
            )
            return await self._app.label(request, tenant, context.time_remaining())

        response = await self._run(context, work)
        yield api.LabelStreamResponse(result=response.result)
        for chunk in chunked(response.content, self._app.settings.stream_chunk_bytes):
            yield api.LabelStreamResponse(chunk=chunk)

    async def Verify(self, request: api.VerifyRequest, context: grpc.aio.ServicerContext) -> api.VerifyResponse:
        return await self._run(context, lambda tenant, timeout: self._app.verify(request, timeout))

    async def VerifyStream(
        self, request_iterator: AsyncIterator[api.VerifyStreamRequest], context: grpc.aio.ServicerContext
    ) -> api.VerifyStreamResponse:
        async def work(tenant: str, timeout: float | None) -> api.VerifyStreamResponse:
            upload = await self._upload(request_iterator)
            header = upload.header
            request = api.VerifyRequest(
                request_id=header.request_id,
                content=upload.content,
                options=header.options,
                c2pa_sidecar=header.c2pa_sidecar,
            )
            response = await self._app.verify(request, context.time_remaining())
            return api.VerifyStreamResponse(inspection=response.inspection, report=response.report)

        return await self._run(context, work)

    async def Lookup(self, request: api.LookupRequest, context: grpc.aio.ServicerContext) -> api.LookupResponse:
        return await self._run(context, lambda tenant, timeout: self._app.lookup(request, tenant))
