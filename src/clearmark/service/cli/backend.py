"""Where a command's RPCs run: an embedded ClearMarkApp in this process, or a server via clearmark.client."""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from google.protobuf.message import Message

from clearmark.service.auth import DEFAULT_TENANT
from clearmark.service.config import Settings, load_settings
from clearmark.service.files import write_atomically
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import types_pb2 as pb

STREAM_ABOVE_BYTES = 8 * 1024 * 1024
REQUESTS: dict[str, type[Message]] = {
    "stamp": api.StampRequest,
    "inspect": api.InspectRequest,
    "label": api.LabelRequest,
    "verify": api.VerifyRequest,
}
TENANT_SCOPED = frozenset({"stamp", "label", "lookup", "check_texts"})


def settings_for(args: argparse.Namespace, **overrides: Any) -> Settings:
    """Settings from --config and --data-dir, plus overrides."""
    if args.data_dir:
        overrides["data_dir"] = args.data_dir
    return load_settings(args.config, **overrides)


def client_options(args: argparse.Namespace) -> Any:
    """How to reach ``--server``: API key, TLS from the flags or the client_tls_* settings, limits.

    Raises:
        ValueError: a client certificate without its key, or a key without its certificate.
    """
    from clearmark.client import ClientOptions

    settings = settings_for(args)
    ca = args.tls_ca or settings.client_tls_ca_file
    cert = args.tls_cert or settings.client_tls_cert_file
    key = args.tls_key or settings.client_tls_key_file
    if (cert is None) != (key is None):
        raise ValueError("--tls-cert and --tls-key go together")
    return ClientOptions(
        api_key=args.api_key or os.environ.get("CLEARMARK_API_KEY", ""),
        tls=args.tls,
        root_certificates=Path(ca).read_bytes() if ca else None,
        certificate_chain=Path(cert).read_bytes() if cert else None,
        private_key=Path(key).read_bytes() if key else None,
        timeout_s=args.timeout,
        stream_above_bytes=STREAM_ABOVE_BYTES,
    )


class Backend:
    """Runs the verbs on one open app or one client for all of a command's inputs.

    Use as a context manager; the app (registry, keys, pool) or channel opens once.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        self._args = args
        self._app: Any = None
        self._client: Any = None
        self._runner: asyncio.Runner | None = None

    def __enter__(self) -> Backend:
        args = self._args
        if args.server:
            from clearmark.client import Client

            self._client = Client(args.server, client_options(args))
        else:
            from clearmark.service.app import ClearMarkApp

            self._app = ClearMarkApp(settings_for(args, cpu_workers=0))
            self._runner = asyncio.Runner()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            self._client.close()
        if self._app is not None:
            self._app.close()
        if self._runner is not None:
            self._runner.close()

    @property
    def remote(self) -> bool:
        """Whether the verbs run on a server (content files are then streamed from disk)."""
        return self._client is not None

    def run(
        self,
        verb: str,
        content: bytes | Path,
        fields: Mapping[str, Any],
        filename: str = "",
        *,
        output: Path | None = None,
        progress: Any = None,
    ) -> Message:
        """One verb on one content (bytes, or a file a server call streams); the unary response message.

        With ``output`` a Stamp/Label's content is written to that file (atomically) instead of
        returned in the message; ``progress`` (``clearmark.client.calls.Progress``) is told the bytes
        moved on a server's streaming calls.
        """
        if self._client is not None:
            return self._client.call(verb, content, fields, filename=filename, output=output, progress=progress)
        data = content.read_bytes() if isinstance(content, Path) else content
        request = REQUESTS[verb](content=data, content_header=pb.ContentHeader(filename=filename), **fields)
        response = self._in_process(verb, request)
        if output is not None and "content" in response.DESCRIPTOR.fields_by_name:
            write_atomically(output, response.content)
            response.ClearField("content")
        return response

    def lookup(self, request: api.LookupRequest) -> api.LookupResponse:
        """One registry lookup (any key, similar content included)."""
        if self._client is not None:
            return self._remote("Lookup", request)
        return self._in_process("lookup", request)

    def _remote(self, method: str, request: Message) -> Any:
        import grpc

        from clearmark.client.errors import error_from_rpc

        options = self._client.options
        try:
            return getattr(self._client.stub, method)(request, metadata=options.metadata(), timeout=options.timeout_s)
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None

    def check_texts(self, request: api.CheckTextsRequest) -> api.CheckTextsResponse:
        """Campaign verdicts of many short texts."""
        if self._client is not None:
            return self._remote("CheckTexts", request)
        return self._in_process("check_texts", request)

    def _in_process(self, verb: str, request: Message) -> Any:
        assert self._runner is not None
        method = getattr(self._app, verb)
        coroutine = method(request, DEFAULT_TENANT) if verb in TENANT_SCOPED else method(request)
        return self._runner.run(coroutine)
