"""Plug-in readers for other systems' learned watermarks (TrustMark, VideoSeal, ...), weights supplied.

Their own packages fetch model weights from the network on first use; ClearMark never does. An
operator who wants one of them installs its package, places the weights on disk and configures an
``ExternalModelSpec`` (name, path, SHA-256). ``load_external_readers`` checks each file's checksum
and hands the path to the factory registered under that name; without a configured spec, nothing
is loaded and nothing is fetched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PIL import Image


@dataclass(frozen=True)
class ExternalModelSpec:
    """Where an operator put one system's weights, and the SHA-256 they must have."""

    name: str
    path: Path
    sha256: str


@dataclass(frozen=True)
class ExternalReading:
    """What an external reader found in an image."""

    system: str
    confidence: float  # 0..1, the reader's own detection score
    payload_bits: str = ""  # "0101...", when the system carries a payload
    attributes: tuple[tuple[str, str], ...] = ()


class ExternalWatermarkReader(Protocol):
    """A loaded reader of one external watermark system."""

    name: str
    version: str

    def read(self, image: Image.Image) -> ExternalReading | None:
        """The watermark in ``image``, or None when the system finds none."""
        ...


ExternalReaderFactory = Callable[[Path], ExternalWatermarkReader]
EXTERNAL_READER_FACTORIES: dict[str, ExternalReaderFactory] = {}


class WeightsMismatch(ValueError):
    """A configured weights file is missing or does not have the configured SHA-256."""


def register_external_reader(name: str) -> Callable[[ExternalReaderFactory], ExternalReaderFactory]:
    """Decorator adding a reader factory (``weights path -> reader``) under ``name``."""

    def add(factory: ExternalReaderFactory) -> ExternalReaderFactory:
        if name in EXTERNAL_READER_FACTORIES:
            raise ValueError(f"external watermark reader {name!r} registered twice")
        EXTERNAL_READER_FACTORIES[name] = factory
        return factory

    return add


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_external_readers(specs: Iterable[ExternalModelSpec]) -> tuple[ExternalWatermarkReader, ...]:
    """Build the configured readers after checking each weights file.

    Raises:
        WeightsMismatch: a weights file is missing or its checksum differs.
        ValueError: no reader is registered under a configured name.
    """
    readers = []
    for spec in specs:
        factory = EXTERNAL_READER_FACTORIES.get(spec.name)
        if factory is None:
            raise ValueError(
                f"no external watermark reader {spec.name!r}; registered: {sorted(EXTERNAL_READER_FACTORIES)}"
            )
        if not spec.path.is_file():
            raise WeightsMismatch(f"weights for {spec.name!r} not found at {spec.path}")
        actual = file_sha256(spec.path)
        if actual != spec.sha256.lower():
            raise WeightsMismatch(f"weights for {spec.name!r} have SHA-256 {actual}, expected {spec.sha256}")
        readers.append(factory(spec.path))
    return tuple(readers)
