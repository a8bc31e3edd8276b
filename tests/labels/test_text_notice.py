"""Document writers: notice and label written through the containers and read back."""

from __future__ import annotations

import pytest
from tests.media.documents.samples import LABEL, PLATFORM_LABEL, docx_bytes, pdf_bytes

from clearmark.core.errors import InvalidRequest, UnsupportedFormat
from clearmark.labels.text_notice import TextNoticeSpec, add_text_notice, notice_positions, write_document_label
from clearmark.media import sniff_format
from clearmark.media.registry import format_named
from clearmark.media.text import NoticePosition

SAMPLES = {
    "text": "正文。\n".encode(),
    "markdown": b"# Title\n\n[x](http://y)\n",
    "pdf": pdf_bytes(),
    "docx": docx_bytes(),
}
BOTH = (NoticePosition.START, NoticePosition.END)


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_notice_reads_back_in_every_format(fmt: str) -> None:
    data = SAMPLES[fmt]
    out = add_text_notice(data, sniff_format(data), TextNoticeSpec("本内容由AI生成", BOTH))
    text = format_named(fmt).container.extract_text(out).text
    assert text.count("本内容由AI生成") == 2


@pytest.mark.parametrize("fmt", ["markdown", "pdf", "docx"])
def test_label_written_and_updated_in_place(fmt: str) -> None:
    data = SAMPLES[fmt]
    first = write_document_label(data, sniff_format(data), LABEL)
    second = write_document_label(first, sniff_format(first), PLATFORM_LABEL)
    assert [c.parsed.label for c in format_named(fmt).container.read_labels(second)] == [PLATFORM_LABEL]


def test_plain_text_label_is_unsupported_and_wording_is_checked() -> None:
    with pytest.raises(UnsupportedFormat):
        write_document_label(b"x", sniff_format(b"plain words"), LABEL)
    with pytest.raises(InvalidRequest):
        TextNoticeSpec("AI播客")
    assert notice_positions(["start", "END"]) == BOTH
    with pytest.raises(InvalidRequest):
        notice_positions(["top"])
