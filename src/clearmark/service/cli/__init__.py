"""The ``clearmark`` command: serve, and the four verbs plus lookup, in-process or against a server.

Modules: ``verbs`` (the content verbs as a table, the run loop), ``lookup``, ``serve``, ``paths``
(inputs, outputs, ``-``), ``render`` (the JSON shape and the human text), ``backend`` (in-process
app or clearmark.client). A new subcommand is one module with ``add_parsers`` and one line in
``SUBCOMMANDS``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

from clearmark.core.errors import ClearMarkError
from clearmark.service.buildinfo import version_text
from clearmark.service.cli import lookup, ops, registry, render, serve, texts, verbs
from clearmark.service.cli.lookup import lookup_key
from clearmark.service.cli.paths import UsageError
from clearmark.service.cli.verbs import EXIT_FAILED, EXIT_OK, EXIT_PROBLEMS

__all__ = ["EXIT_BROKEN_PIPE", "EXIT_FAILED", "EXIT_OK", "EXIT_PROBLEMS", "build_parser", "lookup_key", "main"]

# Each module adds its subcommands to the parser.
SUBCOMMANDS = (serve, ops, verbs, texts, lookup, registry)
# 128 + SIGPIPE: what a shell reports for a reader that went away (``clearmark ... | head``).
EXIT_BROKEN_PIPE = 141


class _Parser(argparse.ArgumentParser):
    """argparse that raises UsageError instead of exiting, so --json can report it as JSON too."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _settings_options() -> argparse.ArgumentParser:
    """Options of every subcommand: where the settings and the data live."""
    shared = _Parser(add_help=False)
    shared.add_argument("--config", type=Path, help="TOML settings file")
    shared.add_argument("--data-dir", type=Path, help="registry, keys and spool directory")
    return shared


def _calling_options() -> argparse.ArgumentParser:
    """Options of the verbs and lookup: in-process or a server, and how results are shown."""
    calling = _Parser(add_help=False, parents=[_settings_options()])
    calling.add_argument("--server", metavar="HOST:PORT", help="call a running server instead of working in-process")
    calling.add_argument("--api-key", help="API key for --server (or CLEARMARK_API_KEY)")
    calling.add_argument("--tls", action="store_true", help="TLS to --server, trusting the system's roots")
    calling.add_argument("--tls-ca", type=Path, help="PEM CA that signed the server's certificate (TLS to --server)")
    calling.add_argument("--tls-cert", type=Path, help="client certificate PEM for mutual TLS")
    calling.add_argument("--tls-key", type=Path, help="client private key PEM for mutual TLS")
    calling.add_argument("--timeout", type=float, default=120.0, help="deadline in seconds for --server calls")
    calling.add_argument("--json", action="store_true", help="print one JSON object per input (JSON Lines)")
    progress = calling.add_mutually_exclusive_group()
    progress.add_argument("--progress", action="store_true", default=None, help="always show a progress bar")
    progress.add_argument("--no-progress", dest="progress", action="store_false", help="never show one")
    return calling


def build_parser() -> argparse.ArgumentParser:
    calling = _calling_options()
    parser = _Parser(prog="clearmark", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=version_text())
    sub = parser.add_subparsers(dest="command", required=True)

    for module in SUBCOMMANDS:
        module.add_parsers(sub, settings=_settings_options(), calling=calling)
    return parser


def _silence_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so the interpreter's final flush stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns 0 (ok), 1 (ran, found problems), 2 (could not run), 141 (closed pipe)."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser().parse_args(argv)
    except UsageError as error:  # a bad command line: nothing ran
        if "--json" in argv:
            print(render.dumps(render.envelope(argv[0] if argv else "", "", None, EXIT_FAILED, error=error)))
        else:
            print(error, file=sys.stderr)
        return EXIT_FAILED
    try:
        return int(args.run(args))
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except (UsageError, ClearMarkError, OSError, ValueError) as error:
        if getattr(args, "json", False):
            print(render.dumps(render.envelope(args.command, "", None, EXIT_FAILED, error=error)), flush=True)
        else:
            message = error.message if isinstance(error, ClearMarkError) else str(error)
            print(f"clearmark {args.command}: {message}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
