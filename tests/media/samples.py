"""Small real images and label texts for the media tests; built with Pillow, never with our own writers."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, PngImagePlugin

from clearmark.core.aigc import AigcLabel
from clearmark.media import DEFAULT_LIMITS, FormatSpec, MediaLimits, Metadata, Source, sniff_format
from clearmark.media.formats.gif import MAGIC_TRAILER
from tests.conftest import IMAGE_FORMATS, IMAGE_SAMPLES

PRODUCER = "001191440300708461136T1XGW3"
LABEL = AigcLabel("1", PRODUCER, "gen-0001", "", PRODUCER, "gen-0001", "")
LABEL_JSON = LABEL.to_json()
WRAPPED_JSON = LABEL.to_json(wrapped=True)
PLATFORM_JSON = LABEL.with_propagator("001191440300708461136T2PLAT", "up-42").to_json()
FORMATS = IMAGE_FORMATS  # every supported image format of the registry
# Formats that carry EXIF (and so an EXIF UserComment compat carrier); GIF has none.
EXIF_FORMATS = tuple(fmt for fmt in FORMATS if fmt != "gif")


def rgb(width: int = 48, height: int = 32, seed: int = 3) -> Image.Image:
    """A deterministic noisy RGB image."""
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), "RGB")


def save(image: Image.Image, fmt: str, **params: object) -> bytes:
    """Encode with Pillow (a registered format's name, or Pillow's own plugin name)."""
    buffer = io.BytesIO()
    plugin, defaults = IMAGE_SAMPLES.get(fmt, (fmt, {}))
    image.save(buffer, format=plugin, **{**defaults, **params})
    return buffer.getvalue()


def fmt_of(data: bytes) -> FormatSpec:
    """The sniffed format of bytes."""
    return sniff_format(data)


def read_metadata(data: bytes, limits: MediaLimits = DEFAULT_LIMITS) -> Metadata:
    """Every label carrier of bytes, through their format's container."""
    container = sniff_format(data).container
    assert container is not None
    return container.read_metadata(Source(data=data), limits=limits)


def write_label(data: bytes, label_json: str, *, limits: MediaLimits = DEFAULT_LIMITS, **kwargs: object) -> bytes:
    """Bytes with ``label_json`` written by their format's container."""
    container = sniff_format(data).container
    assert container is not None
    return container.write_label(data, label_json, limits=limits, **kwargs)  # type: ignore[arg-type]


def xmp_packet(body: str) -> bytes:
    """A wrapped XMP packet around RDF description content (attributes or elements)."""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/" '
        f'xmp:CreatorTool="PaintTool">{body}</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


TITLED_XMP = xmp_packet('<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Sunset</rdf:li></rdf:Alt></dc:title>')


def with_xmp(fmt: str, packet: bytes, image: Image.Image | None = None) -> bytes:
    """An image whose XMP packet was written by Pillow (for GIF, which Pillow does not write, by hand)."""
    image = image or rgb()
    if fmt == "png":
        info = PngImagePlugin.PngInfo()
        info.add_itxt("XML:com.adobe.xmp", packet.decode())
        return save(image, fmt, pnginfo=info)
    if fmt == "tiff":
        return save(image, fmt, tiffinfo={700: packet})
    if fmt == "gif":
        return gif_with_xmp(save(image, fmt), packet)
    return save(image, fmt, xmp=packet)


def gif_with_xmp(gif: bytes, packet: bytes) -> bytes:
    """A GIF with an ``XMP DataXMP`` extension after its global colour table, as XMP part 3 lays it out."""
    packed = gif[10]
    at = 13 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)
    return gif[:at] + b"\x21\xff\x0bXMP DataXMP" + packet + MAGIC_TRAILER + b"\x00" + gif[at:]


def user_comment_exif(comment: bytes, *, big_endian: bool = False) -> bytes:
    """EXIF (TIFF) bytes with Make/Model in IFD0 and a UserComment plus DateTimeOriginal in the Exif IFD."""
    exif = Image.Exif()
    exif.endian = ">" if big_endian else "<"
    exif[0x010F] = "Maker"
    exif[0x0110] = "Model X"
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0x9003] = "2025:09:01 10:00:00"
    exif_ifd[0x9286] = comment
    return exif.tobytes()


def with_exif(fmt: str, exif: bytes, image: Image.Image | None = None) -> bytes:
    """An image whose EXIF block was written by Pillow."""
    return save(image or rgb(), fmt, exif=exif)


def png_with_text(kind: str, keyword: str, text: str) -> bytes:
    """A PNG with one tEXt / zTXt / iTXt chunk written by Pillow."""
    info = PngImagePlugin.PngInfo()
    if kind == "tEXt":
        info.add_text(keyword, text)
    elif kind == "zTXt":
        info.add_text(keyword, text, zip=True)
    else:
        info.add_itxt(keyword, text)
    return save(rgb(), "png", pnginfo=info)
