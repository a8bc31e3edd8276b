"""A real gRPC proxy in front of a ClearMark server: forwards bytes, can fail calls, can speak TLS.

It is how the client tests see what went over the wire (which RPC, which request id, how many
attempts) and how they meet transport faults and TLS, with a real server behind it.
"""

from __future__ import annotations

import datetime
import itertools
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from grpc_status import rpc_status

from clearmark.v1 import clearmark_service_pb2 as api

UNLIMITED = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]
SERVICE = api.DESCRIPTOR.services_by_name["ClearMarkService"]


@dataclass
class Call:
    """One call the proxy received: the method and its first request message (bytes)."""

    method: str
    first_message: bytes
    metadata: dict[str, str] = field(default_factory=dict)


class Proxy:
    """Forwards every ClearMarkService RPC to ``upstream``; ``fail_next`` injects status codes."""

    def __init__(self, upstream: str, *, tls: tuple[bytes, bytes] | None = None) -> None:
        self._upstream = grpc.insecure_channel(upstream, options=UNLIMITED)
        self._lock = threading.Lock()
        self._failures: list[grpc.StatusCode] = []
        self.calls: list[Call] = []
        handlers = {m.name: self._handler(m) for m in SERVICE.methods}
        self._server = grpc.server(ThreadPoolExecutor(max_workers=8), options=UNLIMITED)
        self._server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE.full_name, handlers),))
        if tls:
            credentials = grpc.ssl_server_credentials([tls])
            self.port = self._server.add_secure_port("127.0.0.1:0", credentials)
        else:
            self.port = self._server.add_insecure_port("127.0.0.1:0")
        self.address = f"127.0.0.1:{self.port}"
        self._server.start()

    def close(self) -> None:
        self._server.stop(None)
        self._upstream.close()

    def fail_next(self, *codes: grpc.StatusCode) -> None:
        """Answer the next calls with these codes, one each, before forwarding again."""
        with self._lock:
            self._failures.extend(codes)

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    def _enter(self, method: str, first: bytes, context: grpc.ServicerContext) -> None:
        with self._lock:
            self.calls.append(Call(method, first, {k: v for k, v in context.invocation_metadata()}))
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            context.abort(failure, "injected by the test proxy")

    def _forward(self, context: grpc.ServicerContext, call):
        metadata = [(k, v) for k, v in context.invocation_metadata() if k == "x-api-key" or k == "authorization"]
        try:
            return call(metadata, context.time_remaining())
        except grpc.RpcError as error:
            status = rpc_status.from_call(error)
            if status is not None:
                context.abort_with_status(rpc_status.to_status(status))
            context.abort(error.code(), error.details())

    def _handler(self, method) -> grpc.RpcMethodHandler:
        path = f"/{SERVICE.full_name}/{method.name}"
        name = method.name
        if not method.client_streaming:
            upstream = self._upstream.unary_unary(path)

            def unary(request: bytes, context: grpc.ServicerContext) -> bytes:
                self._enter(name, request, context)
                return self._forward(context, lambda md, t: upstream(request, metadata=md, timeout=t))

            return grpc.unary_unary_rpc_method_handler(unary)

        if not method.server_streaming:
            upstream_su = self._upstream.stream_unary(path)

            def stream_unary(requests: Iterator[bytes], context: grpc.ServicerContext) -> bytes:
                first = next(requests)
                self._enter(name, first, context)
                parts = itertools.chain([first], requests)
                return self._forward(context, lambda md, t: upstream_su(parts, metadata=md, timeout=t))

            return grpc.stream_unary_rpc_method_handler(stream_unary)

        upstream_ss = self._upstream.stream_stream(path)

        def stream_stream(requests: Iterator[bytes], context: grpc.ServicerContext) -> Iterator[bytes]:
            first = next(requests)
            self._enter(name, first, context)
            parts = itertools.chain([first], requests)
            replies = self._forward(context, lambda md, t: list(upstream_ss(parts, metadata=md, timeout=t)))
            yield from replies

        return grpc.stream_stream_rpc_method_handler(stream_stream)


def self_signed_localhost() -> tuple[bytes, bytes]:
    """A throwaway (private key PEM, certificate PEM) for DNS name "localhost"."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)
