"""The README's Python examples, extracted from README.md and run against a real server on 127.0.0.1:0."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
DOCUMENTED_ADDRESS = "127.0.0.1:50051"
NOT_RUN = "<!-- not run"
_BLOCK = re.compile(r"(?P<before>[^\n]*)\n```python\n(?P<code>.*?)\n```", re.DOTALL)

pytestmark = pytest.mark.e2e


def generated_wav() -> bytes:
    """Ten seconds of generated stereo music, as a voice or music service would hand it over."""
    from bench.audio.signals import music_like

    from clearmark.media.audio import encode_audio

    mono = 0.4 * music_like(3, 10.0, 44100)
    return encode_audio(np.stack([mono, mono], axis=1).astype(np.float32), 44100, "wav") or b""


def python_examples(text: str) -> list[str]:
    """Every ```python block of the README, in order, except those marked ``<!-- not run: why -->``."""
    return [m["code"] for m in _BLOCK.finditer(text) if not m["before"].startswith(NOT_RUN)]


def test_the_readme_has_client_examples_and_says_why_any_is_not_run() -> None:
    text = README.read_text()
    examples = python_examples(text)
    assert len(examples) >= 3 and all("clearmark.client" in code for code in examples)
    assert all(DOCUMENTED_ADDRESS in code for code in examples)
    for marker in re.findall(r"<!-- not run[^>]*-->", text):
        assert marker.startswith("<!-- not run: "), "say why the example is not run"


def test_the_readme_examples_run(server, tmp_path: Path, jpeg_bytes: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gen.jpg").write_bytes(jpeg_bytes)
    (tmp_path / "gen.wav").write_bytes(generated_wav())
    printed = io.StringIO()
    for index, code in enumerate(python_examples(README.read_text())):
        source = code.replace(DOCUMENTED_ADDRESS, server.address)
        with contextlib.redirect_stdout(printed):
            exec(compile(source, f"README.md python example {index + 1}", "exec"), {"__name__": "__readme__"})
    out = printed.getvalue()
    assert '"AIGC":{"Label":"1","ContentProducer":"001191440300708461136T1XGW3"' in out
    assert "1 AI生成" in out
    assert "INVALID_ARGUMENT INVALID_PARTY_CODE ['options.producer_code'" in out
    assert "['AI_GENERATED', 'NO_SIGNAL']" in out
    assert "('STAMP', 'IMAGE'" in out and "('LABEL', 'IMAGE'" in out
    assert (tmp_path / "stamped.jpg").stat().st_size > 0
    assert "短长短短 ('start',)" in out and re.search(r"\nstart [456]\d\n", out)  # placed 50 ms in
    assert "\nPASS\n" in out
