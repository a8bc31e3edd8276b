"""EXIF (TIFF) parsing just deep enough to read and rewrite a UserComment that carries a label."""

from __future__ import annotations

import re
from dataclasses import dataclass

from clearmark.core.aigc import parse_label_json
from clearmark.core.errors import InvalidMedia
from clearmark.media.container import read_uint

EXIF_PREFIX = b"Exif\x00\x00"
EXIF_IFD_POINTER = 0x8769
USER_COMMENT = 0x9286
_UNDEFINED = 7
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}

# The 8-byte character-code prefix of UserComment (EXIF 2.3 table 9).
_CHARSETS: dict[bytes, str] = {
    b"ASCII\x00\x00\x00": "ascii",
    b"UNICODE\x00": "unicode",
    b"JIS\x00\x00\x00\x00\x00": "jis",
    b"\x00" * 8: "undefined",
}
_PREFIXES: dict[str, bytes] = {
    "ascii": b"ASCII\x00\x00\x00",
    "utf-16-le": b"UNICODE\x00",
    "utf-16-be": b"UNICODE\x00",
    "undefined": b"\x00" * 8,
}
_LABEL_MARK = re.compile(r'\{\s*(?:"|&quot;)AIGC(?:"|&quot;)')


@dataclass(frozen=True)
class UserComment:
    """Where a UserComment lives inside one TIFF block, and what it says."""

    entry_offset: int
    value_offset: int
    count: int
    big_endian: bool
    text: str
    charset: str


def split_exif_prefix(block: bytes) -> tuple[bytes, bytes]:
    """``(prefix, tiff)``: an EXIF block split into its optional ``Exif\\0\\0`` prefix and the TIFF data."""
    prefix = EXIF_PREFIX if block.startswith(EXIF_PREFIX) else b""
    return prefix, block[len(prefix) :]


def find_user_comment(tiff: bytes) -> UserComment | None:
    """The UserComment of the Exif sub-IFD, or None when the block has none.

    Raises:
        InvalidMedia: the TIFF structure is malformed (bad header, offsets past the end).
    """
    if tiff[:4] == b"II*\x00":
        big = False
    elif tiff[:4] == b"MM\x00*":
        big = True
    else:
        raise InvalidMedia("EXIF block does not start with a TIFF header")
    ifd0 = read_uint(tiff, 4, 4, big_endian=big, what="EXIF IFD0 offset")
    pointer = _find_entry(tiff, ifd0, EXIF_IFD_POINTER, big)
    if pointer is None:
        return None
    exif_ifd = read_uint(tiff, pointer + 8, 4, big_endian=big, what="Exif IFD pointer")
    entry = _find_entry(tiff, exif_ifd, USER_COMMENT, big)
    if entry is None:
        return None
    kind = read_uint(tiff, entry + 2, 2, big_endian=big, what="UserComment type")
    count = read_uint(tiff, entry + 4, 4, big_endian=big, what="UserComment count")
    size = count * _TYPE_SIZES.get(kind, 1)
    value_offset = entry + 8 if size <= 4 else read_uint(tiff, entry + 8, 4, big_endian=big, what="offset")
    if value_offset + size > len(tiff):
        raise InvalidMedia(f"EXIF UserComment of {size} bytes at {value_offset} runs past the EXIF block")
    text, charset = decode_user_comment(tiff[value_offset : value_offset + size], big_endian=big)
    return UserComment(entry, value_offset, size, big, text, charset)


def _find_entry(tiff: bytes, ifd: int, tag: int, big: bool) -> int | None:
    count = read_uint(tiff, ifd, 2, big_endian=big, what="IFD entry count")
    if ifd + 2 + 12 * count > len(tiff):
        raise InvalidMedia(f"EXIF IFD at {ifd} declares {count} entries past the end of the block")
    for index in range(count):
        entry = ifd + 2 + 12 * index
        if read_uint(tiff, entry, 2, big_endian=big) == tag:
            return entry
    return None


