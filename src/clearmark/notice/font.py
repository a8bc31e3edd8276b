"""The bundled CJK font of explicit notices: loaded from an injectable path and checked by SHA-256."""

from __future__ import annotations

import functools
import hashlib
import struct
import threading
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from PIL import ImageFont

from clearmark.core.errors import ClearMarkError

FONT_FILE_NAME = "NotoSansSC-ClearMark-Bold.otf"
# SHA-256 of src/clearmark/assets/fonts/NotoSansSC-ClearMark-Bold.otf as made by scripts/subset_font.py.
BUNDLED_FONT_SHA256 = "e4c788e397e6a3027e0fddef611ab88129936814017c2975fb55232101bd1d00"
MAX_FONT_SIZE = 4096
_MAX_FONT_BYTES = 64 * 1024 * 1024
_SIZE_CACHE_LIMIT = 64
# The basic layout engine is always compiled into Pillow (Raqm is optional), so writer and
# detector rasterise identically wherever they run; CJK and Latin notices need no shaping.
LAYOUT_ENGINE = ImageFont.Layout.BASIC


class NoticeFontError(ClearMarkError):
    """The notice font is missing, unreadable or not the file its checksum says it is."""

    default_reason = "NOTICE_FONT_INVALID"


@dataclass(frozen=True, eq=False)
class NoticeFont:
    """A verified font file plus the code points its cmap maps; ``at(size)`` gives a cached face."""

    path: Path
    sha256: str
    codepoints: frozenset[int] = field(repr=False)
    _faces: dict[int, ImageFont.FreeTypeFont] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def at(self, size: int) -> ImageFont.FreeTypeFont:
        """The font at ``size`` pixels per em (cached; the cache is bounded).

        Raises:
            ValueError: when ``size`` is not an integer in 1..MAX_FONT_SIZE.
        """
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_FONT_SIZE:
            raise ValueError(f"font size must be an integer in 1..{MAX_FONT_SIZE}, got {size!r}")
        with self._lock:
            face = self._faces.get(size)
            if face is None:
                if len(self._faces) >= _SIZE_CACHE_LIMIT:
                    self._faces.pop(next(iter(self._faces)))
                face = ImageFont.truetype(str(self.path), size, layout_engine=LAYOUT_ENGINE)
                self._faces[size] = face
            return face

    def missing_characters(self, text: str) -> str:
        """The characters of ``text`` (in order, without repeats) that the font has no glyph for."""
        missing = dict.fromkeys(ch for ch in text if ord(ch) not in self.codepoints)
        return "".join(missing)


def bundled_font_path() -> Path:
    """Where the bundled notice font lies inside the installed package."""
    resource = resources.files("clearmark").joinpath("assets", "fonts", FONT_FILE_NAME)
    if not isinstance(resource, Path):
        raise NoticeFontError("the bundled notice font must be installed on a filesystem, not in an archive")
    return resource


def load_notice_font(path: Path | None = None, *, sha256: str | None = None) -> NoticeFont:
    """Load and verify the notice font; cached per (path, checksum). Never falls back to system fonts.

    Args:
        path: a font file (OTF/TTF, not a collection); default the bundled subset.
        sha256: the expected hex SHA-256 of the file; default the bundled font's checksum.

    Raises:
        NoticeFontError: the file is missing, unreadable, not a single font, or its checksum differs.
    """
    resolved = (path if path is not None else bundled_font_path()).resolve()
    return _load(resolved, (sha256 or BUNDLED_FONT_SHA256).lower())


@functools.lru_cache(maxsize=8)
def _load(path: Path, expected_sha256: str) -> NoticeFont:
    try:
        if path.stat().st_size > _MAX_FONT_BYTES:
            raise NoticeFontError(f"notice font {path} is larger than {_MAX_FONT_BYTES} bytes")
        data = path.read_bytes()
    except OSError as exc:
        raise NoticeFontError(f"cannot read notice font {path}: {exc.strerror or exc}") from exc
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256:
        raise NoticeFontError(
            f"notice font {path} has SHA-256 {actual}, expected {expected_sha256}; "
            "reinstall ClearMark or regenerate the font with scripts/subset_font.py and update the checksum"
        )
    try:
        codepoints = read_cmap_codepoints(data)
        ImageFont.truetype(str(path), 16, layout_engine=LAYOUT_ENGINE)
    except (OSError, ValueError, struct.error) as exc:
        raise NoticeFontError(f"notice font {path} is not a usable OpenType font: {exc}") from exc
    return NoticeFont(path=path, sha256=actual, codepoints=codepoints)


def read_cmap_codepoints(data: bytes) -> frozenset[int]:
    """The code points a single OpenType/TrueType font maps to a real glyph (cmap format 4 or 12).

    Raises:
        ValueError: the data is a collection, has no usable Unicode cmap, or is malformed.
    """
    if data[:4] == b"ttcf":
        raise ValueError("font collections are not supported; extract one face first")
    (num_tables,) = struct.unpack_from(">H", data, 4)
    cmap_offset = None
    for i in range(num_tables):
        tag, _checksum, offset, _length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        if tag == b"cmap":
            cmap_offset = offset
    if cmap_offset is None:
        raise ValueError("font has no cmap table")
    _version, num_subtables = struct.unpack_from(">HH", data, cmap_offset)
    subtables: dict[tuple[int, int], int] = {}
    for i in range(num_subtables):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap_offset + 4 + 8 * i)
        subtables[(platform, encoding)] = cmap_offset + offset
    for key in ((3, 10), (0, 4), (0, 6)):
        if key in subtables and struct.unpack_from(">H", data, subtables[key])[0] == 12:
            return _cmap_format12(data, subtables[key])
    for key in ((3, 1), (0, 3), (0, 1), (0, 0)):
        if key in subtables and struct.unpack_from(">H", data, subtables[key])[0] == 4:
            return _cmap_format4(data, subtables[key])
    raise ValueError("font has no Unicode cmap subtable of format 4 or 12")


def _cmap_format4(data: bytes, start: int) -> frozenset[int]:
    seg_count = struct.unpack_from(">H", data, start + 6)[0] // 2
    ends = struct.unpack_from(f">{seg_count}H", data, start + 14)
    starts = struct.unpack_from(f">{seg_count}H", data, start + 16 + 2 * seg_count)
    deltas = struct.unpack_from(f">{seg_count}h", data, start + 16 + 4 * seg_count)
    range_base = start + 16 + 6 * seg_count
    range_offsets = struct.unpack_from(f">{seg_count}H", data, range_base)
    mapped: set[int] = set()
    for seg in range(seg_count):
        for code in range(starts[seg], min(ends[seg], 0xFFFE) + 1):
            if range_offsets[seg] == 0:
                glyph = (code + deltas[seg]) & 0xFFFF
            else:
                address = range_base + 2 * seg + range_offsets[seg] + 2 * (code - starts[seg])
                glyph = struct.unpack_from(">H", data, address)[0]
                glyph = (glyph + deltas[seg]) & 0xFFFF if glyph else 0
            if glyph:
                mapped.add(code)
    return frozenset(mapped)


def _cmap_format12(data: bytes, start: int) -> frozenset[int]:
    (num_groups,) = struct.unpack_from(">I", data, start + 12)
    mapped: set[int] = set()
    for i in range(num_groups):
        first, last, glyph = struct.unpack_from(">III", data, start + 16 + 12 * i)
        if last - first > 0x10FFFF:
            raise ValueError("malformed cmap format 12 group")
        mapped.update(range(first if glyph else first + 1, last + 1))
    return frozenset(mapped)
