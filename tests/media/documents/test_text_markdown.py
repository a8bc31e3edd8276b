"""Plain text and Markdown: front matter label round trips (read back with PyYAML), notices, text offsets."""

from __future__ import annotations

import json

import pytest
import yaml

from clearmark.core.enums import MediaKind
from clearmark.core.errors import InvalidMedia, InvalidRequest, LabelConflict, UnsupportedFormat
from clearmark.media import sniff_format
from clearmark.media.formats.markdown import looks_like_markdown
from clearmark.media.registry import format_named
from clearmark.media.text import NoticePosition
from tests.media.documents.samples import LABEL, LABEL_JSON, PLATFORM_LABEL, WRAPPED_JSON

MD = format_named("markdown").container
TEXT = format_named("text").container
START, END = NoticePosition.START, NoticePosition.END


def front_matter(data: bytes) -> dict:
    text = data.decode("utf-8").removeprefix("\ufeff")
    assert text.startswith("---")
    return yaml.safe_load(text.split("---", 2)[1])


@pytest.mark.parametrize(
    ("text", "markdown"),
    [
        ("---\ntitle: x\n---\nbody", True),
        ("# Title\n\nSee [the spec](https://example.org).", True),
        ("# Title\n\n- item one\n- item two", True),
        ("```\ncode\n```\n**bold** text", True),
        ("# just a comment line in a config file\nkey=value\n", False),
        ("- a dash list\n- alone is plain text\n", False),
        ("AI生成的内容。\nplain text\n", False),
        ("---\nno closing delimiter\n", False),
    ],
)
def test_sniffing_rule(text: str, markdown: bool) -> None:
    assert looks_like_markdown(text) is markdown
    info = sniff_format(text.encode())
    assert (info.kind, info.name) == (MediaKind.TEXT, "markdown" if markdown else "text")


def test_label_is_added_as_front_matter_yaml_mapping() -> None:
    out = MD.write_label(b"# Title\n\nBody.\n", LABEL_JSON)
    assert front_matter(out) == {"AIGC": LABEL.as_ordered_dict()}
    assert list(front_matter(out)["AIGC"]) == list(LABEL.as_ordered_dict())
    assert out.endswith(b"---\n# Title\n\nBody.\n")
    [carrier] = MD.read_labels(out)
    assert (carrier.carrier, carrier.standard, carrier.notes, carrier.parsed.label) == (
        "markdown:front-matter:AIGC",
        True,
        (),
        LABEL,
    )
    assert out.decode()[carrier.location.text_start : carrier.location.text_end].startswith("AIGC:")


def test_merge_keeps_other_keys_order_and_comments_and_updates_in_place() -> None:
    source = "---\ntitle: Hello\n# a comment\ntags: [a, b]\ndate: 2025-09-01\n---\nBody\n"
    first = MD.write_label(source.encode(), WRAPPED_JSON).decode()
    assert first.startswith("---\ntitle: Hello\n# a comment\ntags: [a, b]\ndate: 2025-09-01\nAIGC:\n")
    second = MD.write_label(first.encode(), PLATFORM_LABEL.to_json()).decode()
    loaded = front_matter(second.encode())
    assert list(loaded) == ["title", "tags", "date", "AIGC"]
    assert loaded["AIGC"] == PLATFORM_LABEL.as_ordered_dict()
    assert (
        second.replace("up-42", "gen-0001").replace(PLATFORM_LABEL.content_propagator, LABEL.content_propagator)
        == first
    )


def test_existing_label_in_the_middle_is_replaced_where_it_is() -> None:
    source = "---\ntitle: x\nAIGC:\n  Label: 1\n  ContentProducer: old\n# trailing comment\nlast: y\n---\nBody\n"
    out = MD.write_label(source.encode(), LABEL_JSON).decode()
    assert list(front_matter(out.encode())) == ["title", "AIGC", "last"]
    assert "# trailing comment\nlast: y\n---\nBody\n" in out


def test_crlf_and_bom_are_kept() -> None:
    source = "\ufeff---\r\ntitle: x\r\n---\r\nBody\r\n".encode()
    out = MD.write_label(source, LABEL_JSON)
    assert out.startswith(b"\xef\xbb\xbf---\r\ntitle: x\r\nAIGC:\r\n")
    assert b"\n" not in out.replace(b"\r\n", b"")
    assert front_matter(out)["AIGC"]["ProduceID"] == "gen-0001"
    assert MD.read_labels(out)[0].parsed.label == LABEL


def test_empty_front_matter_gets_the_label() -> None:
    out = MD.write_label(b"---\n---\nBody\n", LABEL_JSON)
    assert front_matter(out) == {"AIGC": LABEL.as_ordered_dict()}