def decode_user_comment(raw: bytes, *, big_endian: bool) -> tuple[str, str]:
    """The text of a UserComment value and the charset it used (``ascii``, ``utf-16-le``, …)."""
    charset = _CHARSETS.get(raw[:8], "")
    body = raw[8:] if charset else raw
    if charset == "unicode":
        charset = _utf16_order(body, big_endian)
        text = body.decode(charset, errors="replace").lstrip("\ufeff")
    else:
        text = body.decode("utf-8", errors="replace")
    return text.rstrip("\x00"), charset or "none"


def _utf16_order(body: bytes, big_endian: bool) -> str:
    if body[:2] == b"\xff\xfe":
        return "utf-16-le"
    if body[:2] == b"\xfe\xff":
        return "utf-16-be"
    # ASCII-range text in UTF-16 has its zero bytes on one side: that side tells the order.
    even_zeros = body[0::2].count(0)
    odd_zeros = body[1::2].count(0)
    if even_zeros != odd_zeros:
        return "utf-16-be" if even_zeros > odd_zeros else "utf-16-le"
    return "utf-16-be" if big_endian else "utf-16-le"


def encode_user_comment(text: str, charset: str, *, big_endian: bool) -> bytes:
    """A UserComment value holding ``text``, keeping the original charset where it can."""
    if charset in ("ascii", "jis", "none") and text.isascii():
        charset = "ascii"
    elif charset not in ("utf-16-le", "utf-16-be", "undefined"):
        charset = "utf-16-be" if big_endian else "utf-16-le"
    encoding = "utf-8" if charset in ("ascii", "undefined") else charset
    return _PREFIXES[charset] + text.encode(encoding)


def carries_label(text: str) -> bool:
    """True when a comment's text holds a GB 45438 label, wrapped (``{"AIGC"…``) or bare (``{"Label"…``)."""
    return bool(_LABEL_MARK.search(text)) or parse_label_json(text) is not None


def label_is_wrapped(text: str) -> bool:
    """Whether a compat carrier's label uses the ``{"AIGC":{…}}`` form (writers keep the form they find)."""
    return bool(_LABEL_MARK.search(text))


def read_label_comment(tiff: bytes) -> UserComment | None:
    """The UserComment when it carries a label; None when absent, unlabelled or unparseable EXIF."""
    try:
        comment = find_user_comment(tiff)
    except InvalidMedia:
        return None
    return comment if comment is not None and carries_label(comment.text) else None


def rewrite_user_comment(tiff: bytes, new_text: str) -> bytes:
    """The TIFF block with its UserComment replaced by ``new_text``; every other byte's meaning kept.

    A value that fits is written in place; a longer one is appended at the end of the block (TIFF
    offsets are absolute, so nothing moves). The old bytes are zeroed so no stale label survives.

    Raises:
        InvalidMedia: the block is malformed or has no UserComment.
    """
    comment = find_user_comment(tiff)
    if comment is None:
        raise InvalidMedia("EXIF block has no UserComment to rewrite")
    value = encode_user_comment(new_text, comment.charset, big_endian=comment.big_endian)
    order = "big" if comment.big_endian else "little"
    out = bytearray(tiff)
    if comment.count > 4:
        out[comment.value_offset : comment.value_offset + comment.count] = bytes(comment.count)
    if len(value) <= comment.count and comment.count > 4:
        offset = comment.value_offset
    else:
        out += bytes(len(out) % 2)
        offset = len(out)
        out += value
    out[offset : offset + len(value)] = value
    entry = comment.entry_offset
    out[entry + 2 : entry + 4] = _UNDEFINED.to_bytes(2, order)
    out[entry + 4 : entry + 8] = len(value).to_bytes(4, order)
    out[entry + 8 : entry + 12] = offset.to_bytes(4, order)
    return bytes(out)


