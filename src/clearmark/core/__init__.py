"""Domain vocabulary shared by every layer: errors, enums, the AIGC label and result dataclasses."""

from clearmark.core.aigc import AigcLabel, ParsedLabel, parse_label_json
from clearmark.core.enums import AppliedLabel, Category, Corner, MediaKind, Outcome, Suggestion
from clearmark.core.errors import (
    ClearMarkError,
    InvalidMedia,
    InvalidRequest,
    LabelConflict,
    MediaTooLarge,
    RecordNotFound,
    RequestConflict,
    Unauthenticated,
    UnsupportedFormat,
)
from clearmark.core.signals import (
    BoundingBox,
    CampaignVerdict,
    ComplianceCheck,
    ComplianceReport,
    Finding,
    Inspection,
    Location,
    MediaInfo,
    Signal,
)

__all__ = [
    "AigcLabel",
    "AppliedLabel",
    "BoundingBox",
    "CampaignVerdict",
    "Category",
    "ClearMarkError",
    "ComplianceCheck",
    "ComplianceReport",
    "Corner",
    "Finding",
    "InvalidMedia",
    "InvalidRequest",
    "Inspection",
    "LabelConflict",
    "Location",
    "MediaInfo",
    "MediaKind",
    "MediaTooLarge",
    "Outcome",
    "ParsedLabel",
    "RecordNotFound",
    "RequestConflict",
    "Signal",
    "Suggestion",
    "Unauthenticated",
    "UnsupportedFormat",
    "parse_label_json",
]
