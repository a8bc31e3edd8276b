"""What an audio container's label carriers hold: one entry per carrier found, in file order."""

from __future__ import annotations

from dataclasses import dataclass

from clearmark.core.aigc import ParsedLabel, parse_label_json

LABEL_KEY = "AIGC"


@dataclass(frozen=True)
class AudioLabelEntry:
    """One GB 45438 label carrier found in an audio file.

    Attributes:
        carrier: where it sits, e.g. ``riff/AIGC``, ``riff/LIST/INFO/AIGC``, ``id3v2.3/TXXX:AIGC``,
            ``vorbis/AIGC``.
        text: the carrier's text as stored (trailing NULs removed).
        offset: byte offset of the carrier in the file, when the parser knows it.
    """

    carrier: str
    text: str
    offset: int | None = None

    @property
    def parsed(self) -> ParsedLabel | None:
        """The label the text holds, in any accepted form (bare, wrapped, ``omitempty``), or None."""
        return parse_label_json(self.text)

    @property
    def is_mirror(self) -> bool:
        """True for copies other writers add beside the standard carrier (RIFF ``LIST/INFO``)."""
        return is_mirror_carrier(self.carrier)


def is_mirror_carrier(carrier: str) -> bool:
    """True for a carrier name of the copies other writers add beside the standard one (RIFF ``LIST/INFO``)."""
    return "/LIST/INFO/" in carrier


def distinct_labels(entries: tuple[AudioLabelEntry, ...]) -> tuple[AudioLabelEntry, ...]:
    """The entries that count as labels: a mirror with the same text as a primary carrier is one label."""
    primary_texts = {entry.text for entry in entries if not entry.is_mirror}
    return tuple(entry for entry in entries if not (entry.is_mirror and entry.text in primary_texts))
