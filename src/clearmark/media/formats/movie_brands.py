"""The ``ftyp`` brands that tell MP4 video, QuickTime movies and MPEG-4 audio apart (shared by their format modules)."""

from __future__ import annotations

from collections.abc import Callable

from clearmark.media.bmff import ftyp_brands
from clearmark.media.format import Probe

M4A_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "})
MOV_BRANDS = frozenset({b"qt  "})
MP4_BRANDS = frozenset(
    {
        *(b"iso" + bytes((digit,)) for digit in b"m23456789"),
        b"mp41", b"mp42", b"mp71", b"avc1", b"hvc1", b"hev1", b"av01", b"dash", b"msdh", b"msix", b"cmfc", b"cmf2",
        b"M4V ", b"M4VH", b"M4VP", b"F4V ", b"f4v ", b"mmp4", b"3gp4", b"3gp5", b"3gp6", b"3gp7", b"3gg6", b"3g2a",
        b"XAVC", b"MSNV", b"NDAS", b"nvr1",
    }
)  # fmt: skip


def major_brand_in(brands: frozenset[bytes]) -> Callable[[Probe], bool]:
    """A signature test: an ``ftyp`` box whose major brand is one of ``brands``."""
    return lambda probe: ftyp_brands(probe.head)[:1] in {(brand,) for brand in brands}


def any_brand_in(brands: frozenset[bytes]) -> Callable[[Probe], bool]:
    """A signature test: an ``ftyp`` box naming one of ``brands`` as major or compatible brand."""
    return lambda probe: bool(set(ftyp_brands(probe.head)) & brands)