# Text-valued tags a provenance reader looks at: IFD0 (TIFF) tags, then the Exif sub-IFD's.
IFD0_TEXT_TAGS: dict[int, str] = {
    0x010E: "ImageDescription",
    0x010F: "Make",
    0x0110: "Model",
    0x0131: "Software",
    0x013B: "Artist",
    0x013C: "HostComputer",
    0x8298: "Copyright",
    0x9C9C: "XPComment",
}
EXIF_IFD_TEXT_TAGS: dict[int, str] = {USER_COMMENT: "UserComment", 0xA420: "ImageUniqueID"}
MAX_TEXT_FIELD_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ExifBlock:
    """One EXIF (TIFF) block of a file: the carrier it sits in and the file offset of its TIFF header."""

    carrier: str
    offset: int
    tiff: bytes


@dataclass(frozen=True)
class ExifText:
    """One text-valued EXIF field: tag name, decoded text, and its value's offset inside the TIFF block."""

    ifd: str  # "0" (TIFF IFD0) or "exif"
    tag: int
    name: str
    text: str
    value_offset: int
    length: int


def read_text_fields(tiff: bytes) -> list[ExifText]:
    """The text-valued fields of IFD0 and the Exif sub-IFD (see ``IFD0_TEXT_TAGS``), in that order.

    ASCII values are decoded as UTF-8 (writers put UTF-8 there), XPComment as UTF-16-LE and
    UserComment by its character-code prefix. Values over MAX_TEXT_FIELD_BYTES are skipped.

    Raises:
        InvalidMedia: the TIFF structure is malformed (bad header, offsets past the end).
    """
    if tiff[:4] == b"II*\x00":
        big = False
    elif tiff[:4] == b"MM\x00*":
        big = True
    else:
        raise InvalidMedia("EXIF block does not start with a TIFF header")
    ifd0 = read_uint(tiff, 4, 4, big_endian=big, what="EXIF IFD0 offset")
    fields = _ifd_text_fields(tiff, ifd0, IFD0_TEXT_TAGS, "0", big)
    pointer = _find_entry(tiff, ifd0, EXIF_IFD_POINTER, big)
    if pointer is not None:
        exif_ifd = read_uint(tiff, pointer + 8, 4, big_endian=big, what="Exif IFD pointer")
        fields += _ifd_text_fields(tiff, exif_ifd, EXIF_IFD_TEXT_TAGS, "exif", big)
    return fields


def _ifd_text_fields(tiff: bytes, ifd: int, tags: dict[int, str], ifd_name: str, big: bool) -> list[ExifText]:
    count = read_uint(tiff, ifd, 2, big_endian=big, what="IFD entry count")
    if ifd + 2 + 12 * count > len(tiff):
        raise InvalidMedia(f"EXIF IFD at {ifd} declares {count} entries past the end of the block")
    fields = []
    for index in range(count):
        entry = ifd + 2 + 12 * index
        tag = read_uint(tiff, entry, 2, big_endian=big)
        if tag not in tags:
            continue
        kind = read_uint(tiff, entry + 2, 2, big_endian=big)
        size = read_uint(tiff, entry + 4, 4, big_endian=big) * _TYPE_SIZES.get(kind, 1)
        if size > MAX_TEXT_FIELD_BYTES:
            continue
        offset = entry + 8 if size <= 4 else read_uint(tiff, entry + 8, 4, big_endian=big, what="offset")
        if offset + size > len(tiff):
            raise InvalidMedia(f"EXIF tag 0x{tag:04X} of {size} bytes at {offset} runs past the EXIF block")
        raw = tiff[offset : offset + size]
        if tag == USER_COMMENT:
            text = decode_user_comment(raw, big_endian=big)[0]
        elif tag == 0x9C9C:
            text = raw.decode("utf-16-le", errors="replace").rstrip("\x00")
        else:
            text = raw.decode("utf-8", errors="replace").rstrip("\x00")
        fields.append(ExifText(ifd_name, tag, tags[tag], text, offset, size))
    return fields
