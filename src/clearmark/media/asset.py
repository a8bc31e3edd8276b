"""An Asset: untrusted content (bytes or a spooled file), sniffed once, with pixels, text and metadata read lazily."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from clearmark.core.enums import MediaKind
from clearmark.core.errors import InvalidMedia, MediaTooLarge, UnsupportedFormat
from clearmark.core.signals import MediaInfo
from clearmark.media.format import DecodedImage, FormatSpec, ImageHeader, TextCodec
from clearmark.media.limits import MediaLimits
from clearmark.media.metadata import Metadata
from clearmark.media.sniff import sniff_format
from clearmark.media.source import Source
from clearmark.media.text import ExtractedText
from clearmark.media.views import DerivedView, DerivedViews

if TYPE_CHECKING:
    from clearmark.media.c2pa_settings import C2paTrust
    from clearmark.media.c2pa_store import C2paReport
    from clearmark.media.video import SampledFrame, VideoInfo

T = TypeVar("T")

# The modalities whose content this build can open.
READABLE_KINDS = frozenset({MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.TEXT, MediaKind.DOCUMENT, MediaKind.AUDIO})


@dataclass(frozen=True)
class Asset:
    """One piece of content as detectors and writers see it; nothing here trusts the client.

    Two threads may read one asset at once (``detectors.registry.run_detectors`` runs OCR beside the
    other detectors): on Python 3.11 ``functools.cached_property`` computes each lazy read once under
    its lock, and ``views`` locks each derived view.
    """

    source: Source
    spec: FormatSpec
    limits: MediaLimits
    # A detached C2PA manifest store the client sent with the content (empty: none).
    c2pa_sidecar: bytes = b""

    @property
    def kind(self) -> MediaKind:
        """The sniffed modality."""
        return self.spec.kind

    @property
    def size(self) -> int:
        """The number of bytes."""
        return self.source.size

    @cached_property
    def sha256(self) -> str:
        """Hex SHA-256 of the bytes."""
        return self.source.sha256

    @cached_property
    def data(self) -> bytes:
        """The whole content, for what can only be handled whole (pixels, writers), within ``max_bytes``."""
        return self.source.read_bytes(self.limits.max_bytes)

    @cached_property
    def image(self) -> DecodedImage:
        """The decoded pixels (images only), within the configured limits."""
        if self.spec.pixels is None:
            raise UnsupportedFormat(f"{self.spec.description} has no pixels to decode")
        return self.spec.pixels.decode(self.data, limits=self.limits)

    @cached_property
    def video_info(self) -> VideoInfo:
        """A video's declared parameters (limits checked from the header; one frame decoded for the rotation)."""
        if self.kind is not MediaKind.VIDEO:
            raise UnsupportedFormat(f"{self.spec.description} is not a video")
        from clearmark.media.video import probe_video

        if "video" in self.__dict__:  # the detectors' sampling probed the file already
            return self.video[0]
        return probe_video(self.source, self.limits)

    @cached_property
    def video(self) -> tuple[VideoInfo, tuple[SampledFrame, ...]]:
        """A video's declared parameters and the frames the detectors share (start screen, then spread).

        Limits are checked from the header before anything is decoded (see ``media.video``).
        """
        if self.kind is not MediaKind.VIDEO:
            raise UnsupportedFormat(f"{self.spec.description} has no video frames")
        from clearmark.media.video import sample_frames

        # A probe already made (``video_info``) is not made again: it opens the file and decodes a frame.
        return sample_frames(self.source, self.limits, info=self.__dict__.get("video_info"))

    def c2pa_report(self, trust: C2paTrust) -> C2paReport | None:
        """c2pa's validation of the manifest embedded in the content, judged by ``trust``; read once per trust.

        Validating hashes the whole file, so the readers of one asset share it: Inspect's detector,
        then Label recording the upload as the parent ingredient of its manifest. None: no manifest.
        """
        from clearmark.media.c2pa_store import read_manifest_report

        reports = self.__dict__.setdefault("_c2pa_reports", {})
        if trust not in reports:
            reports[trust] = read_manifest_report(self.source, self.spec.mime_type, trust)
        return reports[trust]

    def drop_frames(self) -> None:
        """Let go of the sampled video frames the detectors shared (no-op when none were decoded), so that
        work coming next — c2pa holding a large asset to sign it — reuses their memory instead of adding to it
        (``core.memory.release_free_memory`` then returns it to the OS). The representative frame (the
        perceptual hash's) is kept."""
        self.__dict__.pop("video", None)

    @cached_property
    def representative_frame(self) -> SampledFrame:
        """The frame a video's perceptual hash is taken of (the sample nearest its middle).

        From the shared samples when a detector decoded them already; otherwise that frame alone is
        found and decoded (``media.video.representative_sample``: Stamp hashing its output needs
        nothing else), and the same opening of the file gives ``video_info`` when it was not read yet.
        """
        from clearmark.media.video import representative_frame, representative_sample

        if "video" in self.__dict__:  # the detectors' samples (a cached_property) are there already
            return representative_frame(*self.video)
        if self.kind is not MediaKind.VIDEO:
            raise UnsupportedFormat(f"{self.spec.description} has no video frames")
        info, frame = representative_sample(self.source, self.limits)
        self.__dict__.setdefault("video_info", info)  # what the cached_property would compute: not twice
        return frame

    @cached_property
    def pixels(self) -> np.ndarray:
        """The decoded pixels as one read-only uint8 array (height, width, 3|4), shared by every reader.

        Converting a 1080p picture to an array costs a few milliseconds; detectors that read pixels
        take this one instead of converting again each.
        """
        pixels = np.asarray(self.image.image)
        pixels.setflags(write=False)
        return pixels

    @cached_property
    def views(self) -> DerivedViews:
        """The views derived from this asset so far (``media.views``: its grey plane, its perceptual hash, ...)."""
        return DerivedViews(self)

    def view(self, view: DerivedView[T]) -> T:
        """One derived view of this asset, computed by the first reader that asks and shared with the rest."""
        return self.views.get(view)

    @property
    def is_textual(self) -> bool:
        """True for text and documents (plain text, Markdown, PDF, OOXML)."""
        return self.spec.text is not None

    @cached_property
    def metadata(self) -> Metadata:
        """Every metadata carrier of the file, parsed defensively (one type for every format)."""
        assert self.spec.container is not None  # open_asset admits supported formats only
        return self.spec.container.read_metadata(self.source, limits=self.limits)

    @property
    def text_codec(self) -> TextCodec:
        """The text codec of a text/document format (raises UnsupportedFormat for other kinds)."""
        if self.spec.text is None:
            raise UnsupportedFormat(f"{self.spec.description} has no text")
        return self.spec.text

    @cached_property
    def text(self) -> ExtractedText:
        """The readable text of a text/document, with pages, paragraphs or character offsets."""
        return self.text_codec.extract_text(self.source, limits=self.limits)

    @cached_property
    def header(self) -> ImageHeader:
        """Dimensions and coding as the container header declares them, without decoding pixels."""
        if self.spec.pixels is None:
            raise UnsupportedFormat(f"{self.spec.description} has no image header")
        return self.spec.pixels.read_header(self.data, limits=self.limits)

    def info(self) -> MediaInfo:
        """The sniffed description of the content, with the header's dimensions for images."""
        width = height = 0
        if self.spec.pixels is not None:
            width, height = self.header.width, self.header.height
        elif self.kind is MediaKind.VIDEO:
            width, height = self.video_info.display_width, self.video_info.display_height
        return MediaInfo(
            kind=self.kind,
            mime_type=self.spec.mime_type,
            format=self.spec.name,
            size_bytes=self.size,
            sha256=self.sha256,
            width=width,
            height=height,
        )


