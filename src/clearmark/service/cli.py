"""The ``clearmark`` command: serve, and the four verbs plus lookup, in-process or against a server."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
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
from clearmark.service.auth import hash_api_key
from clearmark.service.buildinfo import version_text
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
        self.remote: str | None = getattr(args, "server", None)
        self.api_key = getattr(args, "api_key", None) or os.environ.get("CLEARMARK_API_KEY", "")

    def settings(self, **overrides: Any) -> Settings:
        if self.args.data_dir:
            overrides["data_dir"] = self.args.data_dir
        return load_settings(self.args.config, **overrides)

    def call(self, method: str, request: Message, tenant_scoped: bool = False) -> Any:
        if self.remote:
            return self._call_remote(method, request)
        with ClearMarkApp(self.settings(cpu_workers=0)) as app:
            fn = getattr(app, re.sub(r"(?<!^)(?=[A-Z])", "_", method).lower())
            if tenant_scoped:
                return asyncio.run(fn(request, "default"))
            return asyncio.run(fn(request))

    def channel(self) -> grpc.Channel:
        """A channel to ``--server``: TLS when a CA or client certificate is configured, else plaintext."""
        assert self.remote is not None
        limit = 256 * 1024 * 1024
        options = [("grpc.max_receive_message_length", limit), ("grpc.max_send_message_length", limit)]
        settings = self.settings()
        ca = self.args.tls_ca or settings.client_tls_ca_file
        cert = self.args.tls_cert or settings.client_tls_cert_file
        key = self.args.tls_key or settings.client_tls_key_file
        if (cert is None) != (key is None):
            raise ValueError("--tls-cert and --tls-key go together")
        if ca is None and cert is None:
            return grpc.insecure_channel(self.remote, options=options)
        credentials = grpc.ssl_channel_credentials(
            root_certificates=Path(ca).read_bytes() if ca else None,
            private_key=Path(key).read_bytes() if key else None,
            certificate_chain=Path(cert).read_bytes() if cert else None,
        )
        return grpc.secure_channel(self.remote, credentials, options=options)

    def _call_remote(self, method: str, request: Message) -> Any:
        metadata = [("x-api-key", self.api_key)] if self.api_key else []
        with self.channel() as channel:
            stub = api_grpc.ClearMarkServiceStub(channel)
            content = getattr(request, "content", b"")
            if len(content) > STREAM_ABOVE_BYTES and method != "Lookup":
                return _call_streaming(stub, method, request, metadata)
            return getattr(stub, method)(request, metadata=metadata, timeout=self.args.timeout)


def _header_for(request: Any) -> pb.ContentHeader:
    return pb.ContentHeader(
        size_bytes=len(request.content),
        sha256=hashlib.sha256(request.content).hexdigest(),
        filename=request.header.filename,
    )


def _call_streaming(stub: api_grpc.ClearMarkServiceStub, method: str, request: Message, metadata: list) -> Message:
    """Send ``request`` over ``<method>Stream``: a header, then 1 MiB chunks; reassemble the reply."""
    request_cls = getattr(api, f"{method}StreamRequest")
    header_cls = getattr(api, f"{method}StreamHeader")
    header_fields: dict[str, Any] = {"request_id": request.request_id, "content": _header_for(request)}
    for name in ("options", "c2pa_sidecar", "campaign"):
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
    campaign = inspection.campaign
    print(f"campaign: {_enum_name(pb.Suggestion, campaign.suggestion).removeprefix('SUGGESTION_')}")
    for finding in campaign.findings:
        print(f"  {_enum_name(pb.Suggestion, finding.suggestion).removeprefix('SUGGESTION_'):<6} {finding.label}: "
              f"{'; '.join(finding.evidence[:3])}")
    if campaign.not_evaluated:
        print(f"  not evaluated: {', '.join(campaign.not_evaluated)}")


def cmd_stamp(args: argparse.Namespace, backend: Backend) -> int:
    request = api.StampRequest(
        request_id=args.request_id or "",
        content=_read(args.input),
        header=pb.ContentHeader(filename=args.input.name),
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
        header=pb.ContentHeader(filename=args.input.name),
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


def _campaign_context(args: argparse.Namespace) -> pb.CampaignContext | None:
    fields = {
        name: getattr(args, name) or ""
        for name in ("surface", "account_type", "content_type", "declared_source", "licence")
    }
    return pb.CampaignContext(**fields) if any(fields.values()) else None


def _campaign_options(args: argparse.Namespace) -> pb.CampaignOptions | None:
    context = _campaign_context(args)
    if context is None and not (args.title or args.description or args.comment):
        return None
    return pb.CampaignOptions(
        context=context, title=args.title or "", description=args.description or "", comments=args.comment or []
    )


def cmd_inspect(args: argparse.Namespace, backend: Backend) -> int:
    request = api.InspectRequest(
        content=_read(args.input), c2pa_sidecar=_sidecar(args), campaign=_campaign_options(args)
    )
    response = backend.call("Inspect", request)
    if args.json:
        print(as_json(response))
    else:
        _print_inspection(response.inspection)
    inspection = response.inspection
    flagged = inspection.findings or inspection.campaign.suggestion > pb.SUGGESTION_PASS
    return EXIT_PROBLEMS if flagged else EXIT_OK


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


def _texts_in(source: str) -> list[api.TextToCheck]:
    """JSON lines: an object {"id", "text", "field"} or a bare JSON string per line; blank lines skipped."""
    stream = sys.stdin if source == "-" else open(source, encoding="utf-8")  # noqa: SIM115
    texts = []
    with stream:
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"line {number}: not JSON: {exc.msg}") from None
            if isinstance(item, str):
                item = {"text": item}
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise ValueError(f'line {number}: expected a string or an object with a "text" string')
            texts.append(
                api.TextToCheck(id=str(item.get("id", number)), text=item["text"], field=str(item.get("field", "")))
            )
    return texts


def cmd_check_texts(args: argparse.Namespace, backend: Backend) -> int:
    request = api.CheckTextsRequest(
        request_id=args.request_id or "", context=_campaign_context(args), texts=_texts_in(args.input)
    )
    response = backend.call("CheckTexts", request, tenant_scoped=True)
    flagged = False
    for item in response.verdicts:
        verdict = item.verdict
        flagged |= verdict.suggestion != pb.SUGGESTION_PASS
        record = {
            "id": item.id,
            "suggestion": pb.Suggestion.Name(verdict.suggestion).removeprefix("SUGGESTION_"),
            "findings": [
                json_format.MessageToDict(f, preserving_proto_field_name=True) for f in verdict.findings
            ],
            "not_evaluated": list(verdict.not_evaluated),
            "policy_version": verdict.policy_version,
        }
        print(json.dumps(record, ensure_ascii=False))
    return EXIT_PROBLEMS if flagged else EXIT_OK


def lookup_key(value: str) -> str:
    """Which registry key a bare id is: a SHA-256, a PropagateID, else a ProduceID."""
    if len(value) == 64 and all(c in "0123456789abcdefABCDEF" for c in value):
        return "sha256"
    return "propagate_id" if value.startswith("CMP") else "produce_id"


def cmd_lookup(args: argparse.Namespace, backend: Backend) -> int:
    if args.similar:
        return cmd_lookup_similar(args, backend)
    if not args.id:
        raise ValueError("give an id to look up, or --similar FILE")
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


def cmd_lookup_similar(args: argparse.Namespace, backend: Backend) -> int:
    """Records whose perceptual hash is nearest the file's: a re-encoded or resized copy finds its original."""
    request = api.LookupRequest(similar_content=_read(args.similar), max_distance=args.max_distance or 0)
    response = backend.call("Lookup", request, tenant_scoped=True)
    if args.json:
        print(as_json(response))
    else:
        for record in response.records:
            print(
                f"distance {response.distances[record.record_id]:>2}/64  {record.created_at.ToJsonString()} "
                f"{record.verb} {record.produce_id or '-'} {record.propagate_id or '-'} "
                f"{record.perceptual_kind}={record.perceptual_hash}"
            )
    return EXIT_OK


