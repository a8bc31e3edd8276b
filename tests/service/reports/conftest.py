"""Report fixtures: a stamped picture verified in-process, and headless Chromium from Debian's package."""

from __future__ import annotations

import asyncio
import io
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from bench.images import photo_like

from clearmark.service.app import ClearMarkApp
from clearmark.service.config import Settings
from clearmark.v1 import clearmark_service_pb2 as api
from tests.conftest import PRODUCER

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@pytest.fixture(scope="session")
def report_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClearMarkApp]:
    with ClearMarkApp(Settings(data_dir=tmp_path_factory.mktemp("report-data"), cpu_workers=0)) as app:
        yield app


@pytest.fixture(scope="session")
def stamped_png(report_app: ClearMarkApp) -> bytes:
    buffer = io.BytesIO()
    photo_like(640, 480, seed=9).save(buffer, "PNG")
    request = api.StampRequest(
        request_id="report-1", content=buffer.getvalue(), options=api.StampOptions(producer_code=PRODUCER)
    )
    return asyncio.run(report_app.stamp(request, "default")).content


def verify_html(app: ClearMarkApp, content: bytes, lang: str = "") -> api.VerifyResponse:
    request = api.VerifyRequest(content=content, options=api.VerifyOptions(include_html=True, report_language=lang))
    return asyncio.run(app.verify(request))


@dataclass(frozen=True)
class Chromium:
    """Debian's chromium, run headless with a fresh profile per call."""

    binary: str

    def _run(self, page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )

    def screenshot(self, page: Path, out: Path, profile: Path, size: str = "1000,1600") -> Path:
        self._run(page, profile, f"--screenshot={out}", f"--window-size={size}", "--hide-scrollbars")
        return out

    def dump_dom(self, page: Path, profile: Path) -> str:
        return self._run(page, profile, "--dump-dom").stdout


@pytest.fixture(scope="session")
def chromium() -> Chromium:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        message = "NO CHROMIUM: the rendered-report tests are SKIPPED (apt-get install chromium; scripts/setup.sh test)"
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    return Chromium(binary)
