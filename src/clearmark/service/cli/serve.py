"""``clearmark serve``: run the gRPC server until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from clearmark.service.cli.backend import settings_for


def add_parsers(
    sub: argparse._SubParsersAction, *, settings: argparse.ArgumentParser, calling: argparse.ArgumentParser
) -> None:
    """``serve``: only the settings options (the client options belong to the verbs)."""
    serve_p = sub.add_parser("serve", parents=[settings], help="run the gRPC server")
    serve_p.add_argument("--host")
    serve_p.add_argument("--port", type=int)
    serve_p.add_argument("--metrics-port", type=int, help="serve Prometheus metrics at :PORT/metrics")
    serve_p.add_argument("--log-format", choices=["json", "text"], help="json: one object per line")
    serve_p.set_defaults(run=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from clearmark.service.logs import configure_logging
    from clearmark.service.server import serve

    overrides: dict[str, Any] = {}
    for name in ("host", "port", "metrics_port", "log_format"):
        if getattr(args, name) is not None:
            overrides[name] = getattr(args, name)
    settings = settings_for(args, **overrides)
    configure_logging(settings.log_format, settings.log_level)
    asyncio.run(serve(settings))
    return 0
