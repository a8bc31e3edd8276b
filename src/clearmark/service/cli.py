"""The ``clearmark`` command: serve, and the four verbs plus lookup, in-process or against a server."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message

from clearmark.core.enums import Corner
from clearmark.core.errors import ClearMarkError
from clearmark.service.app import ClearMarkApp
from clearmark.service.config import Settings, load_settings
from clearmark.service.files import write_atomically
from clearmark.service.uploads import chunked
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc
from clearmark.v1 import types_pb2 as pb

EXIT_OK, EXIT_PROBLEMS, EXIT_FAILED = 0, 1, 2
STREAM_ABOVE_BYTES = 16 * 1024 * 1024


class Backend:
    """Runs one RPC either in this process (an embedded app) or on a remote server."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.remote: str | None = args.server
        self.api_key = args.api_key or os.environ.get("CLEARMARK_API_KEY", "")

    def settings(self, **overrides: Any) -> Settings:
        if self.args.data_dir:
            overrides["data_dir"] = self.args.data_dir
        return load_settings(self.args.config, **overrides)

    def call(self, method: str, request: Message, tenant_scoped: bool = False) -> Any:
        if self.remote:
            return self._call_remote(method, request)
        with ClearMarkApp(self.settings(cpu_workers=0)) as app:
            fn = getattr(app, method.lower())
            if tenant_scoped:
                return asyncio.run(fn(request, "default"))
            return asyncio.run(fn(request))

    def _call_remote(self, method: str, request: Message) -> Any:
        limit = 256 * 1024 * 1024
        options = [("grpc.max_receive_message_length", limit), ("grpc.max_send_message_length", limit)]
        metadata = [("x-api-key", self.api_key)] if self.api_key else []
        with grpc.insecure_channel(self.remote, options=options) as channel:
            stub = api_grpc.ClearMarkServiceStub(channel)
            content = getattr(request, "content", b"")
            if len(content) > STREAM_ABOVE_BYTES and method != "Lookup":
                return _call_streaming(stub, method, request, metadata)
            return getattr(stub, method)(request, metadata=metadata, timeout=self.args.timeout)


def _header_for(request: Any) -> pb.ContentHeader:
    return pb.ContentHeader(
        size_bytes=len(request.content),
        sha256=hashlib.sha256(request.content).hexdigest(),
        filename=request.content_header.filename,
    )


def _call_streaming(stub: api_grpc.ClearMarkServiceStub, method: str, request: Message, metadata: list) -> Message:
    """Send ``request`` over ``<method>Stream``: a header, then 1 MiB chunks; reassemble the reply."""
    request_cls = getattr(api, f"{method}StreamRequest")
    header_cls = getattr(api, f"{method}StreamHeader")
    header_fields: dict[str, Any] = {"request_id": request.request_id, "content_header": _header_for(request)}
    for name in ("options", "c2pa_sidecar"):
        if name in header_cls.DESCRIPTOR.fields_by_name:
            header_fields[name] = getattr(request, name)

    def messages() -> Iterator[Message]:
        yield request_cls(header=header_cls(**header_fields))
        for chunk in chunked(request.content, 1024 * 1024):
            yield request_cls(chunk=chunk)

    reply = getattr(stub, f"{method}Stream")(messages(), metadata=metadata)
    response_cls = getattr(api, f"{method}Response")
    if "chunk" not in getattr(api, f"{method}StreamResponse").DESCRIPTOR.fields_by_name:
        return response_cls(**{field.name: getattr(reply, field.name) for field in reply.DESCRIPTOR.fields})
    result, data = None, bytearray()
    for part in reply:
        if part.WhichOneof("part") == "result":
            result = part.result
        else:
            data += part.chunk
    return response_cls(result=result, content=bytes(data))


def as_json(message: Message) -> str:
    """Proto field names and enum value names, as the RPC returns them."""
    return json_format.MessageToJson(message, preserving_proto_field_name=True, ensure_ascii=False, indent=2)


def _enum_name(enum: Any, value: int) -> str:
    return enum.Name(value)


def _read(path: Path) -> bytes:
    return path.read_bytes()


