"""The content verbs and Lookup as commands: their options, requests, exit codes and output, in one table."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from google.protobuf.message import Message

from clearmark.core.enums import Corner
from clearmark.core.errors import ClearMarkError
from clearmark.service.cli import render
from clearmark.service.cli.backend import Backend
from clearmark.service.cli.paths import Source, Target, UsageError, expand_sources, plan_targets, sidecar_of
from clearmark.service.files import write_atomically
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import types_pb2 as pb

EXIT_OK, EXIT_PROBLEMS, EXIT_FAILED = 0, 1, 2
CORNERS = [c.name.lower().replace("_", "-") for c in Corner][1:]


def corner_value(name: str | None) -> int:
    """A --corner choice as the Corner value (0: the configured default)."""
    return Corner[name.upper().replace("-", "_")].value if name else 0


@dataclass(frozen=True)
class VerbCommand:
    """One content verb on the command line."""

    name: str
    help: str
    writes_content: bool
    add_arguments: Callable[[argparse.ArgumentParser], None]
    fields: Callable[[argparse.Namespace, Source], dict[str, Any]]
    found_problems: Callable[[Message], bool]
    label_of: Callable[[Message], pb.AigcLabel | None]
    text: Callable[[Message, str], list[str]]


def _stamp_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--producer", required=True, help="producer code (27 characters, PG-20252A)")
    parser.add_argument("--model", default="")
    parser.add_argument("--prompt-id", default="")
    parser.add_argument("--notice-text", default="", help="the visible notice's wording (default: configured)")
    parser.add_argument("--corner", choices=CORNERS, help="where the visible notice goes")
    parser.add_argument(
        "--no-notice",
        action="store_true",
        help="Art. 9: no visible notice, on the user's request under the agreement (needs --omit-reason "
        "and --recipient, kept in the log)",
    )
    parser.add_argument("--omit-reason", default="", help="the user agreement reference for --no-notice")
    parser.add_argument("--recipient", default="", help="who receives the output without a notice")
    parser.add_argument("--request-id", help="idempotency key (one input only)")


def _stamp_fields(args: argparse.Namespace, source: Source) -> dict[str, Any]:
    return {
        "request_id": args.request_id or "",
        "options": api.StampOptions(
            producer_code=args.producer,
            model=args.model,
            prompt_id=args.prompt_id,
            notice_text=args.notice_text,
            notice_corner=corner_value(args.corner),
            omit_visible_notice=args.no_notice,
            omit_reason=args.omit_reason,
            recipient=args.recipient,
        ),
    }


def _label_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--platform", required=True, help="platform code (27 characters, PG-20252A)")
    parser.add_argument("--declared-ai", action="store_true", help="the uploader declared the content AI-generated")
    parser.add_argument("--notice-text", default="", help="the notice's wording (default: configured per Label)")
    parser.add_argument("--corner", choices=CORNERS, help="where a drawn notice goes")
    parser.add_argument("--skip-notice", action="store_true", help="the platform shows the notice itself")
    parser.add_argument("--request-id", help="idempotency key (one input only)")


def _label_fields(args: argparse.Namespace, source: Source) -> dict[str, Any]:
    return {
        "request_id": args.request_id or "",
        "options": api.LabelOptions(
            platform_code=args.platform,
            user_declared_ai=args.declared_ai,
            notice_text=args.notice_text,
            notice_corner=corner_value(args.corner),
            skip_visible_notice=args.skip_notice,
        ),
    }


def add_campaign_arguments(parser: argparse.ArgumentParser, *, texts: bool) -> None:
    """The campaign context (and, with ``texts``, the caller's title, description and comments)."""
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


def campaign_context(args: argparse.Namespace) -> pb.CampaignContext | None:
    """The --surface/--account-type/... flags as a CampaignContext, or None when none is given."""
    fields = {
        name: getattr(args, name) or ""
        for name in ("surface", "account_type", "content_type", "declared_source", "licence")
    }
    return pb.CampaignContext(**fields) if any(fields.values()) else None


def campaign_options(args: argparse.Namespace) -> pb.CampaignOptions | None:
    """The campaign flags of inspect, or None when none is given."""
    context = campaign_context(args)
    if context is None and not (args.title or args.description or args.comment):
        return None
    return pb.CampaignOptions(
        context=context, title=args.title or "", description=args.description or "", comments=args.comment or []
    )


def _read_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--c2pa-sidecar", type=Path, help="detached C2PA manifest store (default: IN.c2pa beside a file if present)"
    )