def open_asset(
    content: bytes | Path | Source,
    limits: MediaLimits,
    *,
    kinds: frozenset[MediaKind] = READABLE_KINDS,
    c2pa_sidecar: bytes = b"",
) -> Asset:
    """Sniff the content and check the size limits; only the given modalities are accepted.

    Content that can be read in pieces (text, PDF) may be as large as ``max_stream_bytes``; every
    other format must fit ``max_bytes``.

    Raises:
        MediaTooLarge: more bytes than the format's limit allows.
        InvalidMedia: empty or unrecognisable bytes.
        UnsupportedFormat: a recognised format this build does not handle yet.
    """
    source = Source.of(content)
    if source.size > limits.max_stream_bytes:
        raise MediaTooLarge(f"content is {source.size} bytes, the limit is {limits.max_stream_bytes}")
    if source.size == 0:
        raise InvalidMedia("content is empty")
    spec = sniff_format(source)
    if spec.kind not in kinds:
        supported = ", ".join(sorted(kind.name.lower() for kind in kinds))
        raise UnsupportedFormat(
            f"{spec.mime_type} ({spec.kind.name.lower()}) is not supported yet; supported: {supported}"
        )
    limit = limits.max_stream_bytes if spec.streamable else limits.max_bytes
    if source.size > limit:
        raise MediaTooLarge(f"content is {source.size} bytes, the limit for {spec.description} is {limit}")
    return Asset(source=source, spec=spec, limits=limits, c2pa_sidecar=c2pa_sidecar)