def _print_inspection(inspection: pb.Inspection) -> None:
    media = inspection.media
    print(f"{media.mime_type} {media.width}x{media.height} sha256={media.sha256}")
    print(f"category: {_enum_name(pb.Category, inspection.category)}")
    if inspection.HasField("aigc_label"):
        print(
            f"label: {json.dumps(json_format.MessageToDict(inspection.aigc_label, preserving_proto_field_name=True))}"
        )
    for signal in inspection.signals:
        print(f"  signal {signal.kind} [{signal.source}] {signal.message}")
    for finding in inspection.findings:
        print(f"  finding {finding.label}: {finding.message}")


def cmd_stamp(args: argparse.Namespace, backend: Backend) -> int:
    request = api.StampRequest(
        request_id=args.request_id or "",
        content=_read(args.input),
        content_header=pb.ContentHeader(filename=args.input.name),
        options=api.StampOptions(
            producer_code=args.producer,
            model=args.model or "",
            notice_text=args.notice_text or "",
            notice_corner=Corner[args.corner.upper()].value if args.corner else 0,
        ),
    )
    response = backend.call("Stamp", request, tenant_scoped=True)
    write_atomically(args.output, response.content)
    if args.json:
        print(as_json(response.result))
    else:
        result = response.result
        print(
            f"wrote {args.output}: ProduceID {result.produce_id}, labels "
            f"{', '.join(_enum_name(pb.AppliedLabel, a) for a in result.labels_applied)}"
        )
    return EXIT_OK


def cmd_label(args: argparse.Namespace, backend: Backend) -> int:
    request = api.LabelRequest(
        request_id=args.request_id or "",
        content=_read(args.input),
        content_header=pb.ContentHeader(filename=args.input.name),
        options=api.LabelOptions(
            platform_code=args.platform, user_declared_ai=args.declared_ai, skip_visible_notice=args.skip_notice
        ),
    )
    response = backend.call("Label", request, tenant_scoped=True)
    write_atomically(args.output, response.content)
    result = response.result
    if args.json:
        print(as_json(result))
    else:
        print(
            f"wrote {args.output}: Label {result.label_value or '-'}, category "
            f"{_enum_name(pb.Category, result.inspection.category)}, notice {result.display_notice or '-'}, "
            f"{'modified' if result.modified else 'unchanged'}"
        )
    return EXIT_PROBLEMS if result.inspection.findings else EXIT_OK


def _sidecar(args: argparse.Namespace) -> bytes:
    """The detached manifest store: --c2pa-sidecar, else IN.c2pa beside the input when it exists."""
    path = args.c2pa_sidecar or args.input.with_suffix(".c2pa")
    return path.read_bytes() if args.c2pa_sidecar or path.is_file() else b""


def cmd_inspect(args: argparse.Namespace, backend: Backend) -> int:
    request = api.InspectRequest(content=_read(args.input), c2pa_sidecar=_sidecar(args))
    response = backend.call("Inspect", request)
    if args.json:
        print(as_json(response))
    else:
        _print_inspection(response.inspection)
    return EXIT_PROBLEMS if response.inspection.findings else EXIT_OK


def cmd_verify(args: argparse.Namespace, backend: Backend) -> int:
    request = api.VerifyRequest(
        content=_read(args.input), options=api.VerifyOptions(include_html=bool(args.html)), c2pa_sidecar=_sidecar(args)
    )
    response = backend.call("Verify", request)
    if args.html:
        write_atomically(args.html, response.report.html.encode())
    if args.json:
        print(as_json(response))
    else:
        print("COMPLIANT" if response.report.compliant else "NON-COMPLIANT")
        for check in response.report.checks:
            print(f"  {_enum_name(pb.Outcome, check.outcome):<24} {check.requirement_id}: {'; '.join(check.evidence)}")
    return EXIT_OK if response.report.compliant else EXIT_PROBLEMS


def lookup_key(value: str) -> str:
    """Which registry key a bare id is: a SHA-256, a PropagateID, else a ProduceID."""
    if len(value) == 64 and all(c in "0123456789abcdefABCDEF" for c in value):
        return "sha256"
    return "propagate_id" if value.startswith("CMP") else "produce_id"


