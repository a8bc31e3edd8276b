"""Writer of the implicit image label: the GB 45438 XMP property plus companions, read back after writing."""

from __future__ import annotations

from collections.abc import Mapping

from clearmark.core.aigc import AigcLabel
from clearmark.core.errors import ClearMarkError
from clearmark.media.asset import Asset, open_asset
from clearmark.media.metadata import LabelCarrier, XmpLabels


class LabelReadBackFailed(ClearMarkError):
    """What was written could not be read back identically (a writer bug; never shipped silently)."""

    default_reason = "LABEL_READ_BACK_FAILED"


def write_implicit_label(
    original: Asset,
    label: AigcLabel,
    *,
    pixels: bytes | None = None,
    extra_properties: Mapping[tuple[str, str], str] | None = None,
    target: LabelCarrier | None = None,
) -> bytes:
    """The content with ``label`` written (in ``target`` if given, else XMP ``TC260:AIGC``).

    Args:
        original: the content as received; its XMP is kept property by property.
        label: the label to write, bare JSON in the standard's key order.
        pixels: re-encoded bytes to write into instead of the original (after a visible notice).
        extra_properties: further XMP properties ((namespace, name) -> value).
        target: an existing carrier to update in place (a platform's propagator fields).

    Raises:
        LabelReadBackFailed: the written label does not read back exactly once and equal.
    """
    container = original.spec.container
    assert isinstance(container, XmpLabels), "images carry their label in XMP"
    base = original.data if pixels is None else container.carry_xmp(original.data, pixels, limits=original.limits)
    written = container.write_label(
        base,
        label.to_json(),
        extra_properties=dict(extra_properties or {}),
        target=target,
        limits=original.limits,
    )
    carriers = open_asset(written, original.limits).metadata.label_carriers
    parsed = [c.parsed.label for c in carriers if c.parsed is not None]
    if len(carriers) != 1 or parsed != [label]:
        raise LabelReadBackFailed(f"label read back as {parsed!r} from {len(carriers)} carriers, wrote {label!r}")
    return written
