"""``clearmark serve``: run the gRPC server until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import logging
from typing import Any

from clearmark.service.cli.backend import settings_for


def add_parsers(
    sub: argparse._SubParsersAction, *, settings: argparse.ArgumentParser, calling: argparse.ArgumentParser
) -> None:
    """``serve``: only the settings options (the client options belong to the verbs)."""
    serve_p = sub.add_parser("serve", parents=[settings], help="run the gRPC server")
    serve_p.add_argument("--host")
    serve_p.add_argument("--port", type=int)
    serve_p.set_defaults(run=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from clearmark.service.server import serve

    overrides: dict[str, Any] = {}
    if args.host:
        overrides["host"] = args.host
    if args.port is not None:
        overrides["port"] = args.port
    settings = settings_for(args, **overrides)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(serve(settings))
    return 0