def cmd_lookup(args: argparse.Namespace, backend: Backend) -> int:
    key = args.by or lookup_key(args.id)
    response = backend.call("Lookup", api.LookupRequest(**{key: args.id}), tenant_scoped=True)
    if args.json:
        print(as_json(response))
    else:
        for record in response.records:
            print(
                f"{record.created_at.ToJsonString()} {record.verb} {record.produce_id or '-'} "
                f"{record.propagate_id or '-'} Label={record.label_value or '-'} out={record.output_sha256}"
            )
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, backend: Backend) -> int:
    from clearmark.service.server import serve

    overrides: dict[str, Any] = {}
    if args.host:
        overrides["host"] = args.host
    if args.port is not None:
        overrides["port"] = args.port
    settings = backend.settings(**overrides)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(serve(settings))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, help="TOML settings file")
    common.add_argument("--data-dir", type=Path, help="registry, keys and spool directory")
    common.add_argument("--server", metavar="HOST:PORT", help="call a running server instead of working in-process")
    common.add_argument("--api-key", help="API key for --server (or CLEARMARK_API_KEY)")
    common.add_argument("--timeout", type=float, default=120.0, help="deadline in seconds for --server calls")
    common.add_argument("--json", action="store_true", help="print the RPC's response as JSON")

    parser = argparse.ArgumentParser(prog="clearmark", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve_p = sub.add_parser("serve", parents=[common], help="run the gRPC server")
    serve_p.add_argument("--host")
    serve_p.add_argument("--port", type=int)
    serve_p.set_defaults(run=cmd_serve)

    stamp_p = sub.add_parser("stamp", parents=[common], help="stamp generated content with every label")
    stamp_p.add_argument("input", type=Path)
    stamp_p.add_argument("-o", "--output", type=Path, required=True)
    stamp_p.add_argument("--producer", required=True, help="producer code (27 characters, PG-20252A)")
    stamp_p.add_argument("--model")
    stamp_p.add_argument("--notice-text")
    stamp_p.add_argument("--corner", choices=[c.name.lower() for c in Corner][1:])
    stamp_p.add_argument("--request-id")
    stamp_p.set_defaults(run=cmd_stamp)

    inspect_p = sub.add_parser("inspect", parents=[common], help="report every signal and the category")
    inspect_p.add_argument("input", type=Path)
    inspect_p.add_argument(
        "--c2pa-sidecar", type=Path, help="detached C2PA manifest store (default: IN.c2pa if present)"
    )
    inspect_p.set_defaults(run=cmd_inspect)

    label_p = sub.add_parser("label", parents=[common], help="add a platform's labels to an upload (Art. 6)")
    label_p.add_argument("input", type=Path)
    label_p.add_argument("-o", "--output", type=Path, required=True)
    label_p.add_argument("--platform", required=True, help="platform code (27 characters, PG-20252A)")
    label_p.add_argument("--declared-ai", action="store_true", help="the uploader declared the content AI-generated")
    label_p.add_argument("--skip-notice", action="store_true", help="the platform shows the notice itself")
    label_p.add_argument("--request-id")
    label_p.set_defaults(run=cmd_label)

    verify_p = sub.add_parser("verify", parents=[common], help="check compliance with GB 45438")
    verify_p.add_argument("input", type=Path)
    verify_p.add_argument(
        "--c2pa-sidecar", type=Path, help="detached C2PA manifest store (default: IN.c2pa if present)"
    )
    verify_p.add_argument("--html", type=Path, help="also write the report as an HTML page")
    verify_p.set_defaults(run=cmd_verify)

    lookup_p = sub.add_parser("lookup", parents=[common], help="find registry records")
    lookup_p.add_argument("id", help="ProduceID, PropagateID or SHA-256")
    lookup_p.add_argument("--by", choices=["produce_id", "propagate_id", "sha256", "request_id", "watermark_id"])
    lookup_p.set_defaults(run=cmd_lookup)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns 0 (ok), 1 (ran, found problems) or 2 (could not run)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args, Backend(args)))
    except ClearMarkError as error:
        print(f"clearmark: {type(error).__name__}: {error.message}", file=sys.stderr)
        return EXIT_PROBLEMS if error.reason == "RECORD_NOT_FOUND" else EXIT_FAILED
    except grpc.RpcError as error:
        code = error.code()  # type: ignore[attr-defined]
        print(f"clearmark: {code.name}: {error.details()}", file=sys.stderr)  # type: ignore[attr-defined]
        return EXIT_PROBLEMS if code is grpc.StatusCode.NOT_FOUND else EXIT_FAILED
    except (OSError, ValueError) as error:
        print(f"clearmark: {error}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
