"""Content type sniffing by structure: the registered formats' signature tests, never a client's claim."""

from __future__ import annotations

from clearmark.core.errors import InvalidMedia, UnsupportedFormat
from clearmark.media.format import FormatSpec, Probe
from clearmark.media.registry import all_formats
from clearmark.media.source import Source


def sniff_format(content: bytes | Source) -> FormatSpec:
    """Identify content from its bytes, trying each registered format from the most specific down.

    A client's MIME type or file name is never consulted; a spec's test may read past the head where
    the structure needs it (a ZIP's member names, Markdown front matter of any length).

    Raises:
        InvalidMedia: empty or unrecognised bytes.
        UnsupportedFormat: a recognised type that ClearMark does not handle yet.
    """
    source = Source.of(content)
    if source.size == 0:
        raise InvalidMedia("content is empty")
    probe = Probe(source)
    for spec in all_formats():
        if spec.matches(probe):
            if not spec.supported:
                raise UnsupportedFormat(f"content is {spec.description} ({spec.mime_type}), which is not supported yet")
            return spec
    raise InvalidMedia(f"content of {source.size} bytes is not a recognised file type")
