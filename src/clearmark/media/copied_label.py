"""Label containers that write by copying the file around one edited region, then read the label back.

MP4/MOV/M4A (``media.movie_label``) and Matroska/WebM (``media.matroska_label``) keep their one
standard label in a small structure (``moov``, ``Tags``) and copy everything else range by range. They
share what a write must do around that edit: refuse a second label, write to a stream (memory) or to a
file (atomically), and trust nothing until the label reads back exactly.
"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

from clearmark.core.errors import ClearMarkError, InvalidRequest, LabelConflict
from clearmark.media.copying import atomic_output
from clearmark.media.format import NO_PROPERTIES
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits
from clearmark.media.metadata import LabelCarrier, Metadata
from clearmark.media.source import Source


class LabelReadBackMismatch(ClearMarkError):
    """The label written into a file did not read back exactly (a writer bug, never shipped silently)."""

    default_reason = "LABEL_READ_BACK_FAILED"


def check_single_label(metadata: Metadata, target: LabelCarrier | None, name: str) -> None:
    """Refuse a write that would leave two labels or overwrite the wrong one (any container with one standard key).

    Raises:
        LabelConflict: two different standard labels, a compat ``target``, or a label only in a compat carrier.
        InvalidRequest: ``target`` is no longer the content's standard label (``STALE_TARGET``).
    """
    standard = [carrier for carrier in metadata.label_carriers if carrier.standard]
    compat = [carrier for carrier in metadata.label_carriers if not carrier.standard and carrier.parsed]
    if len({carrier.raw_text for carrier in standard}) > 1:
        raise LabelConflict(f"the file already holds {len(standard)} different {name} labels", reason="DUPLICATE_LABEL")
    if target is not None and not target.standard:
        raise LabelConflict(
            f"the label sits in {target.carrier}, not in {name}; updating it would write a second label",
            reason="DUPLICATE_LABEL",
        )
    if not standard and compat:
        raise LabelConflict(
            f"the file already carries a label in {compat[0].carrier}; writing {name} would make a second label",
            reason="DUPLICATE_LABEL",
        )
    if target is not None and target.raw_text not in {carrier.raw_text for carrier in standard}:
        raise InvalidRequest("the target label carrier no longer matches the content", reason="STALE_TARGET")


class CopiedLabelContainer(ABC):
    """A registry ``Container`` (and ``StreamingContainer``) whose writes copy the file around one edit.

    A subclass names its standard carrier in ``label_carrier`` and implements ``read_metadata`` and
    ``_write`` (copy ``source`` to ``out`` with the label in place; return the label's bare form).
    """

    label_carrier: str

    @abstractmethod
    def read_metadata(self, source: Source, *, limits: MediaLimits = DEFAULT_LIMITS) -> Metadata:
        """Every label carrier, in file order."""

    @abstractmethod
    def _write(
        self,
        source: Source,
        out: BinaryIO,
        label_json: str,
        extra_properties: Mapping[tuple[str, str], str],
        target: LabelCarrier | None,
        limits: MediaLimits,
    ) -> str:
        """Copy ``source`` to ``out`` with ``label_json`` as the one standard label; its bare form."""

    def write_label(
        self,
        data: bytes,
        label_json: str,
        *,
        extra_properties: Mapping[tuple[str, str], str] = NO_PROPERTIES,
        target: LabelCarrier | None = None,
        limits: MediaLimits = DEFAULT_LIMITS,
    ) -> bytes:
        """The content with ``label_json`` (bare form) as its one standard label; everything else kept.

        Raises: as the subclass's ``_write`` (see its module), and ``LabelReadBackMismatch``.
        """
        out = io.BytesIO()
        bare = self._write(Source.of(data), out, label_json, extra_properties, target, limits)
        written = out.getvalue()
        self._read_back(Source.of(written), bare, limits)
        return written

    def write_label_to(
        self,
        source: Source,
        output: Path,
        label_json: str,
        *,
        extra_properties: Mapping[tuple[str, str], str] = NO_PROPERTIES,
        target: LabelCarrier | None = None,
        limits: MediaLimits = DEFAULT_LIMITS,
    ) -> None:
        """Write the labelled content to ``output`` (a temporary name, then renamed), memory bounded by the edit.

        Raises: as ``write_label``; ``output`` is left untouched on any error.
        """
        with atomic_output(output) as (stream, temp):
            bare = self._write(source, stream, label_json, extra_properties, target, limits)
            stream.close()
            self._read_back(Source(path=temp), bare, limits)

    def _read_back(self, written: Source, bare: str, limits: MediaLimits) -> None:
        carriers = self.read_metadata(written, limits=limits).label_carriers
        standard = {carrier.raw_text for carrier in carriers if carrier.standard}
        if standard != {bare}:
            raise LabelReadBackMismatch(f"the {self.label_carrier} label read back as {sorted(standard)!r}")
