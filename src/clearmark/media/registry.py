"""The format registry: every format module registers its one spec here, and every table reads it."""

from __future__ import annotations

from collections.abc import Iterator

from clearmark.core.enums import MediaKind
from clearmark.core.errors import UnsupportedFormat
from clearmark.media.format import FormatSpec

_FORMATS: dict[str, FormatSpec] = {}


def register_format(spec: FormatSpec) -> FormatSpec:
    """Add a format; its name must be new. Returns the spec, so a module can keep it as a constant."""
    if spec.name in _FORMATS:
        raise ValueError(f"format {spec.name!r} is registered twice")
    _FORMATS[spec.name] = spec
    return spec


def _load() -> dict[str, FormatSpec]:
    import clearmark.media.formats  # noqa: F401  (each format module registers itself)

    return _FORMATS


def all_formats() -> tuple[FormatSpec, ...]:
    """Every registered spec, in sniffing order (highest precedence first)."""
    return tuple(sorted(_load().values(), key=lambda spec: -spec.precedence))


def supported_formats(kind: MediaKind | None = None) -> tuple[FormatSpec, ...]:
    """The specs whose labels ClearMark reads and writes, optionally of one modality."""
    return tuple(spec for spec in all_formats() if spec.supported and (kind is None or spec.kind is kind))


def format_named(name: str) -> FormatSpec:
    """The spec registered under ``name``.

    Raises:
        UnsupportedFormat: no such format.
    """
    try:
        return _load()[name]
    except KeyError:
        raise UnsupportedFormat(f"no format named {name!r}") from None


def format_for_mime(mime_type: str) -> FormatSpec | None:
    """The spec that lists ``mime_type`` (canonical or alias), or None."""
    wanted = mime_type.split(";", 1)[0].strip().lower()
    return next((spec for spec in all_formats() if wanted in spec.mime_types), None)


def c2pa_formats() -> Iterator[FormatSpec]:
    """The specs c2pa reads a manifest store from."""
    return (spec for spec in all_formats() if spec.c2pa is not None)
