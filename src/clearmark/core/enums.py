"""Closed sets of the domain, mirroring the proto enums value for value (``*_UNSPECIFIED = 0``)."""

from __future__ import annotations

import enum


class MediaKind(enum.IntEnum):
    """The modality of a piece of content."""

    MEDIA_KIND_UNSPECIFIED = 0
    IMAGE = 1
    VIDEO = 2
    AUDIO = 3
    TEXT = 4
    DOCUMENT = 5


class Category(enum.IntEnum):
    """The Art. 6 category of content, strongest evidence first in value order."""

    CATEGORY_UNSPECIFIED = 0
    NO_SIGNAL = 1
    AI_SUSPECTED = 2
    AI_POSSIBLE = 3
    AI_GENERATED = 4


class Outcome(enum.IntEnum):
    """The result of one compliance requirement."""

    OUTCOME_UNSPECIFIED = 0
    PASS = 1
    FAIL = 2
    NOT_APPLICABLE = 3
    INCONCLUSIVE = 4


class Suggestion(enum.IntEnum):
    """Campaign routing suggestion; larger is stricter, so the verdict is the maximum."""

    SUGGESTION_UNSPECIFIED = 0
    PASS = 1
    REVIEW = 2
    BLOCK = 3


class AppliedLabel(enum.IntEnum):
    """A kind of label a writer put on content."""

    APPLIED_LABEL_UNSPECIFIED = 0
    EXPLICIT_NOTICE = 1
    METADATA_PRODUCER = 2
    METADATA_PROPAGATOR = 3
    C2PA_MANIFEST = 4
    WATERMARK = 5


class Corner(enum.IntEnum):
    """Where an explicit image notice is placed: a corner or the middle of an edge."""

    CORNER_UNSPECIFIED = 0
    BOTTOM_RIGHT = 1
    BOTTOM_LEFT = 2
    TOP_RIGHT = 3
    TOP_LEFT = 4
    BOTTOM_EDGE = 5
    TOP_EDGE = 6


class Verb(enum.IntEnum):
    """Which verb wrote a registry record."""

    VERB_UNSPECIFIED = 0
    STAMP = 1
    LABEL = 2
