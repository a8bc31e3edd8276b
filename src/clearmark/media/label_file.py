"""Writing a label from a file into a file: the container's streaming writer when it has one, else the bytes form.

A container may offer ``write_label_to(source, output, label_json, *, extra_properties, target,
limits) -> None`` beside the ``Container`` protocol's ``write_label``: the label written while the
content is copied in pieces (PDF: an incremental update appended to a copy), so long media are never
whole in memory. Formats without it are written whole, within ``limits.max_bytes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from clearmark.media.format import NO_PROPERTIES, Container
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits
from clearmark.media.metadata import LabelCarrier
from clearmark.media.source import Source


def writes_files(container: Container) -> bool:
    """Whether the container writes labels from file to file (memory bounded by structure, not size)."""
    return callable(getattr(container, "write_label_to", None))


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
    """Write ``source`` with ``label_json`` in its standard carrier into the file ``output``.

    Raises:
        MediaTooLarge: the container writes only whole content and ``source`` exceeds ``limits.max_bytes``.
        And whatever the container's ``write_label`` raises.
    """
    options = {"extra_properties": extra_properties, "target": target, "limits": limits}
    if writes_files(container):
        container.write_label_to(source, output, label_json, **options)  # type: ignore[attr-defined]
        return
    output.write_bytes(container.write_label(source.read_bytes(limits.max_bytes), label_json, **options))  # type: ignore[arg-type]
