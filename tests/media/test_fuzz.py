"""Property-based fuzzing: mutated, truncated and random bytes only ever raise ClearMarkError subclasses."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from clearmark.core.errors import ClearMarkError
from clearmark.media import MediaLimits, XmpDocument, decode_image, format_named, sniff_format
from clearmark.media.bmff import BoxCounter, parse_boxes
from clearmark.media.formats import gif, tiff
from clearmark.media.formats.jpeg import parse_segments
from clearmark.media.formats.png import parse_chunks
from clearmark.media.formats.webp import parse_layout
from tests.media.samples import (
    FORMATS,
    LABEL_JSON,
    TITLED_XMP,
    WRAPPED_JSON,
    gif_with_xmp,
    read_metadata,
    rgb,
    save,
    user_comment_exif,
    write_label,
)

# Pillow warns (UserWarning) about the corrupt EXIF it meets while decoding mutants; that is expected here.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

# Tight limits keep a mutated header from making Pillow allocate a large canvas.
LIMITS = MediaLimits(max_pixels=250_000, max_dimension=2_048, max_inflated_text_bytes=64 * 1024)
FUZZ = settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PACKET = XmpDocument.empty().to_packet(padding=0)


def _seed(fmt: str) -> bytes:
    """A small file of ``fmt`` carrying XMP, EXIF and (PNG) AIGC text chunks."""
    exif = user_comment_exif(b"ASCII\x00\x00\x00" + WRAPPED_JSON.encode())
    params: dict[str, object] = {"exif": exif}
    if fmt == "gif":  # no EXIF in GIF; two frames, so the frame walk is fuzzed too
        frames = [rgb(16, 12, seed) for seed in (3, 4)]
        animation = save(frames[0], fmt, save_all=True, append_images=frames[1:], duration=[40, 80], loop=0)
        return gif_with_xmp(animation, TITLED_XMP)
    if fmt == "tiff":  # Pillow writes the EXIF UserComment into the TIFF's own Exif IFD, XMP as tag 700
        tags = Image.Exif()
        tags.load(exif)
        tags[700] = TITLED_XMP
        return save(rgb(16, 12), fmt, exif=tags)
    if fmt == "png":
        info = PngImagePlugin.PngInfo()
        info.add_itxt("XML:com.adobe.xmp", TITLED_XMP.decode())
        info.add_text("AIGC", LABEL_JSON)
        info.add_text("AIGC", LABEL_JSON, zip=True)
        params["pnginfo"] = info
    else:
        params["xmp"] = TITLED_XMP
    return save(rgb(16, 12), fmt, **params)


SEEDS = {fmt: _seed(fmt) for fmt in FORMATS}


def _length_fields(fmt: str) -> list[tuple[int, int, str]]:
    """(offset, width, byte order) of every chunk/segment length field in the seed of ``fmt``."""
    data = SEEDS[fmt]
    if fmt == "jpeg":
        return [(s.offset + 2, 2, "big") for s in parse_segments(data) if s.payload_length]
    if fmt == "png":
        return [(c.offset, 4, "big") for c in parse_chunks(data)]
    if fmt == "webp":
        return [(4, 4, "little")] + [(c.offset + 4, 4, "little") for c in parse_layout(data).chunks]
    if fmt == "tiff":  # IFD entry counts, value counts and offsets, next-IFD pointers
        fields = [(4, 4, "little")]
        for ifd in tiff.parse_layout(data).ifds:
            fields.append((ifd.offset, 2, "little"))
            fields += [(e.offset + 4, 4, "little") for e in ifd.entries] + [
                (e.offset + 8, 4, "little") for e in ifd.entries
            ]
        return fields
    if fmt == "gif":  # screen size, then every block's first size byte
        return [(6, 2, "little"), (8, 2, "little")] + [(b.offset + 2, 1, "big") for b in gif.parse_layout(data).blocks]
    return _box_sizes(data, 0, len(data))  # HEIF and AVIF: every box size, nested into meta and iprp


def _box_sizes(data: bytes, start: int, end: int) -> list[tuple[int, int, str]]:
    fields = []
    for box in parse_boxes(data, start, end, BoxCounter()):
        fields.append((box.offset, 4, "big"))
        if box.type in (b"meta", b"iinf"):
            skip = 4 if box.type == b"meta" else 6
            fields += _box_sizes(data, box.body_offset + skip, box.end)
        elif box.type in (b"iprp", b"ipco"):
            fields += _box_sizes(data, box.body_offset, box.end)
    return fields


LENGTH_FIELDS = {fmt: _length_fields(fmt) for fmt in FORMATS}


def exercise(fmt: str, data: bytes) -> None:
    """Run every reader and writer on ``data``; anything but a ClearMarkError fails the test."""
    container = format_named(fmt).container.blocks  # type: ignore[union-attr]
    steps = [
        lambda: sniff_format(data),
        lambda: container.read_header(data, limits=LIMITS),
        lambda: container.read_xmp_packets(data, limits=LIMITS),
        lambda: container.write_xmp(data, PACKET, limits=LIMITS),
        lambda: [
            container.write_text_carrier(data, carrier, WRAPPED_JSON, limits=LIMITS)
            for carrier in container.read_text_carriers(data, limits=LIMITS)
        ],
        lambda: read_metadata(data, LIMITS),
        lambda: write_label(data, LABEL_JSON, limits=LIMITS),
        lambda: decode_image(data, sniff_format(data), LIMITS),
    ]
    for step in steps:
        try:
            step()
        except ClearMarkError:
            pass


@st.composite
def mutated(draw: st.DrawFn, fmt: str) -> bytes:
    data = bytearray(SEEDS[fmt])
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "set", "truncate", "insert", "delete", "lie", "length"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "length":  # a length field of the original layout now lies, by a little or a lot
            offset, width, order = draw(st.sampled_from(LENGTH_FIELDS[fmt]))
            old = int.from_bytes(SEEDS[fmt][offset : offset + width], order)
            value = draw(st.one_of(st.integers(0, 16), st.integers(old - 8, old + 8), st.integers(0, 256**width - 1)))
            data[offset : offset + width] = (value % 256**width).to_bytes(width, order)
        elif kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        else:  # overwrite four bytes with a large or tiny length
            data[at : at + 4] = draw(
                st.sampled_from(
                    [
                        b"\xff\xff\xff\xff",
                        b"\x7f\xff\xff\xff",
                        b"\x00\x00\x00\x00",
                        b"\x00\x00\xff\xff",
                        b"\xff\xff\x00\x00",
                    ]
                )
            )
    return bytes(data)


@pytest.mark.parametrize("fmt", FORMATS)
def test_seeds_are_valid(fmt: str) -> None:
    metadata = read_metadata(SEEDS[fmt], LIMITS)
    assert len(metadata.label_carriers) == {"png": 3, "gif": 0}.get(fmt, 1)
    assert metadata.xmp_packets[0].document is not None


@pytest.mark.parametrize("fmt", FORMATS)
def test_mutations_raise_only_clearmark_errors(fmt: str) -> None:
    @FUZZ
    @given(data=mutated(fmt))
    def run(data: bytes) -> None:
        exercise(fmt, data)

    run()


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_truncation_raises_only_clearmark_errors(fmt: str) -> None:
    seed = SEEDS[fmt]
    for cut in range(0, len(seed), max(1, len(seed) // 300)):
        exercise(fmt, seed[:cut])


@FUZZ
@given(data=st.binary(max_size=512), fmt=st.sampled_from(FORMATS), keep_magic=st.booleans())
def test_random_bytes_raise_only_clearmark_errors(data: bytes, fmt: str, keep_magic: bool) -> None:
    exercise(fmt, SEEDS[fmt][:16] + data if keep_magic else data)
