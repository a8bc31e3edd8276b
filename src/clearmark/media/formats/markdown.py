"""Markdown: the label as an ``AIGC:`` mapping in the YAML front matter, merged in place; notice lines in the body."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

from clearmark.core.aigc import parse_label_json
from clearmark.core.enums import MediaKind
from clearmark.core.errors import InvalidMedia, LabelConflict
from clearmark.core.signals import Location
from clearmark.media.format import NO_PROPERTIES, FormatSpec, Probe
from clearmark.media.formats.text import (
    DecodedText,
    add_notice_lines,
    decode_text,
    is_text,
    read_text_window,
    windowed_text,
)
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits, enforce_limit
from clearmark.media.metadata import LabelCarrier, Metadata
from clearmark.media.registry import register_format
from clearmark.media.source import Source
from clearmark.media.text import ExtractedText, NoticePosition, bare_label_fields, check_notice

CARRIER = "markdown:front-matter:AIGC"
LABEL_KEY = "AIGC"
_OPENING = re.compile(r"---[ \t]*\r?\n")
_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.MULTILINE)
# Markdown constructs used to tell Markdown from plain text (see ``looks_like_markdown``).
_STRONG_SYNTAX = {
    "heading": re.compile(r"^#{1,6}[ \t]+\S", re.MULTILINE),
    "fence": re.compile(r"^(?:```|~~~)", re.MULTILINE),
    "link": re.compile(r"!?\[[^\]\n]+\]\([^)\s]+[^)\n]*\)"),
}
_WEAK_SYNTAX = {
    "emphasis": re.compile(r"(\*\*|__)\S[^\n]*?\S\1"),
    "list": re.compile(r"^[ \t]{0,3}(?:[-*+]|\d{1,3}[.)])[ \t]+\S", re.MULTILINE),
    "quote": re.compile(r"^>[ \t]?\S", re.MULTILINE),
    "table": re.compile(r"^\|.*\|[ \t]*\r?\n\|[ \t:|-]+\|", re.MULTILINE),
    "code": re.compile(r"`[^`\n]+`"),
}


@dataclass(frozen=True)
class FrontMatter:
    """The YAML front matter block: ``start``..``end`` is the YAML text between the delimiter lines."""

    start: int
    end: int
    closing_end: int  # just past the closing delimiter line

    def yaml_text(self, text: str) -> str:
        return text[self.start : self.end]


def find_front_matter(text: str, head: int = 0) -> FrontMatter | None:
    """The front matter opening at ``head`` (``---`` line … ``---``/``...`` line), or None."""
    opening = _OPENING.match(text, head)
    if opening is None:
        return None
    closing = _CLOSING.search(text, opening.end())
    if closing is None:
        return None
    return FrontMatter(opening.end(), closing.start(), closing.end())


def looks_like_markdown(text: str) -> bool:
    """The sniffing rule: YAML front matter at the head, or two different Markdown constructs of which
    at least one is an ATX heading, a code fence or an inline link/image."""
    body = text.removeprefix("\ufeff")
    if find_front_matter(body) is not None:
        return True
    strong = sum(1 for pattern in _STRONG_SYNTAX.values() if pattern.search(body))
    weak = sum(1 for pattern in _WEAK_SYNTAX.values() if pattern.search(body))
    return strong >= 1 and strong + weak >= 2


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def _block_end(text: str, value: Node) -> int:
    """End of the last content line of a value (trailing blank and comment lines excluded)."""
    start, end = value.start_mark.index, value.end_mark.index
    if not isinstance(value, MappingNode) or value.flow_style:
        return _line_end(text, max(start, end - 1))
    lines = text[start:end].splitlines(keepends=True)
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
        lines.pop()
    return start + sum(len(line) for line in lines)


class _Loader(yaml.SafeLoader):
    """SafeLoader that is only ever asked to compose nodes and construct single scalars."""


def _compose(source: str) -> Node | None:
    loader = _Loader(source)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _scalar(node: ScalarNode) -> object:
    loader = _Loader("")
    try:
        return loader.construct_object(node)
    except yaml.YAMLError:
        return node.value
    finally:
        loader.dispose()


def _mapping_to_dict(node: MappingNode) -> tuple[dict[str, object], list[str]]:
    """The label mapping as a dict (scalars typed as YAML reads them) and notes about its shape."""
    values: dict[str, object] = {}
    notes: list[str] = []
    for key_node, value_node in node.value:
        key = str(key_node.value) if isinstance(key_node, ScalarNode) else "?"
        if key in values:
            notes.append(f"duplicate-field:{key}")
        if isinstance(value_node, ScalarNode):
            value = _scalar(value_node)
            values[key] = value if isinstance(value, str | int | float | bool) or value is None else str(value)
        elif isinstance(value_node, MappingNode) and key == LABEL_KEY:
            inner, inner_notes = _mapping_to_dict(value_node)  # the wrapped form {AIGC: {…}}
            values[key] = inner
            notes += inner_notes
        else:
            values[key] = None
            notes.append(f"non-scalar-value:{key}")
    return values, notes


class MarkdownContainer:
    """Markdown with YAML front matter; other front matter keys, their order and comments are kept."""

    notice_supported = True

    def read_metadata(self, source: Source, *, limits: MediaLimits = DEFAULT_LIMITS) -> Metadata:
        """The front matter's label carriers; only the head is read (front matter is capped anyway)."""
        return Metadata(tuple(self.read_labels(_head_text(source, limits), limits=limits)))

    def _decode(self, data: bytes, limits: MediaLimits) -> tuple[DecodedText, str, FrontMatter | None]:
        decoded = decode_text(data, limits, what="Markdown")
        text = decoded.bom + decoded.body
        front = find_front_matter(text, len(decoded.bom))
        if front is not None:
            size = len(text[front.start : front.end].encode("utf-8"))
            enforce_limit("max_metadata_bytes", size, limits.max_metadata_bytes, what="front matter")
        return decoded, text, front

    def read_labels(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[LabelCarrier]:
        _decoded, text, front = self._decode(data, limits)
        if front is None:
            return []
        source = front.yaml_text(text)
        try:
            root = _compose(source)
        except (yaml.YAMLError, RecursionError) as exc:
            return self._unreadable(text, front, source, "front-matter-not-yaml", str(exc).splitlines()[0])
        if root is None:
            return []
        if not isinstance(root, MappingNode):
            return self._unreadable(text, front, source, "front-matter-not-mapping", "")
        pairs = [
            (k, v)
            for k, v in root.value
            if isinstance(k, ScalarNode) and str(k.value).casefold() == LABEL_KEY.casefold()
        ]
        carriers = []
        for key_node, value_node in pairs:
            notes: list[str] = []
            if key_node.value != LABEL_KEY:
                notes.append("key-case")
            if len(pairs) > 1:
                notes.append("duplicate-key")
            parsed = None
            if isinstance(value_node, MappingNode):
                values, shape_notes = _mapping_to_dict(value_node)
                notes += shape_notes
                parsed = parse_label_json(json.dumps(values, default=str))
            elif isinstance(value_node, ScalarNode) and isinstance(_scalar(value_node), str):
                notes.append("front-matter-json-string")
                parsed = parse_label_json(str(value_node.value))
            else:
                notes.append("not-a-mapping")
            start = front.start + key_node.start_mark.index
            end = front.start + _block_end(source, value_node)
            name = CARRIER if key_node.value == LABEL_KEY else f"markdown:front-matter:{key_node.value}"
            carriers.append(
                LabelCarrier(
                    name,
                    _location(text, start, end, name),
                    text[start:end].rstrip("\r\n"),
                    parsed,
                    standard=key_node.value == LABEL_KEY and isinstance(value_node, MappingNode),
                    notes=tuple(notes),
                )
            )
        return carriers

    def _unreadable(self, text: str, front: FrontMatter, source: str, note: str, detail: str) -> list[LabelCarrier]:
        match = re.search(r"^[ \t]*AIGC[ \t]*:", source, re.MULTILINE | re.IGNORECASE)
        if match is None:
            return []
        start = front.start + match.start()
        notes = (note, detail) if detail else (note,)
        return [LabelCarrier(CARRIER, _location(text, start, front.end), source[match.start() :], None, notes=notes)]

    def write_label(
        self,
        data: bytes,
        label_json: str,
        *,
        extra_properties: Mapping[tuple[str, str], str] = NO_PROPERTIES,
        target: LabelCarrier | None = None,
        limits: MediaLimits = DEFAULT_LIMITS,
    ) -> bytes:
        decoded, text, front = self._decode(data, limits)
        values = bare_label_fields(label_json)
        nl = decoded.newline
        head = len(decoded.bom)
        if front is None:
            block = _label_block(values, nl, indent="")
            return text[:head].encode("utf-8") + f"---{nl}{block}---{nl}".encode() + text[head:].encode("utf-8")
        source = front.yaml_text(text)
        try:
            root = _compose(source)
        except (yaml.YAMLError, RecursionError) as exc:
            raise InvalidMedia(
                f"front matter is not valid YAML: {str(exc).splitlines()[0]}", reason="MALFORMED_FRONT_MATTER"
            ) from None
        if root is None:
            return (text[: front.start] + _label_block(values, nl, "") + text[front.end :]).encode("utf-8")
        if not isinstance(root, MappingNode) or root.flow_style:
            raise InvalidMedia(
                "front matter is not a block mapping; the label cannot be merged into it",
                reason="MALFORMED_FRONT_MATTER",
            )
        indent = " " * root.value[0][0].start_mark.column if root.value else ""
        pairs = [(k, v) for k, v in root.value if isinstance(k, ScalarNode) and str(k.value).casefold() == "aigc"]
        if len(pairs) > 1:
            raise LabelConflict(f"front matter holds {len(pairs)} AIGC keys; which one to update is ambiguous")
        block = _label_block(values, nl, indent)
        if not pairs:
            insert_at = front.end
            return (text[:insert_at] + block + text[insert_at:]).encode("utf-8")
        key_node, value_node = pairs[0]
        start = front.start + _line_start(source, key_node.start_mark.index)
        end = front.start + _block_end(source, value_node)
        if not text[start:end].endswith("\n"):
            block = block.removesuffix(nl)
        return (text[:start] + block + text[end:]).encode("utf-8")

    def extract_text(self, source: bytes | Source, *, limits: MediaLimits = DEFAULT_LIMITS) -> ExtractedText:
        window = read_text_window(source, limits, what="Markdown")
        text = window.decoded.bom + window.decoded.body
        front = find_front_matter(text, len(window.decoded.bom))
        start = front.closing_end if front is not None else len(window.decoded.bom)
        return windowed_text(window, text[start:], start, "markdown:body")

    def insert_notice(
        self,
        data: bytes,
        notice: str,
        *,
        positions: Collection[NoticePosition] = (NoticePosition.START,),
        limits: MediaLimits = DEFAULT_LIMITS,
    ) -> bytes:
        chosen = check_notice(notice, positions)
        decoded, text, front = self._decode(data, limits)
        head = front.closing_end - len(decoded.bom) if front is not None else 0
        body = add_notice_lines(decoded.body, notice, chosen, decoded.newline, head=head, gap=True)
        return decoded.encode(body)


def _label_block(values: dict[str, str], newline: str, indent: str) -> str:
    lines = [f"{indent}{LABEL_KEY}:"]
    lines += [f"{indent}  {key}: {json.dumps(value, ensure_ascii=True)}" for key, value in values.items()]
    return newline.join(lines) + newline


def _location(text: str, start: int, end: int, carrier: str = CARRIER) -> Location:
    byte_start = len(text[:start].encode("utf-8"))
    return Location(
        carrier=carrier,
        byte_offset=byte_start,
        byte_length=len(text[start:end].encode("utf-8")),
        text_start=start,
        text_end=end,
    )


def _head_text(source: Source, limits: MediaLimits) -> bytes:
    """The bytes that may hold front matter: all of a small file, else a head of twice the metadata cap."""
    if source.size <= limits.max_text_chars:
        return source.read_bytes(limits.max_text_chars)
    head = source.head(min(2 * limits.max_metadata_bytes, limits.max_bytes))
    return head[: len(head.decode("utf-8", errors="ignore").encode("utf-8"))]


def is_markdown(probe: Probe) -> bool:
    """Text that opens with YAML front matter (of any length up to the metadata cap) or shows Markdown syntax.

    Front matter is recognised by its structure, read as far as it goes, not by a fixed prefix.
    """
    if not is_text(probe):
        return False
    head = probe.head.removeprefix(b"\xef\xbb\xbf")
    if _OPENING.match(head.decode("utf-8", errors="ignore")):
        text = _head_text(probe.source, DEFAULT_LIMITS).decode("utf-8", errors="ignore")
        if find_front_matter(text.removeprefix("\ufeff")) is not None:
            return True
    return looks_like_markdown(probe.source.head(65536).decode("utf-8", errors="ignore"))


MARKDOWN = MarkdownContainer()

SPEC = register_format(
    FormatSpec(
        name="markdown",
        kind=MediaKind.TEXT,
        mime_types=("text/markdown", "text/x-markdown"),
        description="Markdown text",
        matches=is_markdown,
        precedence=5,  # a refinement of plain text
        container=MARKDOWN,
        label_carrier=CARRIER,
        text=MARKDOWN,
        streamable=True,
        compat_labels_updatable=True,  # a JSON-string or differently cased AIGC key is rewritten as a mapping
    )
)
