"""The running server's version and build, for ``clearmark --version``, health metadata and logs."""

from __future__ import annotations

import os
import platform

from clearmark import __version__

BUILD_ENV = "CLEARMARK_BUILD"


def build_id() -> str:
    """The build the image or deployment stamped into ``CLEARMARK_BUILD`` (e.g. a git commit), else "dev"."""
    return os.environ.get(BUILD_ENV, "").strip() or "dev"


def version_text() -> str:
    """One line: version, build and Python."""
    return f"clearmark {__version__} (build {build_id()}, Python {platform.python_version()})"


def version_metadata() -> tuple[tuple[str, str], ...]:
    """gRPC metadata naming the server's version and build (sent with health checks and every RPC)."""
    return (("clearmark-version", __version__), ("clearmark-build", build_id()))