@pytest.mark.parametrize(
    ("block", "notes", "standard", "non_string"),
    [
        (f"AIGC: '{LABEL_JSON}'", ("front-matter-json-string",), False, ()),
        ('AIGC:\n  Label: 1\n  ContentProducer: "x"', (), True, ("Label",)),
        ("AIGC:\n  AIGC:\n    Label: '1'", (), True, ()),
        ("aigc:\n  Label: '1'", ("key-case",), False, ()),
        ("AIGC:\n  Label: '1'\n  Label: '2'", ("duplicate-field:Label",), True, ()),
        ("AIGC:\n  Label: [1, 2]", ("non-scalar-value:Label",), True, ("Label",)),
    ],
)
def test_producer_mistakes_are_read_and_flagged(block: str, notes: tuple, standard: bool, non_string: tuple) -> None:
    [carrier] = MD.read_labels(f"---\ntitle: x\n{block}\n---\nBody\n".encode())
    assert carrier.notes == notes
    assert carrier.standard is standard
    assert carrier.parsed is not None
    assert carrier.parsed.non_string_keys[: len(non_string)] == non_string


def test_duplicate_keys_are_two_carriers_and_block_writing() -> None:
    data = f"---\nAIGC:\n  Label: '1'\nAIGC: '{LABEL_JSON}'\n---\n".encode()
    carriers = MD.read_labels(data)
    assert len(carriers) == 2 and all("duplicate-key" in c.notes for c in carriers)
    with pytest.raises(LabelConflict):
        MD.write_label(data, LABEL_JSON)


def test_broken_yaml_is_reported_and_never_overwritten() -> None:
    data = b"---\nAIGC: {Label: '1'\ntitle: [unclosed\n---\nBody\n"
    [carrier] = MD.read_labels(data)
    assert carrier.parsed is None and carrier.notes[0] == "front-matter-not-yaml"
    with pytest.raises(InvalidMedia, match="not valid YAML"):
        MD.write_label(data, LABEL_JSON)
    assert MD.read_labels(b"---\n- a list\n---\n") == []
    with pytest.raises(InvalidMedia, match="block mapping"):
        MD.write_label(b"---\n- a list\n---\n", LABEL_JSON)


def test_yaml_tags_and_aliases_are_harmless() -> None:
    data = b"---\na: &x [1, 2]\nb: *x\nAIGC:\n  Label: !!python/object:os.system 'echo no'\n---\n"
    [carrier] = MD.read_labels(data)
    assert carrier.parsed is not None and carrier.parsed.label.label == "echo no"


def test_bad_label_json_is_an_invalid_request() -> None:
    with pytest.raises(InvalidRequest):
        MD.write_label(b"Body\n", '{"not": "a label"}')


def test_markdown_text_excludes_front_matter_and_maps_offsets() -> None:
    source = "---\ntitle: AI生成\n---\nHello 本文由AI生成\n"
    extracted = MD.extract_text(source.encode())
    assert extracted.text == "Hello 本文由AI生成\n"
    at = extracted.text.index("AI")
    assert source[extracted.source_offset(at) : extracted.source_offset(at) + 4] == "AI生成"


@pytest.mark.parametrize(
    ("positions", "expected"),
    [
        ((START,), "AI生成\n\n# T\n\nBody\n"),
        ((END,), "# T\n\nBody\n\nAI生成\n"),
        ((START, END), "AI生成\n\n# T\n\nBody\n\nAI生成\n"),
    ],
)
def test_markdown_notice_lines(positions: tuple, expected: str) -> None:
    assert MD.insert_notice(b"# T\n\nBody\n", "AI生成", positions=positions).decode() == expected


def test_markdown_notice_goes_after_front_matter() -> None:
    out = MD.insert_notice(b"---\ntitle: x\n---\nBody", "AI生成", positions=(START, END)).decode()
    assert out == "---\ntitle: x\n---\nAI生成\n\nBody\n\nAI生成\n"


def test_plain_text_notice_keeps_crlf_and_bom() -> None:
    out = TEXT.insert_notice("\ufeffline one\r\nline two".encode(), "本内容由AI生成", positions=(START, END))
    assert out.decode() == "\ufeff本内容由AI生成\r\nline one\r\nline two\r\n本内容由AI生成\r\n"
    assert TEXT.insert_notice(b"", "AI生成", positions=(END,)) == "AI生成\n".encode()


def test_plain_text_has_no_metadata_container() -> None:
    assert format_named("text").label_carrier is None and TEXT.read_labels(b"hello") == []
    with pytest.raises(UnsupportedFormat, match="no standard metadata container") as caught:
        TEXT.write_label(b"hello", LABEL_JSON)
    assert caught.value.reason == "NO_METADATA_CONTAINER"


@pytest.mark.parametrize("notice", ["", "two\nlines", "tab\there"])
def test_bad_notices_are_refused(notice: str) -> None:
    with pytest.raises(InvalidRequest):
        TEXT.insert_notice(b"x", notice)
    with pytest.raises(InvalidRequest):
        TEXT.insert_notice(b"x", "AI生成", positions=(NoticePosition.MIDDLE,))


def test_non_utf8_and_nul_are_invalid() -> None:
    for data in (b"\xff\xfe t", b"a\x00b"):
        with pytest.raises(InvalidMedia):
            TEXT.extract_text(data)
        with pytest.raises(InvalidMedia):
            MD.read_labels(data)


def test_written_front_matter_is_json_compatible_yaml() -> None:
    out = MD.write_label(b"x\n", LABEL_JSON).decode()
    block = out.split("---")[1]
    for line in block.strip().splitlines()[1:]:
        key, value = line.strip().split(": ", 1)
        assert json.loads(value) == LABEL.as_ordered_dict()[key]