def cmd_purge(args: argparse.Namespace, backend: Backend) -> int:
    """Delete registry records older than the retention period (at least six months) and expired replays."""
    if backend.remote:
        raise ValueError("purge runs against the registry database (--data-dir / --config), not a server")
    with ClearMarkApp(backend.settings(cpu_workers=0)) as app:
        result = app.purge()
    summary = {
        "records_deleted": result.records,
        "replays_deleted": result.replays,
        "cutoff": result.cutoff.isoformat(),
    }
    print(
        json.dumps(summary)
        if args.json
        else f"deleted {result.records} records before {summary['cutoff']}, {result.replays} replays"
    )
    return EXIT_OK


def cmd_audit(args: argparse.Namespace, backend: Backend) -> int:
    """Verify a folder or a list of files into OUTDIR/audit.jsonl, audit.csv and audit.html; resumable."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from clearmark.service.app import pipeline_config
    from clearmark.service.audit import audit_config, collect_inputs, run_audit, run_in_process_pool
    from clearmark.service.reports import language_of
    from clearmark.service.reports.audit_page import render_audit_html

    if backend.remote:
        raise ValueError("audit runs Verify itself (in a process pool or on --ray), not against a server")
    if args.output.exists() and not args.output.is_dir():
        raise ValueError(f"-o must be a folder: {args.output} is a file")
    lang = language_of(args.lang or "")
    settings = backend.settings()
    inputs = collect_inputs(args.source, exclude=args.output)
    key_file = settings.watermark_key_file or settings.data_dir / "keys" / "watermark.key"
    key = key_file.read_bytes() if key_file.is_file() else None
    config = audit_config(pipeline_config(settings, None, key))
    if args.ray:
        from clearmark.service.audit_ray import ray_runner

        runner = ray_runner(args.ray)
    else:
        runner = run_in_process_pool
    columns = (TextColumn("verify"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, disable=args.no_progress or not sys.stderr.isatty(), transient=False) as bar:

        def start(done: int, total: int) -> Any:
            task = bar.add_task("audit", total=total, completed=done)
            return lambda: bar.advance(task)

        outcome = run_audit(
            inputs,
            args.output,
            config,
            workers=settings.cpu_workers if args.workers is None else args.workers,
            runner=runner,
            progress=start,
            render_html=lambda summary, rows: render_audit_html(summary, rows, lang=lang),
        )
    summary = outcome.summary
    if args.json:
        print(json.dumps({**summary.as_dict(), "verified_now": outcome.verified_now, "resumed": outcome.resumed}))
    else:
        print(
            f"{summary.files} files, {summary.compliant.passed}/{summary.compliant.total} compliant, "
            f"{summary.errors} not verifiable ({outcome.resumed} from an earlier run); wrote {args.output}/audit.html"
        )
    return EXIT_OK if summary.errors == 0 and summary.compliant.passed == summary.compliant.total else EXIT_PROBLEMS


def cmd_serve(args: argparse.Namespace, backend: Backend) -> int:
    from clearmark.service.logs import configure_logging
    from clearmark.service.server import serve

    overrides: dict[str, Any] = {}
    for name in ("host", "port", "metrics_port", "log_format"):
        if getattr(args, name) is not None:
            overrides[name] = getattr(args, name)
    settings = backend.settings(**overrides)
    configure_logging(settings.log_format, settings.log_level)
    asyncio.run(serve(settings))
    return EXIT_OK


def _add_campaign_arguments(parser: argparse.ArgumentParser, *, texts: bool) -> None:
    group = parser.add_argument_group("campaign context (enables the minors and news checks)")
    group.add_argument("--surface", help='where it is shown, e.g. "homepage", "minors_mode", "comment"')
    group.add_argument("--account-type", help='the publishing account, e.g. "self_media", "news_licensed"')
    group.add_argument("--content-type", help='what the publisher says it is, e.g. "news"')
    group.add_argument("--declared-source", help="the source named for current-affairs content")
    group.add_argument("--licence", help="the account's news licence number")
    if texts:
        group.add_argument("--title", help="a title sent with the content, checked by the same rules")
        group.add_argument("--description", help="a description sent with the content")
        group.add_argument("--comment", action="append", help="a comment sent with the content (repeatable)")


def cmd_health(args: argparse.Namespace, backend: Backend) -> int:
    """Ask a server's gRPC health service (the container's HEALTHCHECK): 0 SERVING, 1 not, 2 unreachable."""
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    if not backend.remote:
        raise ValueError("health needs --server HOST:PORT")
    with backend.channel() as channel:
        call = health_pb2_grpc.HealthStub(channel).Check.with_call(
            health_pb2.HealthCheckRequest(service=args.service), timeout=args.timeout
        )
    response, rpc = call
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
    version = dict(rpc.initial_metadata() or ())
    print(f"{status} ({version.get('clearmark-version', '?')}, build {version.get('clearmark-build', '?')})")
    return EXIT_OK if response.status == health_pb2.HealthCheckResponse.SERVING else EXIT_PROBLEMS


def cmd_hash_key(args: argparse.Namespace, backend: Backend) -> int:
    """Print the at-rest form of an API key read from standard input, for ``api_key_hashes``."""
    key = sys.stdin.readline().strip()
    if len(key) < 16:
        raise ValueError("an API key must be at least 16 characters")
    print(hash_api_key(key))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, help="TOML settings file")
    common.add_argument("--data-dir", type=Path, help="registry, keys and spool directory")
    common.add_argument("--server", metavar="HOST:PORT", help="call a running server instead of working in-process")
    common.add_argument("--api-key", help="API key for --server (or CLEARMARK_API_KEY)")
    common.add_argument("--timeout", type=float, default=120.0, help="deadline in seconds for --server calls")
    common.add_argument("--json", action="store_true", help="print the RPC's response as JSON")
    common.add_argument("--tls-ca", type=Path, help="PEM CA that signed the server's certificate (TLS to --server)")
    common.add_argument("--tls-cert", type=Path, help="client certificate PEM for mutual TLS")
    common.add_argument("--tls-key", type=Path, help="client private key PEM for mutual TLS")

    parser = argparse.ArgumentParser(prog="clearmark", description=__doc__)
    parser.add_argument("--version", action="version", version=version_text())
    sub = parser.add_subparsers(dest="command", required=True)

    serve_p = sub.add_parser("serve", parents=[common], help="run the gRPC server")
    serve_p.add_argument("--host")
    serve_p.add_argument("--port", type=int)
    serve_p.add_argument("--metrics-port", type=int, help="serve Prometheus metrics at :PORT/metrics")
    serve_p.add_argument("--log-format", choices=["json", "text"], help="json: one object per line")
    serve_p.set_defaults(run=cmd_serve)

    health_p = sub.add_parser("health", parents=[common], help="check a server's gRPC health (exit 0 SERVING)")
    health_p.add_argument("--service", default="", help="service name to check (default: the whole server)")
    health_p.set_defaults(run=cmd_health, timeout=5.0)

    hash_p = sub.add_parser("hash-key", help="read an API key on stdin, print its hash for api_key_hashes")
    hash_p.set_defaults(run=cmd_hash_key)

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
    _add_campaign_arguments(inspect_p, texts=True)
    inspect_p.set_defaults(run=cmd_inspect)

    check_p = sub.add_parser(
        "check-texts", parents=[common], help="campaign checks of many short texts (JSON lines in, JSON lines out)"
    )
    check_p.add_argument("input", help='a JSON-lines file ({"id", "text", "field"} or a string per line), or -')
    check_p.add_argument("--request-id")
    _add_campaign_arguments(check_p, texts=False)
    check_p.set_defaults(run=cmd_check_texts)

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
    lookup_p.add_argument("id", nargs="?", help="ProduceID, PropagateID or SHA-256")
    lookup_p.add_argument("--by", choices=["produce_id", "propagate_id", "sha256", "request_id", "watermark_id"])
    lookup_p.add_argument(
        "--similar", type=Path, metavar="FILE", help="find records by perceptual hash nearest to this file"
    )
    lookup_p.add_argument("--max-distance", type=int, help="with --similar: largest Hamming distance (bits of 64)")
    lookup_p.set_defaults(run=cmd_lookup)

    audit_p = sub.add_parser("audit", parents=[common], help="verify a folder or list of files (resumable)")
    audit_p.add_argument("source", type=Path, help="a folder (walked) or a text file listing one path per line")
    audit_p.add_argument("-o", "--output", type=Path, required=True, help="folder for audit.jsonl/.csv/.html")
    audit_p.add_argument("--workers", type=int, help="processes (default: cpu_workers; 0 = in this process)")
    audit_p.add_argument("--ray", metavar="ADDRESS", help="run on Ray Data: 'local', 'auto' or ray://HOST:PORT")
    audit_p.add_argument("--lang", choices=["zh-CN", "en"], help="language of audit.html (default zh-CN)")
    audit_p.add_argument("--no-progress", action="store_true", help="no progress bar")
    audit_p.set_defaults(run=cmd_audit)

    purge_p = sub.add_parser("purge", parents=[common], help="delete records past retention (>= 6 months)")
    purge_p.set_defaults(run=cmd_purge)
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
