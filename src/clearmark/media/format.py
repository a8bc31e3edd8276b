"""What a file format is to ClearMark: one spec per format, and the protocols its parts implement.

A format module builds one :class:`FormatSpec` and registers it (``media.registry``). Sniffing,
decoding, the label readers and writers, the fingerprint field readers and both C2PA tables read
the specs; nothing else names a format.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol

from clearmark.core.enums import MediaKind
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits, enforce_limit
from clearmark.media.source import Source

if TYPE_CHECKING:
    from PIL import Image

    from clearmark.media.fields import TextField
    from clearmark.media.metadata import LabelCarrier, Metadata
    from clearmark.media.text import ExtractedText, NoticePosition

NO_PROPERTIES: Mapping[tuple[str, str], str] = MappingProxyType({})


@dataclass(frozen=True)
class ImageHeader:
    """What an image container's header declares, read without decoding pixels."""

    width: int
    height: int
    lossless: bool


@dataclass(frozen=True)
class FrameSize:
    """The largest video frame a container's header declares, read without FFmpeg.

    Attributes:
        width, height: the coded frame size (0 when a video track declares none).
        displayed_pixels: the picture as shown, the sample aspect ratio applied the way the frame
            sampler applies it (coded height x height x display width / display height); 0 when
            the header says nothing beyond the coded size.
    """

    width: int
    height: int
    displayed_pixels: int = 0

    @property
    def pixels(self) -> int:
        """The pixels of the larger of the coded and the displayed picture (0: undeclared)."""
        return max(self.width * self.height, self.displayed_pixels)


def displayed_pixels(width: int, height: int, display_width: int, display_height: int) -> int:
    """The pixels of a ``width`` x ``height`` frame shown at ``display_width`` : ``display_height``.

    The sampler keeps the coded height and scales the width by the sample aspect ratio; a display
    size that is missing or zero means square pixels.
    """
    if display_width <= 0 or display_height <= 0 or width <= 0 or height <= 0:
        return width * height
    return height * max(1, round(height * display_width / display_height))


def largest_frame(sizes: Sequence[FrameSize], limits: MediaLimits) -> FrameSize | None:
    """The largest of a container's declared video frames (None for none), each checked against ``limits``.

    Raises:
        MediaTooLarge: a coded frame over ``max_dimension`` or ``max_video_pixels`` (as the worker's probe).
    """
    for size in sizes:
        enforce_limit("max_dimension", max(size.width, size.height), limits.max_dimension, what="video frame dimension")
        enforce_limit(
            "max_video_pixels",
            size.width * size.height,
            limits.max_video_pixels,
            what=f"{size.width}x{size.height} frames",
        )
    return max(sizes, key=lambda size: size.pixels, default=None)


FrameSizeReader = Callable[[Source, MediaLimits], "FrameSize | None"]


class Probe:
    """What sniffing may look at: the leading bytes, and the whole source for structural tests."""

    HEAD = 4096

    def __init__(self, source: Source) -> None:
        self.source = source
        self.head = source.head(self.HEAD)

    def starts_with(self, *prefixes: bytes) -> bool:
        """True when the content starts with one of ``prefixes``."""
        return self.head.startswith(prefixes)


class Container(Protocol):
    """Reads and writes one format's metadata label carriers; never decodes pixels or text."""

    def read_metadata(self, source: Source, *, limits: MediaLimits = DEFAULT_LIMITS) -> Metadata:
        """Every label carrier (standard and compat) and the label-related metadata, in file order.

        Raises:
            InvalidMedia: the structure is broken (hostile XML in a document is reason ``HOSTILE_XML``;
                in an image's XMP it is reported in ``Metadata.xmp_packets``).
            MediaTooLarge: a size, count or decompression limit was exceeded.
        """
        ...

    def write_label(
        self,
        data: bytes,
        label_json: str,
        *,
        extra_properties: Mapping[tuple[str, str], str] = NO_PROPERTIES,
        target: LabelCarrier | None = None,
        limits: MediaLimits = DEFAULT_LIMITS,
    ) -> bytes:
        """The content with ``label_json`` in its one standard carrier (added, or ``target`` updated in place).

        Raises:
            InvalidRequest: ``label_json`` is not a label, or ``target`` no longer matches the content.
            LabelConflict: the content already holds two or more standard carriers.
            UnsupportedFormat: the format has no metadata place (reason ``NO_METADATA_CONTAINER``).
        """
        ...

    # Optional: a container of large (streamable) media may also define
    #
    #     def write_label_to(self, source: Source, output: Path, label_json: str, *,
    #                        extra_properties=NO_PROPERTIES, target=None, limits=DEFAULT_LIMITS) -> None
    #
    # which writes what ``write_label`` would return to the file ``output`` (atomically: a temporary
    # name beside it, then a rename), reading ``source`` in pieces so memory stays bounded by the
    # container's index (an MP4 ``moov``), never the media. Callers go through ``write_label_file``.


