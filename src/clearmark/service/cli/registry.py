"""Registry upkeep and batch audits: ``clearmark audit`` (resumable Verify of many files) and ``purge``.

Both work on the registry and the Verify pipeline of this machine (``--data-dir`` / ``--config``),
never against a server.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from clearmark.service.cli.backend import settings_for
from clearmark.service.cli.verbs import EXIT_OK, EXIT_PROBLEMS


def cmd_purge(args: argparse.Namespace) -> int:
    """Delete registry records older than the retention period (at least six months) and expired replays."""
    from clearmark.service.app import ClearMarkApp

    with ClearMarkApp(settings_for(args, cpu_workers=0)) as app:
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


def _existing_registry(url: str) -> str:
    """The registry the audit's Verify asks, as the server's does (the decision includes it): this
    machine's, brought to the current schema; "" when it is a SQLite file that does not exist yet
    (an audit never creates one)."""
    from sqlalchemy.engine import make_url

    from clearmark.service.registry import RegistryStore

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not (parsed.database and Path(parsed.database).is_file()):
        return ""
    with RegistryStore(url) as registry:
        registry.migrate()
    return url


def cmd_audit(args: argparse.Namespace) -> int:
    """Verify a folder or a list of files into OUTDIR/audit.jsonl, audit.csv and audit.html; resumable."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from clearmark.service.app import pipeline_config
    from clearmark.service.audit import audit_config, collect_inputs, run_audit, run_in_process_pool
    from clearmark.service.reports import language_of
    from clearmark.service.reports.audit_page import render_audit_html

    if args.output.exists() and not args.output.is_dir():
        raise ValueError(f"-o must be a folder: {args.output} is a file")
    lang = language_of(args.lang or "")
    settings = settings_for(args)
    inputs = collect_inputs(args.source, exclude=args.output)
    key_file = settings.watermark_key_file or settings.data_dir / "keys" / "watermark.key"
    key = key_file.read_bytes() if key_file.is_file() else None
    config = audit_config(pipeline_config(settings, None, key, _existing_registry(settings.resolved_registry_url)))
    if args.ray:
        from clearmark.service.audit_ray import ray_runner

        runner = ray_runner(args.ray)
    else:
        runner = run_in_process_pool
    columns = (TextColumn("verify"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    hidden = args.progress is False or (args.progress is None and not sys.stderr.isatty())
    with Progress(*columns, disable=hidden, transient=False) as bar:

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


def add_parsers(
    sub: argparse._SubParsersAction, *, settings: argparse.ArgumentParser, calling: argparse.ArgumentParser
) -> None:
    """``audit`` and ``purge``."""
    shown = argparse.ArgumentParser(add_help=False, parents=[settings])
    shown.add_argument("--json", action="store_true", help="print the summary as JSON")
    progress = shown.add_mutually_exclusive_group()
    progress.add_argument("--progress", action="store_true", default=None, help="always show a progress bar")
    progress.add_argument("--no-progress", dest="progress", action="store_false", help="never show one")

    audit_p = sub.add_parser("audit", parents=[shown], help="verify a folder or list of files (resumable)")
    audit_p.add_argument("source", type=Path, help="a folder (walked) or a text file listing one path per line")
    audit_p.add_argument("-o", "--output", type=Path, required=True, help="folder for audit.jsonl/.csv/.html")
    audit_p.add_argument("--workers", type=int, help="processes (default: cpu_workers; 0 = in this process)")
    audit_p.add_argument("--ray", metavar="ADDRESS", help="run on Ray Data: 'local', 'auto' or ray://HOST:PORT")
    audit_p.add_argument("--lang", choices=["zh-CN", "en"], help="language of audit.html (default zh-CN)")
    audit_p.set_defaults(run=cmd_audit)

    purge_p = sub.add_parser("purge", parents=[shown], help="delete records past retention (>= 6 months)")
    purge_p.set_defaults(run=cmd_purge)
