"""Property-based fuzzing of every document reader and writer: only ClearMarkError subclasses may escape."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearmark.core.errors import ClearMarkError
from clearmark.media import MediaLimits, sniff_format
from clearmark.media.registry import format_named
from clearmark.media.text import NoticePosition
from tests.media.documents.samples import LABEL_JSON, custom_xml, docx_bytes, pdf_bytes, replace_member

LIMITS = MediaLimits(max_bytes=2 * 1024 * 1024, max_chunks=200)
FUZZ = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SEEDS = {
    "markdown": f"---\ntitle: x\nAIGC:\n  Label: '1'\n---\n# AI生成\n\n[link](http://x) {LABEL_JSON}\n".encode(),
    "text": "本内容由AI生成\nplain text\n".encode(),
    "pdf": pdf_bytes("AI generated", "page two"),
    "docx": replace_member(docx_bytes(), "docProps/custom.xml", custom_xml(("2", "AIGC", "<vt:lpwstr>{}</vt:lpwstr>"))),
}


@st.composite
def mutated(draw: st.DrawFn, fmt: str) -> bytes:
    data = bytearray(SEEDS[fmt])
    for _ in range(draw(st.integers(1, 8))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "zero"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if action == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        elif data:
            data[at : at + 4] = b"\x00\x00\x00\x00"
    return bytes(data)


def _exercise(fmt: str, data: bytes) -> None:
    container = format_named(fmt).container
    calls = [
        lambda: container.read_labels(data, limits=LIMITS),
        lambda: container.extract_text(data, limits=LIMITS),
        lambda: container.write_label(data, LABEL_JSON, limits=LIMITS),
        lambda: container.insert_notice(
            data, "AI生成", positions=(NoticePosition.START, NoticePosition.END), limits=LIMITS
        ),
        lambda: sniff_format(data),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for call in calls:
            try:
                call()
            except ClearMarkError:
                pass


@pytest.mark.parametrize("fmt", sorted(SEEDS))
def test_mutations_raise_only_clearmark_errors(fmt: str) -> None:
    @FUZZ
    @given(mutated(fmt))
    def run(data: bytes) -> None:
        _exercise(fmt, data)

    run()


@pytest.mark.parametrize("fmt", sorted(SEEDS))
@FUZZ
@given(data=st.binary(max_size=512))
def test_random_bytes_raise_only_clearmark_errors(fmt: str, data: bytes) -> None:
    _exercise(fmt, data)
