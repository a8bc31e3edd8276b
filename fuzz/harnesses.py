"""One harness per container reader: feed untrusted bytes to every read path; only ClearMarkError may escape.

A harness returns normally or raises ``ClearMarkError`` (a precise refusal); anything else is a finding.
"""

from __future__ import annotations

from collections.abc import Callable

from clearmark.core.errors import ClearMarkError
from clearmark.media.container import Container
from clearmark.media.documents.container import DocumentContainer
from clearmark.media.documents.registry import DOCUMENT_CONTAINERS
from clearmark.media.limits import MediaLimits
from clearmark.media.registry import CONTAINERS

# Tight limits: a mutated header must not make a reader allocate gigabytes inside the fuzzer.
LIMITS = MediaLimits(
    max_bytes=4 * 1024 * 1024,
    max_pixels=4_000_000,
    max_dimension=8_192,
    max_metadata_bytes=512 * 1024,
    max_inflated_text_bytes=256 * 1024,
    max_chunks=2_000,
)
_PACKET = (
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'
    b'</x:xmpmeta><?xpacket end="w"?>'
)


def _image_harness(container: Container) -> Callable[[bytes], None]:
    def harness(data: bytes) -> None:
        for read in (container.read_header, container.read_xmp_packets, container.read_text_carriers):
            try:
                read(data, limits=LIMITS)
            except ClearMarkError:
                pass
        try:
            written = container.write_xmp(data, _PACKET, limits=LIMITS)
        except ClearMarkError:
            return
        container.read_xmp_packets(written, limits=LIMITS)  # what we wrote must read back

    return harness


def _document_harness(container: DocumentContainer) -> Callable[[bytes], None]:
    def harness(data: bytes) -> None:
        for read in (container.read_labels, container.extract_text):
            try:
                read(data, limits=LIMITS)
            except ClearMarkError:
                pass

    return harness


HARNESSES: dict[str, Callable[[bytes], None]] = {
    **{name: _image_harness(container) for name, container in CONTAINERS.items()},
    **{name: _document_harness(container) for name, container in DOCUMENT_CONTAINERS.items()},
}