class StreamingContainer(Container, Protocol):
    """A ``Container`` that also writes file to file without holding the content in memory."""

    def write_label_to(
        self,
        source: Source,
        output: Path,
        label_json: str,
        *,
        extra_properties: Mapping[tuple[str, str], str] = NO_PROPERTIES,
        target: LabelCarrier | None = None,
        limits: MediaLimits = DEFAULT_LIMITS,
    ) -> None:
        """Write the labelled content to ``output`` (atomically); raises as ``write_label`` does."""
        ...


def write_label_file(
    container: Container,
    source: Source,
    output: Path,
    label_json: str,
    *,
    extra_properties: Mapping[tuple[str, str], str] = NO_PROPERTIES,
    target: LabelCarrier | None = None,
    limits: MediaLimits = DEFAULT_LIMITS,
) -> None:
    """Write ``source`` with ``label_json`` to the file ``output``, streaming when the container can.

    Uses the container's ``write_label_to`` when it has one (memory bounded by the container's index);
    otherwise reads the content whole (within ``limits.max_bytes``), calls ``write_label`` and writes
    the bytes to a temporary file renamed onto ``output``. ``output`` is untouched on any error.

    Raises:
        as ``Container.write_label``; MediaTooLarge when a non-streaming container gets content past ``max_bytes``.
    """
    streaming = getattr(container, "write_label_to", None)
    if streaming is not None:
        streaming(source, output, label_json, extra_properties=extra_properties, target=target, limits=limits)
        return
    written = container.write_label(
        source.read_bytes(limits.max_bytes),
        label_json,
        extra_properties=extra_properties,
        target=target,
        limits=limits,
    )
    temp = output.with_name(f".{output.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    try:
        temp.write_bytes(written)
        os.replace(temp, output)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


class PixelCodec(Protocol):
    """Decodes a still image within limits and re-encodes edited pixels in the same format."""

    def read_header(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> ImageHeader:
        """Dimensions and coding declared by the header, without decoding pixels."""
        ...

    def decode(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> DecodedImage:
        """The pixels (RGB or RGBA) after the declared size was checked against ``limits``."""
        ...

    def encode(
        self, image: Image.Image, like: DecodedImage, *, quality: int, frames: Sequence[Image.Image] = ()
    ) -> bytes:
        """``image`` (then ``frames``, with ``like``'s timing) in ``like``'s format, keeping ICC and EXIF; no XMP."""
        ...


class TextCodec(Protocol):
    """Extracts the readable text of a text or document format and adds visible notice lines to it."""

    notice_supported: bool

    def extract_text(self, source: bytes | Source, *, limits: MediaLimits = DEFAULT_LIMITS) -> ExtractedText:
        """The readable text, within ``limits.max_text_chars`` (the head and tail of longer content)."""
        ...

    def insert_notice(
        self,
        data: bytes,
        notice: str,
        *,
        positions: Collection[NoticePosition],
        limits: MediaLimits = DEFAULT_LIMITS,
    ) -> bytes:
        """The document with a visible notice line at each of ``positions`` (START and/or END)."""
        ...


FieldReader = Callable[[bytes, MediaLimits], "Iterator[TextField]"]


@dataclass(frozen=True)
class DecodedImage:
    """Fully loaded pixels (RGB or RGBA) plus what a re-encoder needs to keep."""

    image: Image.Image
    format: str
    width: int
    height: int
    icc_profile: bytes | None
    exif: bytes | None  # a TIFF block, without the ``Exif\0\0`` prefix
    lossless: bool
    quality_hint: int | None
    # Further frames of an animation (GIF, multi-page TIFF) and their durations in ms; the first
    # frame is ``image``. Writers draw the notice on every frame and mark the first; readers look at the first.
    frames: tuple[Image.Image, ...] = ()
    durations_ms: tuple[int, ...] = ()
    loop: int | None = None  # an animation's loop count (0: forever); None when the file says none


@dataclass(frozen=True)
class C2paMemory:
    """What c2pa holds while it signs or validates one asset of a format: a multiple of the file's size
    plus a constant, measured (``bench/bench_c2pa_mp4_memory.py``) and counted by memory admission."""

    sign_factor: float
    read_factor: float
    overhead_bytes: int

    def signing_bytes(self, size: int) -> int:
        """Peak bytes of signing a ``size``-byte asset (with or without a parent ingredient)."""
        return int(size * self.sign_factor) + self.overhead_bytes

    def reading_bytes(self, size: int) -> int:
        """Peak bytes of reading and validating a ``size``-byte asset's manifest store."""
        return int(size * self.read_factor) + self.overhead_bytes


# c2pa-python 0.38.1 (c2pa-rs 0.91.3) on MP4 and MOV, whatever the API (``sign``, ``sign_file``, a
# Merkle-hashed ``mdat``, a parent ingredient): the peak RSS rose by 2.05-2.35x the file to sign
# (69 MiB for 29 MiB, 422 MiB for 206 MiB: ~2.0x + 11 MiB) and by 1.04-1.31x to read and validate
# (39 MiB, 215 MiB). Rounded up, with room for what the verb holds beside c2pa (a 1080p Label's peak was
# c2pa's + 17 MiB) and for Stamp's re-encode growing the file it signs (+7 % at 1080p): the estimate is
# 15-39 % above every signing measurement, 20-64 % above every read.
BMFF_C2PA_MEMORY = C2paMemory(sign_factor=2.2, read_factor=1.1, overhead_bytes=32 * 1024 * 1024)


@dataclass(frozen=True)
class C2paSizeLimit:
    """The size past which c2pa neither signs nor validates content of a format, and the setting that sets it."""

    setting: str
    max_bytes: int

    def exceeded_by(self, size: int) -> bool:
        """True when content of ``size`` bytes is past the limit."""
        return size > self.max_bytes


@dataclass(frozen=True)
class C2paSupport:
    """Where c2pa embeds a manifest store in this format, and whether c2pa-python signs it here.

    ``c2pa.Builder.get_supported_mime_types()`` lists more than signs cleanly: c2pa-python 0.38.1
    fails on DOCX ("compression method not supported: 8"), and plain text is no C2PA asset type, so
    a format says ``signs`` only after its own tests show c2pa's Reader validating what we signed.

    ``signs_in_pieces``: c2pa signs this format file to file without holding the asset in memory
    (measured). Where it does not, c2pa holds the asset whole to sign and to validate it, so both stop
    at ``size_limit``: ``max_bytes`` by default — c2pa-python 0.38.1 on PDF and WAV peaks at ~3.5-5x
    the file — or ``max_c2pa_whole_asset_bytes`` for a format whose cost is measured in ``memory``
    (MP4, MOV), which memory admission then counts.
    """

    carrier: str
    signs: bool = True
    signs_in_pieces: bool = False
    memory: C2paMemory | None = None

    def size_limit(self, limits: MediaLimits) -> C2paSizeLimit:
        """The largest content c2pa holds whole for this format: the one decision Stamp, Label, Inspect and
        Verify read (signing past it is skipped with a warning, validation with ``c2pa.not_validated``)."""
        if self.memory is not None:
            return C2paSizeLimit("max_c2pa_whole_asset_bytes", limits.max_c2pa_whole_asset_bytes)
        return C2paSizeLimit("max_media_bytes", limits.max_bytes)


@dataclass(frozen=True)
class FormatSpec:
    """Everything ClearMark knows about one file format.

    Attributes:
        name: short name (``jpeg``), the ``format`` of ``MediaInfo``.
        kind: the modality.
        mime_types: the canonical type first, then aliases other producers send.
        description: for error messages ("JPEG image").
        matches: the signature test on a :class:`Probe`.
        precedence: specs are tried from high to low; generic fallbacks (ZIP, plain text) sit low.
        container: label carriers read and written; None for formats recognised only to be refused.
        label_carrier: the standard carrier's name; None where GB 45438 gives the format no metadata place.
        pixels: the still-image codec, for image formats.
        text: the text codec, for text and document formats.
        c2pa: where c2pa puts a manifest, None when c2pa does not handle the format.
        fields: the reader of the generator-fingerprint text fields (EXIF, PNG text chunks).
        frame_size: the pure-Python reader of a video container's declared frame size (memory
            admission reads it before any FFmpeg code sees the bytes); None when it returns no video.
        streamable: content can be read in pieces (no whole-file limit beyond the stream limit).
        notice_blocked_by_signature: a visible notice would break the file's own digital signatures.
        compat_labels_updatable: Label may rewrite a compat (non-standard) carrier in place.
    """

    name: str
    kind: MediaKind
    mime_types: tuple[str, ...]
    description: str
    matches: Callable[[Probe], bool]
    precedence: int = 50
    container: Container | None = None
    label_carrier: str | None = None
    pixels: PixelCodec | None = None
    text: TextCodec | None = None
    c2pa: C2paSupport | None = None
    fields: FieldReader | None = None
    frame_size: FrameSizeReader | None = None
    streamable: bool = False
    notice_blocked_by_signature: Callable[[bytes | Source], bool] | None = None
    compat_labels_updatable: bool = False

    @property
    def mime_type(self) -> str:
        """The canonical MIME type."""
        return self.mime_types[0]

    @property
    def supported(self) -> bool:
        """True when ClearMark reads and writes this format's labels."""
        return self.container is not None

    @property
    def signs_c2pa(self) -> bool:
        """True when c2pa-python signs manifests into this format."""
        return self.c2pa is not None and self.c2pa.signs
