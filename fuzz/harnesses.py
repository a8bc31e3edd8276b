"""One harness per container reader: feed untrusted bytes to every read path; only ClearMarkError may escape.

A harness returns normally or raises ``ClearMarkError`` (a precise refusal); anything else is a finding.
Each supported format of the media registry gets one: its container's metadata reader and label
writer (and a read-back of what it wrote), its pixel codec's header reader, its text extractor, its
video frame-size reader.
"""

from __future__ import annotations

from collections.abc import Callable

from clearmark.core.errors import ClearMarkError
from clearmark.media.format import FormatSpec
from clearmark.media.limits import MediaLimits
from clearmark.media.registry import supported_formats
from clearmark.media.source import Source

# Tight limits: a mutated header must not make a reader allocate gigabytes inside the fuzzer.
LIMITS = MediaLimits(
    max_bytes=4 * 1024 * 1024,
    max_pixels=4_000_000,
    max_dimension=8_192,
    max_metadata_bytes=512 * 1024,
    max_inflated_text_bytes=256 * 1024,
    max_chunks=2_000,
    max_stream_bytes=8 * 1024 * 1024,
    max_text_chars=256 * 1024,
)
LABEL_JSON = (
    '{"Label":"1","ContentProducer":"001191440300708461136T1XGW3","ProduceID":"CMFUZZ",'
    '"ReservedCode1":"","ContentPropagator":"","PropagateID":"","ReservedCode2":""}'
)


def _harness(spec: FormatSpec) -> Callable[[bytes], None]:
    def harness(data: bytes) -> None:
        source = Source(data=data)
        reads: list[Callable[[], object]] = []
        if spec.container is not None:
            reads.append(lambda: spec.container.read_metadata(source, limits=LIMITS))  # type: ignore[union-attr]
        if spec.pixels is not None:
            reads.append(lambda: spec.pixels.read_header(data, limits=LIMITS))  # type: ignore[union-attr]
        if spec.text is not None:
            reads.append(lambda: spec.text.extract_text(source, limits=LIMITS))  # type: ignore[union-attr]
        if spec.frame_size is not None:  # memory admission runs it in the server's main process
            reads.append(lambda: spec.frame_size(source, LIMITS))  # type: ignore[misc]
        for read in reads:
            try:
                read()
            except ClearMarkError:
                pass
        if spec.container is None:
            return
        try:
            written = spec.container.write_label(data, LABEL_JSON, limits=LIMITS)
        except ClearMarkError:
            return
        spec.container.read_metadata(Source(data=written), limits=LIMITS)  # what we wrote must read back

    return harness


HARNESSES: dict[str, Callable[[bytes], None]] = {spec.name: _harness(spec) for spec in supported_formats()}