def _inspect_arguments(parser: argparse.ArgumentParser) -> None:
    _read_arguments(parser)
    add_campaign_arguments(parser, texts=True)


def _verify_arguments(parser: argparse.ArgumentParser) -> None:
    _read_arguments(parser)
    parser.add_argument("--html", help="also write the report as an HTML page (a folder for several inputs)")


def _sidecar_fields(args: argparse.Namespace, source: Source) -> dict[str, Any]:
    return {"c2pa_sidecar": sidecar_of(source, args.c2pa_sidecar)}


def _inspect_fields(args: argparse.Namespace, source: Source) -> dict[str, Any]:
    fields = _sidecar_fields(args, source)
    campaign = campaign_options(args)
    if campaign is not None:
        fields["campaign"] = campaign
    return fields


def _verify_fields(args: argparse.Namespace, source: Source) -> dict[str, Any]:
    fields = _sidecar_fields(args, source)
    fields["options"] = api.VerifyOptions(include_html=bool(args.html))
    return fields


def _present(message: Message, name: str) -> Any:
    return getattr(message, name) if message.HasField(name) else None


COMMANDS: dict[str, VerbCommand] = {
    "stamp": VerbCommand(
        "stamp",
        "stamp generated content with every label",
        True,
        _stamp_arguments,
        _stamp_fields,
        lambda response: False,
        lambda response: _present(response.result, "aigc_label"),  # type: ignore[attr-defined]
        render.stamp_text,
    ),
    "inspect": VerbCommand(
        "inspect",
        "report every signal and the category",
        False,
        _inspect_arguments,
        _inspect_fields,
        lambda response: (
            bool(response.inspection.findings)  # type: ignore[attr-defined]
            or response.inspection.campaign.suggestion > pb.SUGGESTION_PASS
        ),  # type: ignore[attr-defined]
        lambda response: _present(response.inspection, "aigc_label"),  # type: ignore[attr-defined]
        render.inspect_text,
    ),
    "label": VerbCommand(
        "label",
        "add a platform's labels to an upload (Art. 6)",
        True,
        _label_arguments,
        _label_fields,
        lambda response: False,  # a Label that ran did its duty; its findings are in the output
        lambda response: _present(response.result, "aigc_label"),  # type: ignore[attr-defined]
        render.label_text,
    ),
    "verify": VerbCommand(
        "verify",
        "check compliance with GB 45438",
        False,
        _verify_arguments,
        _verify_fields,
        lambda response: not response.report.compliant,  # type: ignore[attr-defined]
        lambda response: _present(response.inspection, "aigc_label"),  # type: ignore[attr-defined]
        render.verify_text,
    ),
}


class Printer:
    """Writes each result to stdout, or to stderr when stdout carries content (``-o -``)."""

    def __init__(self, args: argparse.Namespace, content_on_stdout: bool) -> None:
        self.json = args.json
        self.stream: TextIO = sys.stderr if content_on_stdout else sys.stdout

    def result(self, document: dict[str, Any], text: list[str]) -> None:
        print(render.dumps(document) if self.json else "\n".join(text), file=self.stream, flush=True)

    def failure(self, document: dict[str, Any]) -> None:
        if self.json:
            print(render.dumps(document), file=self.stream, flush=True)
            return
        error = document["error"]
        where = f"{document['input']}: " if document["input"] else ""
        print(f"clearmark: {where}{error['message']} ({error['reason']})", file=sys.stderr, flush=True)


