"""``clearmark lookup``: registry records by ProduceID, PropagateID, SHA-256, request id or watermark key."""

from __future__ import annotations

import argparse
from pathlib import Path

from clearmark.core.errors import ClearMarkError
from clearmark.service.cli import render
from clearmark.service.cli.backend import Backend
from clearmark.service.cli.paths import UsageError
from clearmark.service.cli.verbs import EXIT_FAILED, EXIT_OK, EXIT_PROBLEMS, Printer
from clearmark.v1 import clearmark_service_pb2 as api

# ClearMark's ids: "CM" + 26 base32 characters (ProduceID), "CMP" + 26 (PropagateID). A ProduceID
# may itself begin "CMP" (1 in 32), so the length decides, not the prefix alone.
PRODUCE_ID_LENGTH, PROPAGATE_ID_LENGTH = 28, 29


def lookup_key(value: str) -> str:
    """Which registry key a bare id is: a SHA-256, one of our PropagateIDs, else a ProduceID."""
    if len(value) == 64 and all(c in "0123456789abcdefABCDEF" for c in value):
        return "sha256"
    return "propagate_id" if value.startswith("CMP") and len(value) == PROPAGATE_ID_LENGTH else "produce_id"


def run_lookup(args: argparse.Namespace) -> int:
    """Look up each id; 0 when every id has records, 1 when one has none, 2 when one failed."""
    printer = Printer(args, content_on_stdout=False)
    if not args.ids and not args.similar:
        raise UsageError("give an id to look up, or --similar FILE")
    queries = [
        (value, api.LookupRequest(**{args.by or lookup_key(value): value}, limit=args.limit)) for value in args.ids
    ]
    if args.similar:
        similar = api.LookupRequest(
            similar_content=args.similar.read_bytes(), max_distance=args.max_distance or 0, limit=args.limit
        )
        queries.append((str(args.similar), similar))
    worst = EXIT_OK
    with Backend(args) as backend:
        for value, request in queries:
            try:
                response = backend.lookup(request)
                code = EXIT_OK
                printer.result(render.envelope("lookup", value, None, code, response), render.lookup_text(response, ""))
            except ClearMarkError as error:
                code = EXIT_PROBLEMS if error.reason == "RECORD_NOT_FOUND" else EXIT_FAILED
                printer.failure(render.envelope("lookup", value, None, code, error=error))
            worst = max(worst, code)
    return worst


def add_parsers(
    sub: argparse._SubParsersAction, *, settings: argparse.ArgumentParser, calling: argparse.ArgumentParser
) -> None:
    """``lookup``."""
    lookup_p = sub.add_parser("lookup", parents=[calling], help="find registry records")
    lookup_p.add_argument("ids", nargs="*", metavar="ID", help="ProduceID, PropagateID or SHA-256")
    lookup_p.add_argument(
        "--similar", type=Path, metavar="FILE", help="find records by perceptual hash nearest to this file"
    )
    lookup_p.add_argument("--max-distance", type=int, help="with --similar: largest Hamming distance (bits of 64)")
    lookup_p.add_argument("--by", choices=["produce_id", "propagate_id", "sha256", "request_id", "watermark_id"])
    lookup_p.add_argument("--limit", type=int, default=0, help="at most this many records per id (default 100)")
    lookup_p.set_defaults(run=run_lookup)
