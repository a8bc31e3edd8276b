"""API-key authentication: keys kept only as SHA-256 hashes, compared in constant time, and tenant resolution."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, Mapping, Sequence

import grpc
from grpc_status import rpc_status

from clearmark.service.errors import plain_status

DEFAULT_TENANT = "default"
SERVICE = "/clearmark.v1.ClearMarkService/"
MUTATING = frozenset(SERVICE + m for m in ("Stamp", "StampStream", "Label", "LabelStream", "Lookup"))
READ_ONLY = frozenset(SERVICE + m for m in ("Inspect", "InspectStream", "Verify", "VerifyStream", "CheckTexts"))


def hash_api_key(key: str) -> str:
    """The at-rest form of an API key: ``sha256:<hex>``.

    API keys are long random secrets (at least 16 characters), so one unsalted SHA-256 is enough
    to keep a leaked config file from revealing them, and cheap enough to run on every RPC.
    """
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class Authenticator:
    """Maps API keys (``x-api-key`` or ``authorization: Bearer``) to tenants.

    Only hashes are kept; the presented key is hashed and compared with every stored hash in
    constant time, so neither a match nor its position shows in the timing.

    Args:
        api_keys: plain key -> tenant (hashed here and not kept).
        api_key_hashes: ``sha256:<hex>`` -> tenant.
    """

    def __init__(self, api_keys: Mapping[str, str], api_key_hashes: Mapping[str, str] | None = None) -> None:
        hashed = {hash_api_key(key): tenant for key, tenant in api_keys.items()}
        hashed.update(api_key_hashes or {})
        self._keys = [(bytes.fromhex(digest.partition(":")[2]), tenant) for digest, tenant in hashed.items()]

    @property
    def enabled(self) -> bool:
        return bool(self._keys)

    def tenant_for(self, metadata: Sequence[tuple[str, str | bytes]] | None) -> str | None:
        """The tenant of the presented key; DEFAULT_TENANT when auth is off; None when the key is bad."""
        if not self.enabled:
            return DEFAULT_TENANT
        presented = b""
        for name, value in metadata or ():
            text = value.decode() if isinstance(value, bytes) else value
            if name == "x-api-key":
                presented = text.encode()
            elif name == "authorization" and text.lower().startswith("bearer "):
                presented = text[7:].strip().encode()
        if not presented:
            return None
        digest = hashlib.sha256(presented).digest()
        tenant = None
        for key, owner in self._keys:
            if hmac.compare_digest(key, digest):
                tenant = owner
        return tenant


class ApiKeyInterceptor(grpc.aio.ServerInterceptor):
    """Refuses guarded RPCs without a valid key; health and reflection always stay open."""

    def __init__(self, authenticator: Authenticator, *, guard_reads: bool) -> None:
        self._auth = authenticator
        self._guarded = MUTATING | (READ_ONLY if guard_reads else frozenset())

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if not self._auth.enabled or handler_call_details.method not in self._guarded:
            return handler
        if self._auth.tenant_for(handler_call_details.invocation_metadata) is not None:
            return handler
        return _denying(handler)


def _denying(handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    status = rpc_status.to_status(
        plain_status(grpc.StatusCode.UNAUTHENTICATED, "a valid API key is required (x-api-key)", "UNAUTHENTICATED")
    )

    async def deny(_request: object, context: grpc.aio.ServicerContext) -> None:
        await context.abort_with_status(status)

    kinds = {
        (False, False): grpc.unary_unary_rpc_method_handler,
        (True, False): grpc.stream_unary_rpc_method_handler,
        (False, True): grpc.unary_stream_rpc_method_handler,
        (True, True): grpc.stream_stream_rpc_method_handler,
    }
    make = kinds[(handler.request_streaming, handler.response_streaming)]
    return make(
        deny, request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer
    )