class ProgressDisplay:
    """What a command shows on stderr while it runs: inputs done (several inputs), and the bytes
    uploaded and downloaded by each streaming call (long media sent to a server)."""

    def __init__(self, progress: Any = None, inputs_task: Any = None) -> None:
        self._progress = progress
        self._inputs = inputs_task

    def advance(self) -> None:
        """One more input done."""
        if self._progress is not None and self._inputs is not None:
            self._progress.update(self._inputs, advance=1, done=self._inputs_done(1))

    def _inputs_done(self, more: int) -> str:
        task = self._progress.tasks[self._inputs]
        return f"{int(task.completed) + more}/{int(task.total or 0)}"

    def transfer(self, name: str) -> Callable[[str, int, int], None] | None:
        """A ``clearmark.client.calls.Progress`` callback drawing one input's upload and download bars."""
        if self._progress is None:
            return None
        from rich.filesize import decimal

        progress, tasks = self._progress, {}

        def moved(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = progress.add_task(f"{phase} {name}", total=total or None, done="")
            progress.update(tasks[phase], completed=done, total=total or None, done=f"{decimal(done)}/{decimal(total)}")

        return moved


@contextmanager
def progress_for(args: argparse.Namespace, total: int, verb: str) -> Iterator[ProgressDisplay]:
    """Progress on stderr, shown on a terminal or with --progress (never with --no-progress): a bar
    of inputs done when there are several (or with --progress), and the bytes of streaming calls."""
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    if not show:
        yield ProgressDisplay()
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[done]}"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True)) as progress:
        inputs = progress.add_task(verb, total=total, done=f"0/{total}") if total > 1 or args.progress else None
        yield ProgressDisplay(progress, inputs)


def _write(target: Target, data: bytes) -> None:
    if target.path is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    target.path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target.path, data)


def run_verb(args: argparse.Namespace) -> int:
    """Run one verb over every input; the exit code is the worst of them.

    Every path is checked before the first RPC: a bad ``-o`` costs no work and writes no record.
    """
    command = COMMANDS[args.command]
    sources = expand_sources(args.inputs)
    if getattr(args, "request_id", None) and len(sources) > 1:
        raise UsageError("--request-id names one request; give one input")
    targets: list[Target | None] = [None] * len(sources)
    if command.writes_content:
        targets = list(plan_targets(sources, args.output))
    reports: list[Target | None] = [None] * len(sources)
    if getattr(args, "html", None):
        suffix = ".html" if len(sources) > 1 or any(s.in_directory for s in sources) else ""
        reports = list(plan_targets(sources, args.html, option="--html", suffix=suffix))
    printer = Printer(args, content_on_stdout=any(t is not None and t.to_stdout for t in targets))
    worst = EXIT_OK
    with Backend(args) as backend, progress_for(args, len(sources), command.name) as display:
        for source, target, report in zip(sources, targets, reports, strict=True):
            output = None if target is None else ("-" if target.path is None else str(target.path))
            try:
                # A server gets a file streamed from disk, and its output goes straight to the target file.
                content = source.path if backend.remote and source.path is not None else source.read()
                into = target.path if target is not None else None
                if into is not None:
                    into.parent.mkdir(parents=True, exist_ok=True)
                response = backend.run(
                    command.name,
                    content,
                    command.fields(args, source),
                    filename=source.relative.name,
                    output=into,
                    progress=display.transfer(source.relative.name),
                )
                if target is not None and target.path is None:
                    _write(target, response.content)  # type: ignore[attr-defined]
                if report is not None:
                    _write(report, response.report.html.encode())  # type: ignore[attr-defined]
                code = EXIT_PROBLEMS if command.found_problems(response) else EXIT_OK
                document = render.envelope(
                    command.name, source.name, output, code, response, command.label_of(response)
                )
                printer.result(document, command.text(response, output or ""))
            except BrokenPipeError:
                raise  # the reader went away: stop, quietly (main)
            except (ClearMarkError, OSError) as error:
                code = EXIT_FAILED
                printer.failure(render.envelope(command.name, source.name, output, code, error=error))
            worst = max(worst, code)
            display.advance()
    return worst


def add_parsers(
    sub: argparse._SubParsersAction, *, settings: argparse.ArgumentParser, calling: argparse.ArgumentParser
) -> None:
    """``stamp``, ``inspect``, ``label`` and ``verify``."""
    for command in COMMANDS.values():
        verb_p = sub.add_parser(command.name, parents=[calling], help=command.help)
        verb_p.add_argument("inputs", nargs="+", metavar="IN", help="files, folders, or - for stdin")
        if command.writes_content:
            verb_p.add_argument(
                "-o", "--output", required=True, help="output file, - for stdout, or a folder for several inputs"
            )
        command.add_arguments(verb_p)
        verb_p.set_defaults(run=run_verb)
